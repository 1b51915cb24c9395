"""Helpers for the console tests of orders, review, back-fill, follow-ups and the dashboard: log in,
and put orders into known states through the real domain services on the web app's database.

These tests work with people of their own (``PEOPLE``), registered beside the demo data in the demo's
communities but ~10 km away from the demo's homes, so the demo people's orders, balances and hours,
which other tests read, stay as seeded, and no demo volunteer is ever a candidate for these orders.
Every order gets its own day (a counter of days ahead), so one volunteer's orders never clash and
the daily maximum check never fires by accident."""
from __future__ import annotations

import itertools
import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.core.security import hash_password
from backend.demo import ORDINARY_SERVICES
from backend.fulfilment.visits import check_in, check_out
from backend.ledger.operations import Actor, credit_service
from backend.matching.dispatch import accept
from backend.models import Anomaly, AuditEntry, Operator, Order, Person, Station
from backend.orders.service import NewOrder, create_order
from backend.people.supply import set_supply
from tests import factories

TZ = ZoneInfo("Asia/Shanghai")
# The other street's operator is our own: test_console_login locks the demo's xuanwu_street out on purpose.
OTHER_STREET = "xuanwu_b"
PASSWORDS = {"city_admin": "yinling-demo-1", "hunan_road": "yinling-demo-2", OTHER_STREET: "xuanwu-b-test-1"}
HOME = (32.0000, 118.7000)
# key: (name, phone, age, roles, community, km north of HOME)
PEOPLE = {
    "zhou": ("周淑芬", "+8613755500001", 84, ("elder",), "湖南路社区", 0.0),
    "wu": ("吴国华", "+8613755500002", 80, ("elder",), "湖南路社区", 0.2),
    "zheng": ("郑秀兰", "+8613755500003", 78, ("elder",), "玄武门社区", 0.4),
    "he": ("何明", "+8613755500011", 35, ("volunteer",), "湖南路社区", 0.3),
    "lin": ("林静", "+8613755500012", 42, ("volunteer",), "湖南路社区", 0.8),
    "huang": ("黄磊", "+8613755500013", 66, ("volunteer",), "湖南路社区", 1.2),
    "ma": ("马丽", "+8613755500014", 38, ("volunteer",), "玄武门社区", 0.5),
}
PHONES = {key: person[1] for key, person in PEOPLE.items()}
ELDER_COINS = 20 * 60  # earned long ago, so the elders pay for services (and are refunded on revoke)
EVERY_DAY = [(weekday, time(6, 0), time(22, 0)) for weekday in range(7)]
_days = itertools.count(3)
FAR = (HOME[0] + 0.05, HOME[1])  # ~5.5 km from the elders' homes: a check-in here is held for review


def ensure_people(app) -> None:
    """Registers ``PEOPLE`` once per database (verified, with coins and weekly availability)."""
    with db(app) as s:
        if s.scalar(select(Person.id).where(Person.phone == PHONES["zhou"])) is not None:
            return
        today = datetime.now(TZ).date()
        for key, (name, phone, age, roles, community, km) in PEOPLE.items():
            station = s.scalar(select(Station.id).where(Station.name == community))
            person = factories.person(s, app.state.policy, station, roles=roles, age=age, name=name, phone=phone,
                                      lat=HOME[0] + km / 111.32, lon=HOME[1], address=f"{community}测试路{km * 10:.0f}号",
                                      today=today)
            if "volunteer" in roles:
                set_supply(s, person.id, radius_km=3.0, max_open_orders=5, services=ORDINARY_SERVICES,
                           weekly=EVERY_DAY)
            else:
                credit_service(s, volunteer_id=person.id, station_id=station, served_minutes=ELDER_COINS,
                               tier="ordinary", policy=app.state.policy, actor=Actor("system:test", "system"),
                               memo="历史服务时长导入")


def ensure_other_street_operator(web_app) -> None:
    with db(web_app) as s:
        if s.scalar(select(Operator.id).where(Operator.username == OTHER_STREET)) is None:
            s.add(Operator(username=OTHER_STREET, name="玄武门街道测试员", role="reviewer",
                           password_hash=hash_password(PASSWORDS[OTHER_STREET]),
                           station_id=s.scalar(select(Station.id).where(Station.name == "玄武门街道"))))


def login(page, url: str, username: str, web_app=None) -> None:
    if username == OTHER_STREET:
        ensure_other_street_operator(web_app)
    page.goto(url + "/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/$"))


def db(web_app):
    return unit_of_work(web_app.state.sessions)


def person_id(web_app, key: str) -> int:
    ensure_people(web_app)
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


def open_order(web_app, elder: str = "zhou", service: str = "chat_companion", minutes: int = 60,
               start: datetime | None = None, note: str | None = None) -> int:
    """A new order by phone for one of our elders; verified elders' orders open at once."""
    ensure_people(web_app)
    with db(web_app) as s:
        order = create_order(s, NewOrder(recipient_id=s.scalar(select(Person.id).where(Person.phone == PHONES[elder])),
                                         service_slug=service, start_at=start or next_start(), duration_minutes=minutes,
                                         channel="phone", actor="service", note=note),
                             policy=web_app.state.policy, now=datetime.now(timezone.utc),
                             today=datetime.now(TZ).date())
        return order.id


def accepted_order(web_app, elder: str = "zhou", volunteer: str = "he", minutes: int = 60) -> int:
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


def held_order(web_app, elder: str = "zhou", volunteer: str = "he", minutes: int = 60) -> int:
    """Checked in and out far from the elder's address: held by the fulfilment checks."""
    order_id = accepted_order(web_app, elder, volunteer, minutes)
    _visit(web_app, order_id, volunteer, FAR, minutes)
    with db(web_app) as s:
        assert s.get(Order, order_id).state == "held"
    return order_id


def completed_order(web_app, elder: str = "zhou", volunteer: str = "he", minutes: int = 60) -> int:
    """Checked in and out at the address: credited at once (the elder pays if their coins cover it)."""
    order_id = accepted_order(web_app, elder, volunteer, minutes)
    _visit(web_app, order_id, volunteer, None, minutes)
    with db(web_app) as s:
        order = s.get(Order, order_id)
        assert order.state == "completed", (order.state, order.start_at, [
            (a.kind, a.detail) for a in s.scalars(select(Anomaly).where(Anomaly.order_id == order_id))])
    return order_id


def audit_entries(web_app, action: str, target: str) -> list[AuditEntry]:
    with db(web_app) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action, AuditEntry.target == target)))


def count(web_app, model, *conditions) -> int:
    with db(web_app) as s:
        return s.scalar(select(func.count()).select_from(model).where(*conditions))
