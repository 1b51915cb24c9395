"""Helpers for the volunteer page tests: people of their own, far (~25 km) from the demo's homes and from
the console tests' people, so no one else's volunteer is ever a candidate for these orders and the demo's
balances stay as seeded. Each order gets its own day ahead, so a volunteer's orders never clash."""
from __future__ import annotations

import itertools
import math
import random
import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.core.security import hash_password
from backend.demo import ORDINARY_SERVICES
from backend.ledger.operations import Actor, credit_service
from backend.matching.dispatch import offer_next
from backend.models import AuditEntry, Order, OrderTransition, Person, ServiceVisit, Station
from backend.orders.service import NewOrder, create_order
from backend.people.registry import add_training
from backend.people.supply import set_supply
from tests import factories

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "volunteer-pass-1"
PHONE_VIEWPORT = {"width": 390, "height": 844}
EVERY_DAY = [(weekday, time(6, 0), time(22, 0)) for weekday in range(7)]
_days = itertools.count(40)
_places = itertools.count(random.randint(0, 400))


def db(web_app):
    return unit_of_work(web_app.state.sessions)


def place() -> tuple[float, float]:
    """A spot of its own for one test's elder and volunteers (5 km apart from any other test's)."""
    n = next(_places)
    return 31.80 + (n % 20) * 0.05, 118.95 + (n // 20) * 0.05


def north_of(where: tuple[float, float], metres: float) -> tuple[float, float]:
    return where[0] + metres / 111_195.0, where[1]


def east_of(where: tuple[float, float], metres: float) -> tuple[float, float]:
    return where[0], where[1] + metres / (111_195.0 * math.cos(math.radians(where[0])))


def _community(s) -> int:
    return s.scalar(select(Station.id).where(Station.name == "湖南路社区"))


def elder(web_app, where: tuple[float, float], name: str = "王秀兰", address: str = "鼓楼区测试路8号2栋301") -> int:
    with db(web_app) as s:
        return factories.person(s, web_app.state.policy, _community(s), roles=("elder",), age=84, name=name,
                                lat=where[0], lon=where[1], address=address).id


def volunteer(web_app, where: tuple[float, float], name: str = "志愿者", served_minutes: int = 0) -> tuple[int, str]:
    """A verified, trained volunteer with a web password, free every day; returns (id, phone)."""
    with db(web_app) as s:
        person = factories.person(s, web_app.state.policy, _community(s), roles=("volunteer",), age=40, name=name,
                                  lat=where[0], lon=where[1], address="鼓楼区志愿者家")
        person.password_hash = hash_password(PASSWORD)
        set_supply(s, person.id, radius_km=3.0, max_open_orders=3, services=ORDINARY_SERVICES, weekly=EVERY_DAY)
        add_training(s, person.id, "养老志愿服务通用培训", datetime.now(TZ).date() - timedelta(days=30))
        if served_minutes:
            credit_service(s, volunteer_id=person.id, station_id=person.station_id, served_minutes=served_minutes,
                           tier="ordinary", policy=web_app.state.policy, actor=Actor("system:test", "system"),
                           memo="历史服务时长导入")
        return person.id, person.phone


def next_start(hour: int = 10) -> datetime:
    day = datetime.now(TZ) + timedelta(days=next(_days))
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def open_order(web_app, elder_id: int, *, service: str = "chat_companion", minutes: int = 60,
               offer: bool = False) -> int:
    """An order by phone for the elder (verified elders' orders open at once); ``offer`` runs dispatch."""
    now = datetime.now(timezone.utc)
    with db(web_app) as s:
        order = create_order(s, NewOrder(recipient_id=elder_id, service_slug=service, start_at=next_start(),
                                         duration_minutes=minutes, channel="phone", actor="service"),
                             policy=web_app.state.policy, now=now, today=datetime.now(TZ).date())
        if offer:
            assert offer_next(s, order, policy=web_app.state.policy, tz="Asia/Shanghai", now=now) is not None
        return order.id


def order_row(web_app, order_id: int) -> dict:
    with db(web_app) as s:
        o = s.get(Order, order_id)
        visit = s.get(ServiceVisit, order_id)
        return {"state": o.state, "volunteer_id": o.volunteer_id, "served_minutes": o.served_minutes,
                "visit": None if visit is None else {"in": visit.check_in_at, "out": visit.check_out_at,
                                                     "in_m": visit.check_in_distance_m},
                "transitions": s.scalar(select(func.count()).select_from(OrderTransition)
                                        .where(OrderTransition.order_id == order_id)),
                "audits": s.scalar(select(func.count()).select_from(AuditEntry)
                                   .where(AuditEntry.target == f"order:{order_id}"))}


def time_passes(web_app, order_id: int, minutes: int) -> None:
    """The volunteer checked in ``minutes`` ago (the test cannot wait an hour at the door)."""
    with db(web_app) as s:
        visit = s.get(ServiceVisit, order_id)
        visit.check_in_at = visit.check_in_at - timedelta(minutes=minutes)


def person_name(web_app, person_id: int) -> str:
    with db(web_app) as s:
        return s.get(Person, person_id).name


def login(page, url: str, phone: str, password: str = PASSWORD) -> None:
    page.goto(url + "/volunteer/login")
    page.fill("#phone", phone)
    page.fill("#password", password)
    page.click("form[action='/volunteer/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/volunteer/(\?.*)?$"))


def phone_context(browser, where: tuple[float, float] | None = None):
    """A phone-sized browser context that reports ``where`` as its position when asked."""
    options = {"viewport": PHONE_VIEWPORT, "locale": "zh-CN", "is_mobile": True, "has_touch": True}
    if where is not None:
        options.update(geolocation={"latitude": where[0], "longitude": where[1], "accuracy": 15},
                       permissions=["geolocation"])
    return browser.new_context(**options)
