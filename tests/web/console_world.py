"""Helpers for the console tests of orders, review, back-fill, follow-ups and the dashboard: log in,
and put orders into known states through the real domain services on the web app's database.

Every order gets its own day (a counter of days ahead), so one volunteer's orders never clash and
the daily maximum check never fires by accident."""
from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.fulfilment.visits import check_in, check_out
from backend.matching.dispatch import accept
from backend.models import AuditEntry, Operator, Order, Person, Station
from backend.orders.service import NewOrder, create_order

TZ = ZoneInfo("Asia/Shanghai")
PASSWORDS = {"city_admin": "yinling-demo-1", "hunan_road": "yinling-demo-2", "xuanwu_street": "yinling-demo-3"}
PHONES = {"wang": "+8613912340001", "zhang": "+8613912340002", "liu": "+8613912340003", "chen": "+8613912340004",
          "zhao": "+8613912340005", "sun": "+8613912340006", "li": "+8613912340008"}
_days = itertools.count(3)
FAR = (32.1000, 118.8300)  # ~5 km from the demo elders: a check-in here is held for review


def login(page, url: str, username: str) -> None:
    page.goto(url + "/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/$"))


def db(web_app):
    return unit_of_work(web_app.state.sessions)


def person_id(web_app, key: str) -> int:
    with db(web_app) as s:
        return s.scalar(select(Person.id).where(Person.phone == PHONES[key]))


def operator_id(web_app, username: str) -> int:
    with db(web_app) as s:
        return s.scalar(select(Operator.id).where(Operator.username == username))


def station_path(web_app, name: str) -> str:
    with db(web_app) as s:
        return s.scalar(select(Station.path).where(Station.name == name))


def next_start(hour: int = 10) -> datetime:
    day = datetime.now(TZ) + timedelta(days=next(_days))
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def open_order(web_app, elder: str = "wang", service: str = "chat_companion", minutes: int = 60,
               start: datetime | None = None, note: str | None = None) -> int:
    """A new order by phone for a demo elder; verified elders' orders open at once."""
    with db(web_app) as s:
        order = create_order(s, NewOrder(recipient_id=s.scalar(select(Person.id).where(Person.phone == PHONES[elder])),
                                         service_slug=service, start_at=start or next_start(), duration_minutes=minutes,
                                         channel="phone", actor="service", note=note),
                             policy=web_app.state.policy, now=datetime.now(timezone.utc),
                             today=datetime.now(TZ).date())
        return order.id


def accepted_order(web_app, elder: str = "wang", volunteer: str = "chen", minutes: int = 60) -> int:
    order_id = open_order(web_app, elder, minutes=minutes)
    with db(web_app) as s:
        accept(s, order_id, person_id(web_app, volunteer), channel="phone", now=datetime.now(timezone.utc))
    return order_id


def _visit(web_app, order_id: int, volunteer: str, where: tuple[float, float] | None, minutes: int) -> None:
    vid = person_id(web_app, volunteer)
    with db(web_app) as s:
        order = s.get(Order, order_id)
        lat, lon = where or (order.lat, order.lon)
        check_in(s, order_id, vid, lat=lat, lon=lon, at=order.start_at)
    with db(web_app) as s:
        check_out(s, order_id, vid, lat=lat, lon=lon, at=order.start_at + timedelta(minutes=minutes),
                  policy=web_app.state.policy, tz=web_app.state.settings.timezone)


def held_order(web_app, elder: str = "wang", volunteer: str = "chen", minutes: int = 60) -> int:
    """Checked in and out far from the elder's address: held by the fulfilment checks."""
    order_id = accepted_order(web_app, elder, volunteer, minutes)
    _visit(web_app, order_id, volunteer, FAR, minutes)
    with db(web_app) as s:
        assert s.get(Order, order_id).state == "held"
    return order_id


def completed_order(web_app, elder: str = "wang", volunteer: str = "chen", minutes: int = 60) -> int:
    """Checked in and out at the address: credited at once (the elder pays if their coins cover it)."""
    order_id = accepted_order(web_app, elder, volunteer, minutes)
    _visit(web_app, order_id, volunteer, None, minutes)
    with db(web_app) as s:
        assert s.get(Order, order_id).state == "completed"
    return order_id


def audit_entries(web_app, action: str, target: str) -> list[AuditEntry]:
    with db(web_app) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action, AuditEntry.target == target)))


def count(web_app, model, *conditions) -> int:
    with db(web_app) as s:
        return s.scalar(select(func.count()).select_from(model).where(*conditions))
