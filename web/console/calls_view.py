"""What the call pages show: Chinese labels, the search form's values, and one call's timeline
(turns and events interleaved by the IVR's shared sequence number)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.calls import records
from backend.models import Call, CallEvent, CallTurn, Operator, Order, Person, ServiceItem, Station
from backend.orders.states import STATE_ZH
from web.console import call_audio, localtime

LOW_CONFIDENCE = 0.6
PAGE_SIZE = 20

STATUS_ZH = {"in_progress": "通话中", "completed": "已结束", "dropped": "中途断开", "transferred": "已转人工",
             "failed": "失败"}
REVIEW_ZH = {"unreviewed": "未审核", "reviewed": "已审核", "flagged": "有问题"}
REVIEW_BADGE = {"unreviewed": "", "reviewed": "good", "flagged": "bad"}
MODE_ZH = {"stream": "实时语音", "gather": "按键/简易识别"}
SPEAKER_ZH = {"caller": "来电人", "assistant": "助手"}
SOURCE_ZH = {"speech": "语音", "keypad": "按键", "prompt": "提示音"}
EVENT_ZH = {"dtmf": "按键", "handoff": "请求转人工", "transfer": "转接人工", "order": "创建订单",
            "redemption": "兑换物品", "reprompt": "重复提示", "error": "出错"}
# The hotline writes why a call ended, and what happened in it, in English for developers; people read these.
END_REASON_ZH = {"caller hung up": "来电人挂机", "no answer after the keypad/person offer": "提示后来电人没有回应，系统挂机",
                 "websocket closed without a stop message": "线路中断", "gateway stopped": "系统重启，通话中断",
                 "Twilio: completed": "通话正常结束", "Twilio: busy": "占线", "Twilio: no-answer": "无人接听",
                 "Twilio: failed": "没有接通", "Twilio: canceled": "来电人挂断"}
EVENT_DETAIL_ZH = {"caller pressed 0": "来电人按0", "caller pressed 0 in the keypad menu": "来电人在按键菜单里按0",
                   "the assistant handed off": "助手转人工", "assistant unavailable": "助手暂时无法回答",
                   "recognition stopped": "语音识别停止，改用按键", "synthesis failed": "语音合成失败",
                   "transfer failed": "转接失败", "offer": "提示可以按键或转人工", "goodbye": "没有回应，道别",
                   "reprompt": "请来电人再说一遍", "hung up: no answer": "没有回应，已挂机"}


@dataclass
class SearchForm:
    """The list page's filters as typed (strings), echoed back into the form."""

    phone: str = ""
    date_from: str = ""
    date_to: str = ""
    status: str = ""
    review: str = ""
    page: int = 1

    def search(self, tz: str) -> records.CallSearch:
        """Raises InvalidInput (Chinese message) for a malformed date."""
        since = localtime.parse_day(self.date_from, "开始日期")
        until = localtime.parse_day(self.date_to, "结束日期")
        return records.CallSearch(
            phone=self.phone or None,
            since=localtime.day_start(since, tz) if since else None,
            until=localtime.day_end(until, tz) if until else None,
            status=self.status if self.status in STATUS_ZH else None,
            review_status=self.review if self.review in REVIEW_ZH else None)

    def query(self, page: int) -> str:
        from urllib.parse import urlencode
        values = {"phone": self.phone, "date_from": self.date_from, "date_to": self.date_to,
                  "status": self.status, "review": self.review}
        return urlencode({**{k: v for k, v in values.items() if v}, "page": page})


def end_reason_text(reason: str | None) -> str:
    """Why the call ended, in Chinese: the known English reasons translated, Chinese kept, others plain."""
    if not reason:
        return "—"
    if reason in END_REASON_ZH:
        return END_REASON_ZH[reason]
    return reason if not reason.isascii() else "通话结束"


def event_detail_text(detail: str | None) -> str:
    """An event's detail for people: known English details translated; other English left out."""
    if not detail:
        return ""
    if detail in EVENT_DETAIL_ZH:
        return EVENT_DETAIL_ZH[detail]
    if detail.startswith("silent "):
        return f"第{detail.removeprefix('silent ')}次没有听到回答"
    return "" if detail.isascii() and not detail.replace("+", "").isdigit() else detail


def call_seconds(call: Call) -> int | None:
    """The call's length: Twilio's own figure, else from start to end (browser-phone and stream calls)."""
    if call.duration_s is not None:
        return call.duration_s
    if call.ended_at is not None and call.started_at is not None:
        return max(0, int((call.ended_at - call.started_at).total_seconds()))
    return None


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}分{rest:02d}秒" if minutes else f"{rest}秒"


def list_rows(session: Session, calls: list[Call], tz: str) -> list[dict]:
    people = _by_id(session, Person, {c.person_id for c in calls})
    stations = _by_id(session, Station, {c.station_id for c in calls})
    return [{"call": c, "started": localtime.show(c.started_at, tz), "person": people.get(c.person_id),
             "station": stations.get(c.station_id), "status": STATUS_ZH.get(c.status, c.status),
             "mode": MODE_ZH.get(c.mode, c.mode), "duration": duration_text(call_seconds(c)),
             "end_reason": end_reason_text(c.end_reason),
             "review": REVIEW_ZH.get(c.review_status, c.review_status),
             "review_badge": REVIEW_BADGE.get(c.review_status, "")} for c in calls]


def _by_id(session: Session, model, ids: set) -> dict:
    ids = {i for i in ids if i is not None}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}


@dataclass
class TimelineItem:
    seq: int
    kind: str  # "turn" or "event"
    turn: CallTurn | None = None
    event: CallEvent | None = None
    low_confidence: bool = False
    audio: bool = False
    key: str | None = None  # the key pressed, on a keypad turn that says what the key meant
    labels: dict = field(default_factory=dict)


def timeline(turns: list[CallTurn], events: list[CallEvent], recorded: bool) -> list[TimelineItem]:
    """Turns and events by sequence. A key press is logged twice by the hotline (the raw key, then the
    caller's keypad turn saying what it meant): the two show as one line, the turn with its key."""
    items = []
    for t in turns:
        low = t.speaker == "caller" and t.confidence is not None and t.confidence < LOW_CONFIDENCE
        items.append(TimelineItem(t.seq, "turn", turn=t, low_confidence=low,
                                  audio=recorded and call_audio.has_span(t),
                                  labels={"speaker": SPEAKER_ZH.get(t.speaker, t.speaker),
                                          "source": SOURCE_ZH.get(t.source, t.source)}))
    for e in events:
        items.append(TimelineItem(e.seq, "event", event=e, labels={"kind": EVENT_ZH.get(e.kind, e.kind),
                                                                     "detail": event_detail_text(e.detail)}))
    items.sort(key=lambda item: (item.seq, item.kind))
    return _fold_keys(items)


def _fold_keys(items: list[TimelineItem]) -> list[TimelineItem]:
    folded: list[TimelineItem] = []
    for i, item in enumerate(items):
        if item.kind == "event" and item.event.kind == "dtmf":
            answer = next((x for x in items[i + 1:] if x.kind == "turn" and x.turn.speaker == "caller"), None)
            between = items[i + 1:items.index(answer)] if answer else []
            if (answer is not None and answer.turn.source == "keypad"
                    and not any(x.kind == "event" and x.event.kind == "dtmf" for x in between)):
                answer.key = item.event.detail
                continue
        folded.append(item)
    return folded


def call_page(session: Session, call: Call, tz: str) -> dict:
    """Everything the call page shows, for a call already checked to be in scope."""
    turns, events = records.turns_and_events(session, call)
    recorded = call_audio.has_recording(call.call_sid)
    order_ids = records.orders_created(session, call, events)
    orders = list(session.scalars(select(Order).where(Order.id.in_(order_ids)).order_by(Order.id))) if order_ids else []
    services = dict(session.execute(select(ServiceItem.slug, ServiceItem.name_zh)).all())
    reviewer = None
    if call.reviewed_by is not None:
        reviewer = session.get(Operator, call.reviewed_by)
    return {
        "call": call, "row": list_rows(session, [call], tz)[0], "recorded": recorded,
        "items": timeline(turns, events, recorded), "low_threshold": LOW_CONFIDENCE,
        "orders": [{"order": o, "state": STATE_ZH.get(o.state, o.state), "start": localtime.show(o.start_at, tz),
                    "service": services.get(o.service_slug, o.service_slug)} for o in orders],
        "ended": localtime.show(call.ended_at, tz), "reviewer": reviewer,
        "reviewed_at": localtime.show(call.reviewed_at, tz), "review_zh": REVIEW_ZH,
    }
