"""A small matching world: one 85-year-old elder, volunteers at known distances, all free tomorrow."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from backend.core.db import unit_of_work
from backend.people.supply import set_supply
from tests import factories

TZ = ZoneInfo("Asia/Shanghai")
HOME = (32.0660, 118.7810)


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    local = datetime.now(TZ) + timedelta(days=1)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def offset(lat_km: float) -> tuple[float, float]:
    """A point ``lat_km`` north of the elder's home."""
    return HOME[0] + lat_km / 111.32, HOME[1]


def build_world(state, services=("chat_companion", "repair", "escort_medical")):
    day = tomorrow_at(9).weekday()
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder = factories.person(s, state.policy, tree["comm_a"], name="王秀英", age=85, lat=HOME[0], lon=HOME[1])
        vols = {}
        for key, km, age in (("near", 0.3, 35), ("mid", 1.0, 40), ("far", 2.0, 45)):
            lat, lon = offset(km)
            v = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=age, name=f"志愿者{key}",
                                 lat=lat, lon=lon)
            set_supply(s, v.id, radius_km=3.0, max_open_orders=3, services=list(services),
                       weekly=[(day, time(7, 0), time(21, 0))])
            vols[key] = v.id
        factories.operator(s, tree["street_a"], "op_a")
        factories.operator(s, tree["street_b"], "op_b")
        return {"tree": tree, "elder": elder.id, "vols": vols}


@pytest.fixture
def world(state):
    return build_world(state)


def order_body(world, service="chat_companion", hour=10, minutes=60):
    return {"recipient_id": world["elder"], "service_slug": service,
            "start_at": tomorrow_at(hour).isoformat(), "duration_minutes": minutes, "channel": "phone"}


def utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)
