"""A synthetic Nanjing for the matching benchmark: volunteers with supply, elders with open orders.

People cluster around district centres of Nanjing's main urban area (lat 31.90–32.15, lon
118.65–118.95), elders more in the old town, volunteers more in the newer districts, with a thin
uniform background; the Yangtze is not masked out. Everything is generated in Python from one seed
and written with core ``executemany`` inserts straight into the tables (no ORM objects, no API).

Besides the open orders the city has a past: completed and rated orders of the last 45 days (so
the fairness and rating terms of the ranking have something to read) and a few accepted orders in
the benchmark's fortnight (so "busy" and "load" are not trivially empty).
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from backend.matching.geo import cell_of
from backend.models import (AvailabilityException, AvailabilityWindow, Order, Person, Qualification, Rating,
                            Station, VolunteerProfile, VolunteerService)
from backend.orders import states

TZ = ZoneInfo("Asia/Shanghai")
HORIZON_START = date(2026, 11, 30)  # a Monday; open orders start in the fortnight from here
HORIZON_DAYS = 14
LAT0, LAT1, LON0, LON1 = 31.90, 32.15, 118.65, 118.95
# district centre: (lat, lon, spread in km, weight for volunteers, weight for elders)
DISTRICTS = {
    "鼓楼区": (32.066, 118.770, 2.0, 14, 22),
    "玄武区": (32.048, 118.797, 2.0, 10, 16),
    "秦淮区": (32.020, 118.790, 2.0, 11, 20),
    "建邺区": (32.005, 118.730, 2.5, 16, 8),
    "雨花台区": (31.990, 118.775, 2.5, 10, 9),
    "栖霞区": (32.100, 118.880, 3.0, 12, 9),
    "江宁区": (31.935, 118.845, 3.0, 17, 8),
    "江北新区": (32.120, 118.700, 3.0, 10, 8),
}
BACKGROUND = 0.12  # share of people placed uniformly over the extent
# (slug, weight among volunteers' offers, weight among orders)
SERVICES = [
    ("chat_companion", 20, 18), ("escort_medical", 12, 14), ("errand", 12, 12), ("meal_delivery", 9, 10),
    ("cleaning", 7, 10), ("smartphone_training", 10, 7), ("repair", 5, 7), ("escort_shopping", 8, 5),
    ("bill_payment", 6, 4), ("recreation", 6, 2), ("health_education", 3, 1), ("cooking_class", 2, 1),
    ("anti_fraud", 3, 1), ("home_care", 0, 4), ("free_clinic", 0, 2), ("psych_counseling", 0, 1.5),
    ("legal_advice", 0, 1),
]
PROFESSIONAL = {"doctor": "free_clinic", "nurse": "home_care", "lawyer": "legal_advice",
                "counsellor": "psych_counseling"}
QUALIFIED_SHARE = {"doctor": 0.010, "nurse": 0.015, "lawyer": 0.005, "counsellor": 0.010}
ELDERS_PER_ORDER = 0.8
BATCH = 20_000


@dataclass
class City:
    """What was written, by id, for the benchmark to sample from."""

    volunteer_ids: list[int] = field(default_factory=list)
    elder_ids: list[int] = field(default_factory=list)
    open_order_ids: list[int] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def _point(rng: random.Random, weight_index: int) -> tuple[float, float]:
    if rng.random() < BACKGROUND:
        return rng.uniform(LAT0, LAT1), rng.uniform(LON0, LON1)
    names = list(DISTRICTS)
    lat, lon, spread, *_ = DISTRICTS[rng.choices(names, [DISTRICTS[n][weight_index] for n in names])[0]]
    while True:
        y, x = rng.gauss(lat, spread / 111.32), rng.gauss(lon, spread / 94.4)
        if LAT0 <= y <= LAT1 and LON0 <= x <= LON1:
            return round(y, 6), round(x, 6)


def _birth(rng: random.Random, age: int) -> date:
    return HORIZON_START - timedelta(days=age * 365 + rng.randrange(365))


def _windows(rng: random.Random, age: int) -> list[tuple[int, time, time]]:
    """A few weekdays with one slot of 2–5 hours: retirees by day, working people evenings and weekends."""
    retired = age >= 60 or rng.random() < 0.15
    days = rng.sample(range(7) if retired else [0, 1, 2, 3, 4, 5, 6, 5, 6], k=rng.randint(1, 4))
    out = []
    for day in sorted(set(days)):
        hours = rng.randint(2, 5)
        if retired or day >= 5:
            start = rng.randint(8 * 2, (20 - hours) * 2)
        else:
            start = rng.randint(17 * 2, (22 - hours) * 2)
        s = datetime(2000, 1, 1, start // 2, 30 * (start % 2))
        out.append((day, s.time(), (s + timedelta(hours=hours)).time()))
    return out


def _insert(engine: Engine, table, rows: list[dict]) -> None:
    with engine.begin() as conn:
        for i in range(0, len(rows), BATCH):
            conn.execute(table.insert(), rows[i:i + BATCH])


def _utc(day: date, minute_of_day: int) -> datetime:
    local = datetime.combine(day, time()) + timedelta(minutes=minute_of_day)
    return local.replace(tzinfo=TZ).astimezone(timezone.utc)


def build(engine: Engine, *, volunteers: int, orders: int, seed: int = 3) -> City:
    """Write the city into a migrated, catalogue-loaded database and return its ids."""
    rng = random.Random(seed)
    city = City()
    with engine.begin() as conn:
        base = conn.execute(select(func.coalesce(func.max(Person.id), 0))).scalar()
        root = conn.execute(Station.__table__.insert().values(name="南京市", level="city", path="/")).inserted_primary_key[0]
        conn.execute(Station.__table__.update().where(Station.id == root).values(path=f"/{root}/"))
        stations = []
        for name in DISTRICTS:
            sid = conn.execute(Station.__table__.insert().values(name=name, level="district", parent_id=root,
                                                                  path="/")).inserted_primary_key[0]
            conn.execute(Station.__table__.update().where(Station.id == sid)
                         .values(path=f"/{root}/{sid}/", district_id=sid))
            stations.append(sid)
    now = datetime(2026, 11, 22, tzinfo=timezone.utc)
    persons, profiles, offers, windows, exceptions, quals = [], [], [], [], [], []
    slugs = [s for s, w, _ in SERVICES if w]
    slug_weights = [w for _, w, _ in SERVICES if w]
    for i in range(volunteers):
        pid = base + 1 + i
        age = rng.randint(60, 79) if rng.random() < 0.30 else rng.randint(18, 59)
        lat, lon = _point(rng, 3)
        status = "pending" if rng.random() < 0.04 else "verified"
        persons.append(dict(id=pid, name=f"志愿者{i}", phone=f"+86138{pid:08d}", birth_date=_birth(rng, age),
                            is_elder=False, is_volunteer=True, is_family=False, lat=lat, lon=lon,
                            station_id=rng.choice(stations), status=status, created_at=now))
        profiles.append(dict(person_id=pid, radius_km=rng.choice((1.0, 1.5, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 5.0)),
                             max_open_orders=rng.choice((1, 2, 3, 3, 3, 5)), active=rng.random() >= 0.03))
        mine = set()
        r = rng.random()
        for kind, share in QUALIFIED_SHARE.items():
            r -= share
            if r < 0:
                expired = rng.random() < 0.15
                expires = (HORIZON_START - timedelta(days=rng.randint(1, 400)) if expired
                           else None if rng.random() < 0.3 else HORIZON_START + timedelta(days=rng.randint(20, 900)))
                quals.append(dict(person_id=pid, kind=kind, expires_on=expires))
                mine.add(PROFESSIONAL[kind])
                break
        while len(mine) < rng.choice((1, 1, 2, 2, 3)):
            mine.add(rng.choices(slugs, slug_weights)[0])
        offers.extend(dict(person_id=pid, service_slug=s, cell=cell_of(lat, lon), lat=lat, lon=lon,
                           radius_km=profiles[-1]["radius_km"]) for s in sorted(mine))
        windows.extend(dict(person_id=pid, weekday=d, start=s, end=e) for d, s, e in _windows(rng, age))
        if rng.random() < 0.06:
            day = HORIZON_START + timedelta(days=rng.randrange(HORIZON_DAYS))
            if rng.random() < 0.8:
                exceptions.append(dict(person_id=pid, day=day, available=False, start=None, end=None, reason="有事"))
            else:
                exceptions.append(dict(person_id=pid, day=day, available=True, start=time(9), end=time(17),
                                       reason="临时有空"))
        city.volunteer_ids.append(pid)
    elders = max(1, int(orders * ELDERS_PER_ORDER))
    elder_at = {}
    for j in range(elders):
        pid = base + volunteers + 1 + j
        age = rng.randint(80, 95) if rng.random() < 0.35 else rng.randint(60, 79)
        lat, lon = _point(rng, 4)
        persons.append(dict(id=pid, name=f"老人{j}", phone=f"+86138{pid:08d}", birth_date=_birth(rng, age),
                            is_elder=True, is_volunteer=False, is_family=False, lat=lat, lon=lon,
                            station_id=rng.choice(stations), status="verified", created_at=now))
        elder_at[pid] = (lat, lon, persons[-1]["station_id"])
        city.elder_ids.append(pid)
    _insert(engine, Person.__table__, persons)
    _insert(engine, VolunteerProfile.__table__, profiles)
    _insert(engine, VolunteerService.__table__, offers)
    _insert(engine, AvailabilityWindow.__table__, windows)
    _insert(engine, AvailabilityException.__table__, exceptions)
    _insert(engine, Qualification.__table__, quals)
    city.rows = {"persons": len(persons), "volunteer_services": len(offers), "availability_windows": len(windows),
                 "availability_exceptions": len(exceptions), "qualifications": len(quals)}
    _orders(engine, rng, city, elder_at, orders, offers)
    return city


def _order_row(oid, elder, at, slug, start, minutes, state, volunteer=None, created=None) -> dict:
    lat, lon, station = at
    return dict(id=oid, recipient_id=elder, service_slug=slug, start_at=start, duration_minutes=minutes,
                end_at=start + timedelta(minutes=minutes), address="南京市", lat=lat, lon=lon, station_id=station,
                state=state, channel="phone", paper_backfill=False, volunteer_id=volunteer,
                created_at=created or start - timedelta(days=1), updated_at=created or start - timedelta(days=1))


def _orders(engine: Engine, rng: random.Random, city: City, elder_at: dict, count: int, offers: list[dict]) -> None:
    with engine.connect() as conn:
        base = conn.execute(select(func.coalesce(func.max(Order.id), 0))).scalar()
    slugs = [s for s, _, w in SERVICES]
    weights = [w for _, _, w in SERVICES]
    elders = city.elder_ids
    volunteer_slugs: dict[int, list[str]] = {}
    for o in offers:
        volunteer_slugs.setdefault(o["person_id"], []).append(o["service_slug"])
    # Some volunteers do far more than others: the "star volunteer" the fairness term exists for.
    vols = city.volunteer_ids
    busy_weights = list(itertools.accumulate(rng.paretovariate(1.5) for _ in vols))
    rows, ratings, oid = [], [], base
    for _ in range(int(count * 4)):  # the last 45 days: completed, most of them rated
        oid += 1
        v = rng.choices(vols, cum_weights=busy_weights)[0]
        elder = rng.choice(elders)
        start = _utc(HORIZON_START - timedelta(days=rng.randint(1, 45)), rng.randrange(8 * 60, 19 * 60, 30))
        rated = rng.random() < 0.6
        rows.append(_order_row(oid, elder, elder_at[elder], rng.choice(volunteer_slugs[v]), start,
                               rng.choice((60, 60, 90, 120)), states.RATED if rated else states.COMPLETED, v))
        if rated:
            ratings.append(dict(order_id=oid, by_person_id=elder, role="recipient",
                                stars=rng.choices((5, 4, 3, 2, 1), (60, 25, 9, 4, 2))[0], complaint=False,
                                at=start + timedelta(hours=3)))
    for _ in range(int(count * 0.2)):  # already accepted, inside the fortnight
        oid += 1
        v = rng.choice(vols)
        elder = rng.choice(elders)
        start = _utc(HORIZON_START + timedelta(days=rng.randrange(HORIZON_DAYS)), rng.randrange(8 * 60, 19 * 60, 30))
        rows.append(_order_row(oid, elder, elder_at[elder], rng.choice(volunteer_slugs[v]), start, 60,
                               states.ACCEPTED, v))
    for _ in range(count):  # the open orders the benchmark matches
        oid += 1
        elder = rng.choice(elders)
        day = HORIZON_START + timedelta(days=rng.randrange(HORIZON_DAYS))
        start = _utc(day, rng.randrange(8 * 60, 19 * 60 + 1, 30))
        lead = timedelta(minutes=rng.randint(120, 3 * 24 * 60))  # requested 2 h to 3 days ahead
        rows.append(_order_row(oid, elder, elder_at[elder], rng.choices(slugs, weights)[0], start,
                               rng.choice((60, 60, 60, 90, 120)), states.OPEN, created=start - lead))
        city.open_order_ids.append(oid)
    _insert(engine, Order.__table__, rows)
    _insert(engine, Rating.__table__, ratings)
    city.rows |= {"orders": len(rows), "ratings": len(ratings)}
