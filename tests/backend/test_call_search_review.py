"""Operator search over call records and the review mark, on both databases."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend.api.schemas.calls import CallCreate, CallUpdate
from backend.calls import records
from backend.core.errors import InvalidInput
from backend.models import Station
from tests import factories

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def calls(session, state):
    tree = factories.station_tree(session)
    a = factories.person(session, state.policy, tree["comm_a"], phone="+8613911110001")
    b = factories.person(session, state.policy, tree["comm_b"], phone="+8613922220002")
    made = {}
    for n, (sid, phone) in enumerate([("CA-a1", a.phone), ("CA-a2", a.phone), ("CA-b", b.phone)]):
        made[sid] = records.open_call(session, CallCreate(call_sid=sid, caller_phone=phone,
                                                          started_at=T0 + timedelta(hours=n)))
    made["CA-unknown"] = records.open_call(session, CallCreate(call_sid="CA-unknown", caller_phone="+8613999999999",
                                                               started_at=T0 + timedelta(hours=5)))
    made["CA-unknown"].station_id = None  # a call whose caller could not be placed at all
    records.update_call(session, made["CA-a2"], CallUpdate(status="completed"))
    session.flush()
    return tree, made


def sids(rows):
    return [c.call_sid for c in rows]


def test_search_calls__street_scope_newest_first_with_total(session, calls):
    tree, _ = calls
    path = session.get(Station, tree["street_a"]).path
    rows, total = records.search_calls(session, path, records.CallSearch(), include_unplaced=False, limit=10)
    assert sids(rows) == ["CA-a2", "CA-a1"] and total == 2


def test_search_calls__unplaced_calls_only_when_asked(session, calls):
    rows, total = records.search_calls(session, "/", records.CallSearch(), include_unplaced=False, limit=10)
    assert "CA-unknown" not in sids(rows) and total == 3
    rows, total = records.search_calls(session, "/", records.CallSearch(), include_unplaced=True, limit=10)
    assert sids(rows)[0] == "CA-unknown" and total == 4


def test_search_calls__filters_phone_dates_status_and_paging(session, calls):
    search = records.CallSearch(phone="139 1111")
    rows, total = records.search_calls(session, "/", search, include_unplaced=True, limit=1, offset=1)
    assert sids(rows) == ["CA-a1"] and total == 2
    window = records.CallSearch(since=T0 + timedelta(minutes=30), until=T0 + timedelta(hours=2))
    assert sids(records.search_calls(session, "/", window, include_unplaced=True, limit=10)[0]) == ["CA-a2"]
    done = records.CallSearch(status="completed")
    assert sids(records.search_calls(session, "/", done, include_unplaced=True, limit=10)[0]) == ["CA-a2"]
    flagged = records.CallSearch(review_status="flagged")
    assert records.search_calls(session, "/", flagged, include_unplaced=True, limit=10) == ([], 0)


def test_set_review__flag_needs_a_reason_and_a_repeat_changes_nothing(session, calls):
    tree, made = calls
    one, two = (factories.operator(session, tree["city"], name).id for name in ("op_one", "op_two"))
    call = made["CA-a1"]
    with pytest.raises(InvalidInput):
        records.set_review(session, call, status="flagged", operator_id=one, note="  ", now=T0)
    assert call.review_status == "unreviewed" and call.reviewed_at is None
    assert records.set_review(session, call, status="flagged", operator_id=one, note="老人没听清", now=T0)
    assert (call.review_status, call.review_note, call.reviewed_by) == ("flagged", "老人没听清", one)
    assert not records.set_review(session, call, status="flagged", operator_id=two, note="老人没听清", now=T0)
    assert call.reviewed_by == one
    assert records.set_review(session, call, status="reviewed", operator_id=two, note=None, now=T0 + timedelta(1))
    assert (call.review_status, call.review_note, call.reviewed_by) == ("reviewed", None, two)
