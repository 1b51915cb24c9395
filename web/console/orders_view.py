"""Read side of the console's order pages: the board by state and everything one order page shows.

Every query joins the order's station and keeps the operator's subtree (``pagekit.scope_clause``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.access.orders import FIELD_ZH  # one wording for the audit entry and the page
from backend.catalogue.catalogue import list_services
from backend.chats.records import chats_of_order
from backend.messaging import outbox
from backend.models import Anomaly, Call, CallEvent, Offer, Order, OrderEvent, OrderTransition, Rating, Station
from backend.orders import states
from web.console.deps import ConsoleOperator
from web.console.pagekit import local, scope_clause

# Board columns: the states an operator acts on, in the order an order moves through them.
ACTIVE_COLUMNS = (states.REQUESTED, states.OPEN, states.ASSIGNED, states.ACCEPTED, states.CHECKED_IN,
                  states.CHECKED_OUT, states.HELD)
FINAL_TABS = (states.COMPLETED, states.RATED, states.CANCELLED, states.EXPIRED, states.REVOKED)
CHANNEL_ZH = {"phone": "电话", "chat": "聊天", "operator": "人工", "paper": "纸质补登"}
ANOMALY_ZH = {"checkout_without_checkin": "没有签到就签退", "far_from_address": "签到/签退地点离服务地址太远",
              "implausible_duration": "服务时长不合常理", "overlap": "与该志愿者其他服务时间重叠",
              "daily_maximum": "当天服务时长超过上限", "phone_presence": "电话签到/签退，没有定位",
              "operator_confirmed": "工作人员代为确认到场，没有定位"}
# The fulfilment checks explain themselves in English; operators read these Chinese renderings.
ANOMALY_DETAIL_ZH = (
    (re.compile(r"check-in (\d+) m from the service address \(limit (\d+) m\)"), "签到地点离服务地址{0}米（上限{1}米）"),
    (re.compile(r"check-out (\d+) m from the service address \(limit (\d+) m\)"), "签退地点离服务地址{0}米（上限{1}米）"),
    (re.compile(r"(\d+) min is shorter than (\d+) min"), "只服务了{0}分钟，少于{1}分钟"),
    (re.compile(r"(\d+) min is over ([\d.]+)× the planned (\d+) min"), "服务了{0}分钟，超过计划{2}分钟的{1}倍"),
    (re.compile(r"overlaps this volunteer's orders \[([\d, ]+)\]"), "与该志愿者的订单{0}时间重叠"),
    (re.compile(r"(\d+) min served that day, over (\d+) min"), "当天共服务{0}分钟，超过上限{1}分钟"),
)
LEGACY_DISPATCH = re.compile(r"(人工)?派单给志愿者(\d+)（得分([\d.]+)）")
MESSAGE_ZH = {"offer": "派单通知", "confirmation": "接单确认", "reminder": "上门提醒", "sms": "短信", "call": "电话",
              "pending": "等待发送", "sent": "已发出", "failed": "发送失败"}
OFFER_ZH = {"pending": "等待接单", "accepted": "已接单", "declined": "已婉拒", "timed_out": "超时未回复",
            "withdrawn": "已收回"}
COLUMN_LIMIT = 50


def transition_channel(actor: str | None, channel: str) -> str:
    """How a step was taken: the system's own steps (automatic dispatch, expiry) are not "人工"."""
    if (actor or "").startswith("system"):
        return "系统自动"
    return CHANNEL_ZH.get(channel, "其他")


def transition_reason(reason: str | None, names) -> str:
    """A step's reason; older dispatch notes ("派单给志愿者4（得分0.901）") read with the volunteer's
    name and the score as points out of 100."""
    def named(found: re.Match) -> str:
        return (f"{found.group(1) or '自动'}派单给{names.name(int(found.group(2)))}"
                f"（匹配度{round(float(found.group(3)) * 100)}分）")
    return LEGACY_DISPATCH.sub(named, reason or "")
LIST_LIMIT = 100


def anomaly_text(detail: str) -> str:
    """A Chinese rendering of a fulfilment check's English detail ("" when the label says it all)."""
    for pattern, text in ANOMALY_DETAIL_ZH:
        found = pattern.fullmatch(detail or "")
        if found:
            return text.format(*found.groups())
    return ""


def _scoped():
    return select(Order).join(Station, Station.id == Order.station_id)


def state_counts(session: Session, current: ConsoleOperator) -> dict[str, int]:
    rows = session.execute(select(Order.state, func.count()).join(Station, Station.id == Order.station_id)
                           .where(scope_clause(current)).group_by(Order.state))
    counts = {state: 0 for state in (*ACTIVE_COLUMNS, *FINAL_TABS)}
    counts.update({state: int(n) for state, n in rows})
    return counts


def escalated(session: Session, current: ConsoleOperator) -> list[Order]:
    """Unmatched past the policy's escalation time and still active: first on the board."""
    return list(session.scalars(_scoped().where(scope_clause(current), Order.escalated_at.is_not(None),
                                                Order.state.in_(states.ACTIVE)).order_by(Order.escalated_at)))


def column(session: Session, current: ConsoleOperator, state: str, limit: int = COLUMN_LIMIT) -> list[Order]:
    """One state's orders: escalated first, then by start time (final states: newest first)."""
    query = _scoped().where(scope_clause(current), Order.state == state)
    if state in FINAL_TABS:
        query = query.order_by(Order.updated_at.desc(), Order.id.desc())
    else:
        query = query.order_by(Order.escalated_at.is_(None), Order.start_at, Order.id)
    return list(session.scalars(query.limit(limit)))


def paper_orders(session: Session, current: ConsoleOperator, limit: int = 20) -> list[Order]:
    return list(session.scalars(_scoped().where(scope_clause(current), Order.paper_backfill)
                                .order_by(Order.id.desc()).limit(limit)))


def service_names(session: Session) -> dict[str, str]:
    return {s.slug: s.name_zh for s in list_services(session)}


@dataclass
class Correction:
    at: object
    reason: str
    changes: list[tuple[str, object, object]] = field(default_factory=list)


@dataclass
class OrderFacts:
    """Everything the order page shows besides the order itself."""

    transitions: list[OrderTransition]
    corrections: list[Correction]
    offers: list[Offer]
    anomalies: list[Anomaly]
    ratings: list[Rating]
    calls: list[Call]
    station: Station
    messages: list[OrderMessage] = field(default_factory=list)  # the outbox's texts and offer calls
    chats: list = field(default_factory=list)  # family chats that booked the order


def _shown(name: str, value, tz: str):
    if name == "start_at" and value:
        return local(datetime.fromisoformat(value), tz)
    return "（空）" if value in (None, "") else value


def order_facts(session: Session, order: Order, tz: str, sees: Callable[[int | None], bool]) -> OrderFacts:
    """``sees``: whether the operator may see a station's records. The calls and chats that produced the order
    are listed only where the operator may see them (a family member of another street: not even the name),
    as their own pages answer."""
    transitions = list(session.scalars(select(OrderTransition).where(OrderTransition.order_id == order.id)
                                       .order_by(OrderTransition.id)))
    corrections = []
    for event in session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id,
                                                          OrderEvent.kind == "corrected").order_by(OrderEvent.id)):
        detail = json.loads(event.detail or "{}")
        corrections.append(Correction(event.at, detail.get("reason", ""), [
            (FIELD_ZH.get(name, name), _shown(name, old, tz), _shown(name, new, tz))
            for name, (old, new) in sorted(detail.get("changes", {}).items())]))
    offers = list(session.scalars(select(Offer).where(Offer.order_id == order.id).order_by(Offer.id)))
    anomalies = list(session.scalars(select(Anomaly).where(Anomaly.order_id == order.id).order_by(Anomaly.id)))
    ratings = list(session.scalars(select(Rating).where(Rating.order_id == order.id).order_by(Rating.id)))
    calls = [call for call in session.scalars(select(Call).join(CallEvent, CallEvent.call_id == Call.id)
                                              .where(CallEvent.order_id == order.id, CallEvent.kind == "order")
                                              .distinct()) if sees(call.station_id)]
    chats = [chat for chat in chats_of_order(session, order.id) if sees(chat.station_id)]
    return OrderFacts(transitions, corrections, offers, anomalies, ratings, calls, session.get(Station, order.station_id),
                      outbox.for_order(session, order.id), chats)
