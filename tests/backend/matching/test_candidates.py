"""The SQL prefilters of ``eligible_candidates`` must never change who is eligible."""
from __future__ import annotations

import math
from datetime import date, time, timedelta

from backend.core.db import unit_of_work
from backend.matching.candidates import eligible_candidates
from sqlalchemy import select

from backend.matching.geo import cell_of, haversine_km
from backend.models import Order, VolunteerService
from backend.people.supply import add_exception, set_supply
from tests import factories
from tests.backend.matching.conftest import HOME, TZ, tomorrow_at, utc


def _order(session, elder, station, start, minutes=60):
    order = Order(recipient_id=elder, service_slug="chat_companion", start_at=utc(start), duration_minutes=minutes,
                  end_at=utc(start + timedelta(minutes=minutes)), lat=HOME[0], lon=HOME[1], station_id=station,
                  state="open", channel="phone")
    session.add(order)
    session.flush()
    return order


def _volunteer(session, state, station, lat, lon, radius, weekly):
    v = factories.person(session, state.policy, station, roles=("volunteer",), age=40, lat=lat, lon=lon)
    set_supply(session, v.id, radius_km=radius, max_open_orders=3, services=["chat_companion"], weekly=weekly)
    return v.id


def test_eligible_candidates__radius_edge_in_every_direction_follows_the_haversine(state):
    start = tomorrow_at(10)
    weekly = [(start.weekday(), time(8), time(12))]
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder = factories.person(s, state.policy, tree["comm_a"], age=85, lat=HOME[0], lon=HOME[1]).id
        _volunteer(s, state, tree["comm_a"], HOME[0] + 0.2, HOME[1], 40.0, weekly)  # widest radius, far away
        expected, radius = set(), 2.0
        for bearing in range(0, 360, 45):
            for factor in (0.995, 1.005):
                km = radius * factor
                lat = HOME[0] + km * math.cos(math.radians(bearing)) / 111.195
                lon = HOME[1] + km * math.sin(math.radians(bearing)) / (111.195 * math.cos(math.radians(HOME[0])))
                vid = _volunteer(s, state, tree["comm_a"], lat, lon, radius, weekly)
                if haversine_km(HOME[0], HOME[1], lat, lon) <= radius:
                    expected.add(vid)
        order = _order(s, elder, tree["comm_a"], start)
        found = {c.person_id for c in eligible_candidates(s, order, tz=str(TZ))}
    assert len(expected) == 8
    assert found == expected


def test_eligible_candidates__an_exception_day_overrides_the_weekly_slot(state):
    start = tomorrow_at(10)
    day: date = start.date()
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder = factories.person(s, state.policy, tree["comm_a"], age=85, lat=HOME[0], lon=HOME[1]).id
        off_that_day = _volunteer(s, state, tree["comm_a"], HOME[0] + 0.005, HOME[1], 3.0,
                                  [(start.weekday(), time(8), time(12))])
        add_exception(s, off_that_day, day, available=False)
        free_that_day = _volunteer(s, state, tree["comm_a"], HOME[0] + 0.006, HOME[1], 3.0,
                                   [((start.weekday() + 1) % 7, time(8), time(12))])
        add_exception(s, free_that_day, day, available=True, start=time(9), end=time(12))
        order = _order(s, elder, tree["comm_a"], start)
        found = {c.person_id for c in eligible_candidates(s, order, tz=str(TZ))}
    assert found == {free_that_day}


def test_set_supply__copies_home_and_radius_beside_each_service_and_search_follows_a_new_radius(state):
    start = tomorrow_at(10)
    weekly = [(start.weekday(), time(8), time(12))]
    lat = HOME[0] + 2.5 / 111.195  # 2.5 km north of the order
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder = factories.person(s, state.policy, tree["comm_a"], age=85, lat=HOME[0], lon=HOME[1]).id
        vid = _volunteer(s, state, tree["comm_a"], lat, HOME[1], 2.0, weekly)
        _volunteer(s, state, tree["comm_a"], HOME[0] + 0.3, HOME[1], 5.0, weekly)  # keeps the search box wide
        order = _order(s, elder, tree["comm_a"], start)
        assert vid not in {c.person_id for c in eligible_candidates(s, order, tz=str(TZ))}
        set_supply(s, vid, radius_km=3.0, max_open_orders=3, services=["chat_companion", "escort_shopping"], weekly=weekly)
        rows = s.execute(select(VolunteerService.service_slug, VolunteerService.cell, VolunteerService.lat,
                                VolunteerService.lon, VolunteerService.radius_km)
                         .where(VolunteerService.person_id == vid).order_by(VolunteerService.service_slug)).all()
        assert [tuple(r) for r in rows] == [(slug, cell_of(lat, HOME[1]), lat, HOME[1], 3.0)
                                            for slug in ("chat_companion", "escort_shopping")]
        assert vid in {c.person_id for c in eligible_candidates(s, order, tz=str(TZ))}
