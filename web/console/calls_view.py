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
            "reprompt": "重复提示", "error": "出错"}


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
             "mode": MODE_ZH.get(c.mode, c.mode), "duration": duration_text(c.duration_s),
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
    labels: dict = field(default_factory=dict)


def timeline(turns: list[CallTurn], events: list[CallEvent], recorded: bool) -> list[TimelineItem]:
    items = []
    for t in turns:
        low = t.speaker == "caller" and t.confidence is not None and t.confidence < LOW_CONFIDENCE
        items.append(TimelineItem(t.seq, "turn", turn=t, low_confidence=low,
                                  audio=recorded and call_audio.has_span(t),
                                  labels={"speaker": SPEAKER_ZH.get(t.speaker, t.speaker),
                                          "source": SOURCE_ZH.get(t.source, t.source)}))
    for e in events:
        items.append(TimelineItem(e.seq, "event", event=e, labels={"kind": EVENT_ZH.get(e.kind, e.kind)}))
    return sorted(items, key=lambda item: (item.seq, item.kind))


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
