"""The live supervision page's words: each service's state and what is wrong with it, in Chinese."""
from __future__ import annotations

from sqlalchemy.orm import Session

from backend.models import Person
from backend.orders import states
from backend.supervision.board import Finding, Row
from web.console import localtime
from web.console.orders_view import service_names

STATUS_ZH = {"no_check_in": "没签到", "location": "位置异常", "overrunning": "超时", "late": "迟到",
             "unassigned": "没人接单", "under_way": "服务中", "upcoming": "待上门", "held": "待核查", "done": "已完成"}
BADGE = {"no_check_in": "bad", "location": "bad", "overrunning": "bad", "late": "warn", "unassigned": "warn",
         "under_way": "info", "upcoming": "", "held": "warn", "done": "good"}
COUNTED = ("no_check_in", "late", "overrunning", "location", "unassigned", "under_way", "upcoming")


def finding_text(f: Finding) -> str:
    return {"no_check_in": f"过了开始时间{f.minutes}分钟还没签到", "location": f"签到位置离地址{f.metres}米",
            "overrunning": f"超出计划{f.minutes}分钟还没签退", "late": f"迟到{f.minutes}分钟签到",
            "unassigned": "还没有志愿者接单", "under_way": "正在服务", "upcoming": "等志愿者上门",
            "held": "已签退，等待核查", "done": "已完成"}[f.kind]


def row(session: Session, r: Row, tz: str) -> dict:
    elder = session.get(Person, r.order.recipient_id)
    volunteer = session.get(Person, r.order.volunteer_id) if r.order.volunteer_id else None
    return {"o": r.order, "status": r.status, "label": STATUS_ZH[r.status], "badge": BADGE[r.status],
            "notes": [finding_text(f) for f in r.findings if f.kind != "under_way" or len(r.findings) == 1],
            "start": localtime.show(r.order.start_at, tz)[-5:], "minutes": r.order.duration_minutes,
            "service": service_names(session).get(r.order.service_slug, r.order.service_slug),
            "elder": elder, "volunteer": volunteer, "address": r.order.address or (elder.address if elder else ""),
            "checked_in": localtime.show(r.visit.check_in_at, tz)[-5:] if r.visit and r.visit.check_in_at else "",
            "can_release": r.order.state == states.ACCEPTED, "needs_action": r.needs_action}
