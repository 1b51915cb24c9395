"""The spatial key of candidate search: grid cells (``geo.cell_of`` / ``geo.cell_ranges``) and the
migration that adds ``volunteer_services.cell`` to a database that already has volunteers."""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import text

from backend.core.db import make_engine
from backend.core.migrate import upgrade
from backend.matching.geo import bounding_box, cell_of, cell_ranges


def test_cell_ranges__every_point_in_the_box_lies_in_a_listed_cell():
    rng = random.Random(3)
    for _ in range(200):
        lat, lon, km = rng.uniform(18, 50), rng.uniform(75, 134), rng.uniform(0.1, 10)
        box = bounding_box(lat, lon, km)
        ranges = cell_ranges(*box)
        corners = [(box[0], box[2]), (box[0], box[3]), (box[1], box[2]), (box[1], box[3])]
        inside = corners + [(rng.uniform(box[0], box[1]), rng.uniform(box[2], box[3])) for _ in range(50)]
        for p in inside:
            assert any(first <= cell_of(*p) <= last for first, last in ranges), (p, box)
        outside = (box[1] + 0.02, lon)  # two rows further north
        assert not any(first <= cell_of(*outside) <= last for first, last in ranges)


def test_cell_of__no_coordinates_no_cell():
    assert cell_of(None, 118.78) is None and cell_of(32.06, None) is None


def test_migration_0006__fills_cells_of_existing_volunteers(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(db_url, engine, "0005")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO service_items (slug, name_zh, category, tier, synonyms, active) "
                              "VALUES ('repair', '维修', 'home', 'ordinary', '', :t)"), {"t": True})
            conn.execute(text("INSERT INTO stations (id, name, level, path) VALUES (1, '南京市', 'city', '/1/')"))
            for pid, lat, lon in ((1, 32.0661, 118.7812), (2, None, None)):
                conn.execute(text(
                    "INSERT INTO persons (id, name, phone, birth_date, is_elder, is_volunteer, is_family, lat, lon, "
                    "station_id, status, created_at) VALUES (:id, '志愿者', :phone, :born, :f, :t, :f, :lat, :lon, 1, "
                    "'verified', :born)"),
                    {"id": pid, "phone": f"+8613900000{pid:03d}", "born": date(1980, 1, 1), "lat": lat, "lon": lon,
                     "t": True, "f": False})
                conn.execute(text("INSERT INTO volunteer_services (person_id, service_slug) VALUES (:p, 'repair')"),
                             {"p": pid})
        upgrade(db_url, engine, "head")
        with engine.connect() as conn:
            cells = dict(conn.execute(text("SELECT person_id, cell FROM volunteer_services")).all())
        assert cells == {1: cell_of(32.0661, 118.7812), 2: None}
    finally:
        engine.dispose()


def test_migration_0015__copies_home_and_radius_of_existing_volunteers_beside_their_services(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(db_url, engine, "0014")
        with engine.begin() as conn:
            for slug in ("chat_companion", "recreation"):
                conn.execute(text("INSERT INTO service_items (slug, name_zh, category, tier, synonyms, active) "
                                  "VALUES (:s, '服务', 'home', 'ordinary', '', :t)"), {"s": slug, "t": True})
            conn.execute(text("INSERT INTO stations (id, name, level, path) VALUES (1, '南京市', 'city', '/1/')"))
            for pid, lat, lon, radius in ((1, 32.0661, 118.7812, 2.5), (2, None, None, None)):
                conn.execute(text(
                    "INSERT INTO persons (id, name, phone, birth_date, is_elder, is_volunteer, is_family, lat, lon, "
                    "station_id, status, created_at) VALUES (:id, '志愿者', :phone, :born, :f, :t, :f, :lat, :lon, 1, "
                    "'verified', :born)"),
                    {"id": pid, "phone": f"+8613900001{pid:03d}", "born": date(1980, 1, 1), "lat": lat, "lon": lon,
                     "t": True, "f": False})
                if radius is not None:
                    conn.execute(text("INSERT INTO volunteer_profiles (person_id, radius_km, max_open_orders, active, "
                                      "offer_by) VALUES (:p, :r, 3, :t, 'sms')"), {"p": pid, "r": radius, "t": True})
                for slug in ("chat_companion", "recreation"):
                    conn.execute(text("INSERT INTO volunteer_services (person_id, service_slug, cell) "
                                      "VALUES (:p, :s, :c)"), {"p": pid, "s": slug, "c": cell_of(lat, lon)})
        upgrade(db_url, engine, "head")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT person_id, service_slug, lat, lon, radius_km FROM volunteer_services "
                                     "ORDER BY person_id, service_slug")).all()
        assert [tuple(r) for r in rows] == [
            (1, "chat_companion", 32.0661, 118.7812, 2.5), (1, "recreation", 32.0661, 118.7812, 2.5),
            (2, "chat_companion", None, None, None), (2, "recreation", None, None, None)]
    finally:
        engine.dispose()
