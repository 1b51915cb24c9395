"""Test data builders, in one place. Each returns committed rows' ids or ORM objects."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy.orm import Session

from backend.core.security import hash_password
from backend.models import Operator
from backend.people import registry
from backend.people.identity import id_check_char
from backend.people.stations import add_station
from backend.policy import PolicyProfile

_phones = itertools.count(1)
TODAY = date(2026, 11, 22)


def next_phone() -> str:
    return f"+86139{next(_phones):08d}"


def id_number_for(born: date, serial: int = 1) -> str:
    first17 = f"320106{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_check_char(first17)


def station_tree(session: Session) -> dict[str, int]:
    """City > two districts > one street each > one community each."""
    city = add_station(session, "南京市", "city", None, "+862584000000")
    gulou = add_station(session, "鼓楼区", "district", city.id)
    street_a = add_station(session, "湖南路街道", "street", gulou.id, "+862584110000")
    comm_a = add_station(session, "湖南路社区", "community", street_a.id)
    xuanwu = add_station(session, "玄武区", "district", city.id)
    street_b = add_station(session, "玄武门街道", "street", xuanwu.id)
    comm_b = add_station(session, "玄武门社区", "community", street_b.id)
    return {"city": city.id, "gulou": gulou.id, "street_a": street_a.id, "comm_a": comm_a.id,
            "xuanwu": xuanwu.id, "street_b": street_b.id, "comm_b": comm_b.id}


def person(session: Session, policy: PolicyProfile, station_id: int, *, roles=("elder",), age: int = 75,
           name: str = "测试老人", status: str = "verified", today: date = TODAY, **extra):
    born = today.replace(year=today.year - age) - timedelta(days=10)
    new = registry.NewPerson(name=name, phone=extra.pop("phone", next_phone()), birth_date=born,
                             station_id=station_id, roles=list(roles), status=status,
                             lat=extra.pop("lat", 32.066), lon=extra.pop("lon", 118.781),
                             address=extra.pop("address", "鼓楼区湖南路1号"), **extra)
    return registry.register_person(session, new, policy=policy, secret_key="test-secret-key-0123456789", today=today)


def operator(session: Session, station_id: int, username: str, password: str = "pw-123456", role: str = "reviewer"):
    op = Operator(username=username, name=username, password_hash=hash_password(password), role=role,
                  station_id=station_id)
    session.add(op)
    session.flush()
    return op
