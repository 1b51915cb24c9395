"""The pure parts of matching: distances, availability, scores."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest

from backend.matching.availability import covers
from backend.matching.geo import bounding_box, haversine_km
from backend.matching.ranking import Candidate, rank, score


def cand(pid, distance=1.0, radius=3.0, age=40, recent=0, rating=None):
    return Candidate(person_id=pid, distance_km=distance, radius_km=radius, age=age, recent_minutes=recent,
                     rating_avg=rating)


def test_haversine_km__hunan_road_to_xuanwumen_is_about_1_5_km():
    assert haversine_km(32.0660, 118.7810, 32.0731, 118.7951) == pytest.approx(1.55, abs=0.05)
    assert haversine_km(32.0, 118.0, 32.0, 118.0) == 0


def test_bounding_box__contains_the_circle():
    lat0, lat1, lon0, lon1 = bounding_box(32.0, 118.8, 5)
    assert haversine_km(32.0, 118.8, lat1, 118.8) == pytest.approx(5, rel=0.01)
    assert haversine_km(32.0, 118.8, 32.0, lon1) == pytest.approx(5, rel=0.01)
    assert lat0 < 32.0 < lat1 and lon0 < 118.8 < lon1


def test_rank__nearer_volunteer_wins_when_all_else_equal():
    ranked = rank([cand(1, distance=2.5), cand(2, distance=0.4)], recipient_age=85, prefer_pairs=False)
    assert [r.candidate.person_id for r in ranked] == [2, 1]


def test_rank__fairness_spreads_work_away_from_the_busiest_volunteer():
    busy, fresh = cand(1, distance=0.5, recent=40 * 60), cand(2, distance=0.9, recent=0)
    assert [r.candidate.person_id for r in rank([busy, fresh], recipient_age=85, prefer_pairs=False)] == [2, 1]


def test_rank__sixty_helps_eighty_bonus_only_when_policy_prefers_it():
    young, sixty = cand(1, distance=0.5, age=35), cand(2, distance=0.8, age=65)
    assert rank([young, sixty], recipient_age=85, prefer_pairs=True)[0].candidate.person_id == 2
    assert rank([young, sixty], recipient_age=85, prefer_pairs=False)[0].candidate.person_id == 1
    assert rank([young, sixty], recipient_age=70, prefer_pairs=True)[0].candidate.person_id == 1


def test_score__low_rating_costs_and_unrated_is_not_punished():
    assert score(cand(1, rating=1.0), recipient_age=80, prefer_pairs=False) < \
        score(cand(1, rating=None), recipient_age=80, prefer_pairs=False)


MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize("start,end,windows,exceptions,expected", [
    ((9, 0), (10, 0), [(0, time(8), time(12))], [], True),
    ((11, 30), (12, 30), [(0, time(8), time(12))], [], False),           # runs past the window
    ((9, 0), (10, 0), [(1, time(8), time(12))], [], False),              # Tuesday's window
    ((9, 0), (10, 0), [(0, time(8), time(12))], [(MONDAY, False, None, None)], False),  # day off
    ((19, 0), (20, 0), [], [(MONDAY, True, time(18), time(21))], True),  # extra evening slot
    ((10, 0), (9, 0), [(0, time(8), time(12))], [], False),              # end before start
])
def test_covers__weekly_pattern_and_exceptions(start, end, windows, exceptions, expected):
    s = datetime(2026, 11, 23, *start)
    e = datetime(2026, 11, 23, *end)
    assert covers(windows, exceptions, s, e) is expected
