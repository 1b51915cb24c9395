"""The console's search box rule (``backend.access.lookup.find``): people, orders, calls and chats of
the operator's subtree from one text, on both databases. Another street's records are simply not found."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from backend.access.lookup import find, parse_day
from backend.access.principal import Principal
from backend.api.schemas.calls import CallCreate
from backend.calls import records
from backend.core.db import unit_of_work
from backend.models import Station
from backend.models.base import utcnow
from backend.orders.service import NewOrder, create_order
from tests import factories
from tests.backend.matching.conftest import tomorrow_at

TZ = "Asia/Shanghai"


@pytest.fixture
def world(state):
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        wu = factories.person(s, state.policy, tree["comm_a"], name="吴国华", phone="+8613955501234")
        li = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=40, name="李志强")
        other = factories.person(s, state.policy, tree["comm_b"], name="吴玉兰", phone="+8613966601234")
        orders = {}
        for key, elder in (("wu", wu), ("other", other)):
            orders[key] = create_order(s, NewOrder(recipient_id=elder.id, service_slug="chat_companion",
                                                   start_at=tomorrow_at(10), duration_minutes=60, channel="phone",
                                                   actor="service"),
                                       policy=state.policy, now=utcnow(), today=utcnow().date()).id
        records.open_call(s, CallCreate(call_sid="CA-wu", caller_phone=wu.phone,
                                        started_at=datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)))
        records.open_call(s, CallCreate(call_sid="CA-other", caller_phone=other.phone,
                                        started_at=datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc)))
        street_a = s.get(Station, tree["street_a"])
        who = Principal(kind="operator", name="operator:1", operator_id=1, role="clerk", scope_path=street_a.path,
                        city_level=False)
        return {"who": who, "wu": wu.id, "li": li.id, "other": other.id, "orders": orders}


def names(found):
    return [p.name for p, _ in found.people]


def test_find__by_phone_tail_finds_the_person_their_orders_and_calls_in_scope_only(state, world):
    with unit_of_work(state.sessions) as s:
        found = find(s, world["who"], "1234", tz=TZ)
        assert names(found) == ["吴国华"]  # 吴玉兰's number ends the same, on another street
        assert [o.id for o in found.orders] == [world["orders"]["wu"]]
        assert [c.call_sid for c in found.calls] == ["CA-wu"]
        assert found.persons[world["wu"]].name == "吴国华"


def test_find__by_full_phone_number_with_spaces(state, world):
    with unit_of_work(state.sessions) as s:
        found = find(s, world["who"], "139 5550 1234", tz=TZ)
        assert names(found) == ["吴国华"] and [c.call_sid for c in found.calls] == ["CA-wu"]


def test_find__by_name_finds_people_orders_and_their_calls(state, world):
    with unit_of_work(state.sessions) as s:
        found = find(s, world["who"], "吴", tz=TZ)
        assert names(found) == ["吴国华"]
        assert [o.id for o in found.orders] == [world["orders"]["wu"]]
        assert [c.call_sid for c in found.calls] == ["CA-wu"]


def test_find__by_order_number(state, world):
    with unit_of_work(state.sessions) as s:
        found = find(s, world["who"], str(world["orders"]["wu"]), tz=TZ)
        assert [o.id for o in found.orders] == [world["orders"]["wu"]] and found.people == []


def test_find__another_streets_person_and_order_are_not_found(state, world):
    with unit_of_work(state.sessions) as s:
        for text in ("吴玉兰", "13966601234", str(world["orders"]["other"])):
            found = find(s, world["who"], text, tz=TZ)
            assert found.total == 0, text
        assert names(find(s, world["who"], "李志强", tz=TZ)) == ["李志强"]  # a volunteer, found by name


def test_find__a_date_finds_that_local_days_calls(state, world):
    with unit_of_work(state.sessions) as s:
        found = find(s, world["who"], "2026年12月3日", tz=TZ)
        assert [c.call_sid for c in found.calls] == ["CA-wu"] and found.people == []
        assert find(s, world["who"], "2026-12-04", tz=TZ).calls == []


def test_parse_day__forms_an_operator_types():
    assert parse_day("2026-12-03") == parse_day("2026/12/3") == parse_day("2026年12月3日") == datetime(2026, 12, 3).date()
    assert parse_day("2026-13-03") is None and parse_day("1234") is None


def test_find__empty_text_finds_nothing(state, world):
    with unit_of_work(state.sessions) as s:
        assert find(s, world["who"], "  ", tz=TZ).total == 0
