"""What the console's order, review, back-fill, follow-up and dashboard pages share.

- ``scoped_order``: an order the operator may see, or None (the page then answers 404, never saying
  whether the id exists elsewhere);
- ``attempt``: runs an action in a savepoint, so a refused action stores nothing while the request's
  transaction still commits (the page shows the Chinese message; the English detail goes to the log);
- ``done`` / ``flash_for``: after an action the browser is sent back to the page with ``?done=<audit
  id>``, and the page words its message from that audit entry (only the operator's own entries), so a
  reload never repeats the action and the message cannot be forged through the URL;
- ``Names`` and ``local``: people's names, actor labels and local times for templates.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import Forbidden, NotFound, YinlingError
from backend.ledger.coin_words import coins_text
from backend.models import AuditEntry, Operator, Order, Person, Station
from web.console.deps import ConsoleOperator
from web.console.render import render
from web.console.scoping import can_see_station as in_scope  # one rule for what an operator may see

log = logging.getLogger("yinling.console")
T = TypeVar("T")

NOT_FOUND_ZH = "没有找到这个订单，或者它不在您的管辖范围内。"
# Domain messages are worded for the person asking; a few read better for an operator.
OPERATOR_MESSAGES = {
    "insufficient_balance": "账户余额不够扣回（时间币可能已经用掉），请先线下处理。",
    "account_frozen": "账户已冻结，不能记账。",
}

FLASH = {
    "order.open": "订单已审核通过，开始派单。",
    "order.assign": "已派单给志愿者{volunteer_name}，等待对方接单。",
    "order.correct": "订单已更正：{fields}。",
    "order.release": "志愿者{volunteer_name}已退出这个订单，订单重新开放。请在下面改派。",
    "order.cancel": "订单已取消。",
    "order.approve": "已核查通过，给志愿者{volunteer_name}记入{credited}。志愿者余额：{volunteer_before} → {volunteer_after}。",
    "order.revoke": ("订单已撤销。老人{elder_name}余额：{elder_before} → {elder_after}；"
                     "志愿者{volunteer_name}余额：{volunteer_before} → {volunteer_after}。"),
    "order.keep": "已标记为无需处理。",
    "order.confirm_visit": "已代为确认{step_zh}。这次服务没有定位，签退后要审核员核查再记入时长。",
    "order.backfill": "已补登订单 #{order_id}。",
    "backfill.import": "已导入{count}条补登记录（其中{repeated}条以前导入过，没有重复记账）。",
    "followup.record": "回访结果已记录。",
    "followup.not_reached": "未联系上，已记下第{attempts}次尝试。",
    "mall.partner.save": "已保存合作单位：{name}。",
    "mall.goods.save": "已保存物品：{name}，库存{stock}件。",
    "mall.goods.restock": "库存已更新：{name}，{before}件 → {after}件。",
    "mall.benefit.save": "已保存优惠：{offer}。",
    "mall.reverse": "已撤销这次兑换：时间币已退回，库存已加回。",
    "dispute.open": "已登记投诉（{side}，来自{source}）。请听取另一方的说法后处理。",
    "dispute.statement": "已记下{side}的说法。",
    "dispute.decide": ("已处理：{decision}。老人{elder_name}余额：{elder_before} → {elder_after}；"
                       "志愿者{volunteer_name}余额：{volunteer_before} → {volunteer_after}。已发短信告知双方。"),
}


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def scope_clause(current: ConsoleOperator):
    """Orders whose station lies in the operator's subtree (join Station on Order.station_id)."""
    return Station.path.startswith(current.station.path)


def scoped_order(session: Session, current: ConsoleOperator, order_id: int, *, for_update: bool = False) -> Order | None:
    order = session.get(Order, order_id, with_for_update=for_update)
    return order if order is not None and in_scope(session, current, order.station_id) else None


def not_found(request: Request, current: ConsoleOperator, message: str = NOT_FOUND_ZH, *,
              back_url: str = "/console/orders", back_label: str = "返回订单"):
    log.info("console %s %s → 404 (missing or outside %s's scope)", request.method, request.url.path, current.actor)
    return render(request, "console/orders_notfound.html", {"message": message, "back_url": back_url,
                                                             "back_label": back_label}, operator=current, status_code=404)


def message_of(error: YinlingError) -> str:
    return OPERATOR_MESSAGES.get(error.code, error.message)


def attempt(session: Session, work: Callable[[], T]) -> tuple[T | None, YinlingError | None]:
    """``(result, None)``, or ``(None, error)`` with everything ``work`` wrote rolled back."""
    try:
        with session.begin_nested():
            return work(), None
    except YinlingError as exc:
        log.info("console action refused: %s: %s", exc.code, exc.detail)
        return None, exc


def refusal(request: Request, current: ConsoleOperator, error: YinlingError, **back):
    """The gate's refusals as pages: missing or out of scope → the 404 page; a role refusal → 403 with
    its Chinese reason. None for any other error (the page re-shows its form with the message)."""
    if isinstance(error, NotFound):
        return not_found(request, current, error.message, **back)
    if isinstance(error, Forbidden):
        return render(request, "console/base.html", {"error": error.message}, operator=current, status_code=403)
    return None


def done(url: str, entry: AuditEntry | None) -> RedirectResponse:
    """Back to the page, naming the audit entry the flash is worded from (none when nothing changed)."""
    return RedirectResponse(f"{url}?done={entry.id}" if entry else url, status_code=303)


class _Blank(dict):
    def __missing__(self, key):
        return "—"


def flash_for(session: Session, current: ConsoleOperator, done_id: str | None) -> str | None:
    """The message for the operator's own audit entry ``done_id`` (None for anyone else's, or junk)."""
    if not done_id or not done_id.isdigit() or len(done_id) > 18:
        return None
    entry = session.get(AuditEntry, int(done_id))
    if entry is None or entry.actor != current.actor or entry.action not in FLASH:
        return None
    return FLASH[entry.action].format_map(_Blank(json.loads(entry.detail_json or "{}")))


def coins(minutes: int | None) -> str:
    return "—" if minutes is None else coins_text(minutes)


class Names:
    """People's names and actor labels for a page, looked up once per id."""

    SYSTEM = {"system": "系统", "system:dispatch": "系统派单", "service": "热线/聊天助手", "system:demo": "系统导入"}

    def __init__(self, session: Session):
        self.session = session
        self._people: dict[int, Person | None] = {}

    def load(self, ids: Iterable[int | None]) -> "Names":
        wanted = {i for i in ids if i is not None and i not in self._people}
        if wanted:
            found = {p.id: p for p in self.session.scalars(select(Person).where(Person.id.in_(wanted)))}
            self._people.update({i: found.get(i) for i in wanted})
        return self

    def person(self, person_id: int | None) -> Person | None:
        if person_id is None:
            return None
        if person_id not in self._people:
            self.load([person_id])
        return self._people[person_id]

    def name(self, person_id: int | None) -> str:
        person = self.person(person_id)
        return person.name if person else "—"

    def actor(self, actor: str | None) -> str:
        if not actor:
            return "—"
        if actor in self.SYSTEM:
            return self.SYSTEM[actor]
        kind, _, ident = actor.partition(":")
        if kind == "operator" and ident.isdigit():
            operator = self.session.get(Operator, int(ident))
            return f"操作员 {operator.name}" if operator else actor
        if kind == "person" and ident.isdigit():
            return self.name(int(ident))
        return actor


def local(value: datetime | None, tz: str, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(ZoneInfo(tz)).strftime(pattern) if value else "—"


def page_tools(request: Request, session: Session) -> dict[str, Any]:
    """Helpers every template of these pages may call: t(datetime), coins(minutes), names."""
    tz = request.app.state.yinling.settings.timezone

    def t(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
        return local(value, tz, pattern)
    return {"t": t, "coins": coins, "names": Names(session), "tz": tz}
