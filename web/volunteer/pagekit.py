"""What the volunteer pages share: running an action so that a refusal stores nothing (a savepoint)
while the page still answers with the Chinese reason, and the message after an action, worded from
the volunteer's own audit entry (``?done=<id>``), so a reload never repeats it and a URL cannot forge it."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TypeVar

from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput, YinlingError
from backend.models import AuditEntry
from web.volunteer.deps import Volunteer

log = logging.getLogger("yinling.web.volunteer")
T = TypeVar("T")

FLASH = {
    "volunteer.accept": "接单成功！老人的地址和电话在“我的服务”里。",
    "volunteer.decline": "已婉拒，系统会请下一位志愿者。",
    "volunteer.check_in": "已签到，服务开始。结束时请在门口签退。",
    "volunteer.check_out.completed": "已签退，本次服务已记入：{credited}。谢谢您！",
    "volunteer.check_out.held": "已签退。这次服务需要站点工作人员核查，核查通过后记入时长。",
    "volunteer.rate": "谢谢您的评价。",
    "volunteer.offer_by": "已保存：以后有新的单会这样通知您。",
    "volunteer.redeem": "兑换成功！用了{price}。领取码 {code}，请到{pickup}领取。",
}


def attempt(session: Session, work: Callable[[], T]) -> tuple[T | None, YinlingError | None]:
    """``(result, None)``, or ``(None, error)`` with everything ``work`` wrote rolled back."""
    try:
        with session.begin_nested():
            return work(), None
    except YinlingError as exc:
        log.info("volunteer action refused: %s: %s", exc.code, exc.detail)
        return None, exc


def done(url: str, entry: AuditEntry) -> RedirectResponse:
    return RedirectResponse(f"{url}?done={entry.id}", status_code=303)


class _Blank(dict):
    def __missing__(self, key):
        return ""


def flash_for(session: Session, volunteer: Volunteer, done_id: str | None) -> str | None:
    if not done_id or not done_id.isdigit() or len(done_id) > 18:
        return None
    entry = session.get(AuditEntry, int(done_id))
    if entry is None or entry.actor != volunteer.actor:
        return None
    detail = json.loads(entry.detail_json or "{}")
    key = entry.action + (f".{detail['outcome']}" if detail.get("outcome") else "")
    return FLASH[key].format_map(_Blank(detail)) if key in FLASH else None


def position(lat: str, lon: str) -> tuple[float, float]:
    """The position the browser reported, as two numbers; InvalidInput (in Chinese) when it is missing."""
    try:
        return float(lat), float(lon)
    except ValueError as exc:
        raise InvalidInput(f"no position sent (lat={lat!r}, lon={lon!r})", code="position_missing",
                           message="没有收到您的位置。请允许浏览器使用位置信息，然后再点一次。") from exc
