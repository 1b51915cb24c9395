"""Operator review of pending registrations (人工辅助审核) and family links, on both databases."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from backend.core.errors import Conflict, InvalidInput, PolicyViolation
from backend.models import Person, Registration, Station
from backend.people import registry
from backend.people.identity import hash_id, mask_id
from tests import factories

SECRET = "test-secret-key-0123456789"


def pending(session, station_id, *, name="周大爷", phone="+8613955550001", born=date(1945, 5, 5),
            id_number=None, roles="elder"):
    row = Registration(name=name, phone=phone, birth_date=born, roles=roles, channel="phone", station_id=station_id,
                       id_hash=hash_id(id_number, SECRET) if id_number else None,
                       id_masked=mask_id(id_number) if id_number else None)
    session.add(row)
    session.flush()
    return row


def verify(session, state, registration_id, station_id, birth_date=None):
    return registry.verify_registration(session, registration_id, station_id=station_id, birth_date=birth_date,
                                        address="鼓楼区湖南路3号", policy=state.policy, secret_key=SECRET,
                                        today=factories.TODAY)


def people_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Person))


def test_verify_registration__creates_one_verified_person_with_the_masked_id(session, state):
    tree = factories.station_tree(session)
    id_number = factories.id_number_for(date(1945, 5, 5), 77)
    row = pending(session, tree["comm_a"], id_number=id_number)
    person = verify(session, state, row.id, tree["comm_a"])
    assert (person.name, person.status, person.roles, person.station_id) == ("周大爷", "verified", ["elder"],
                                                                             tree["comm_a"])
    assert person.id_masked == mask_id(id_number) and person.id_hash == hash_id(id_number, SECRET)
    assert row.status == "verified"
    before = people_count(session)
    with pytest.raises(Conflict):
        verify(session, state, row.id, tree["comm_a"])  # the same form sent twice
    assert people_count(session) == before


def test_verify_registration__needs_a_birth_date_and_keeps_the_age_rules(session, state):
    tree = factories.station_tree(session)
    row = pending(session, tree["comm_a"], born=None)
    with pytest.raises(InvalidInput):
        verify(session, state, row.id, tree["comm_a"])
    with pytest.raises(PolicyViolation):
        verify(session, state, row.id, tree["comm_a"], birth_date=date(1990, 1, 1))  # an "elder" aged 36
    assert row.status == "pending"
    assert verify(session, state, row.id, tree["comm_a"], birth_date=date(1950, 1, 1)).birth_date == date(1950, 1, 1)


def test_verify_registration__a_registered_phone_is_refused(session, state):
    tree = factories.station_tree(session)
    existing = factories.person(session, state.policy, tree["comm_a"])
    row = pending(session, tree["comm_a"], phone=existing.phone)
    with pytest.raises(Conflict):
        verify(session, state, row.id, tree["comm_a"])
    assert row.status == "pending"


def test_reject_registration__once(session, state):
    tree = factories.station_tree(session)
    row = pending(session, tree["comm_a"])
    assert registry.reject_registration(session, row.id).status == "rejected"
    with pytest.raises(Conflict):
        registry.reject_registration(session, row.id)
    with pytest.raises(Conflict):
        verify(session, state, row.id, tree["comm_a"])


def test_list_registrations__scope_and_unplaced(session, state):
    tree = factories.station_tree(session)
    a = pending(session, tree["comm_a"], phone="+8613955550011")
    b = pending(session, tree["comm_b"], phone="+8613955550012")
    nowhere = pending(session, None, phone="+8613955550013")
    path_a = session.get(Station, tree["street_a"]).path
    assert [r.id for r, _ in registry.list_registrations(session, station_path_prefix=path_a,
                                                         include_unplaced=False)] == [a.id]
    city = session.get(Station, tree["city"]).path
    assert [r.id for r, _ in registry.list_registrations(session, station_path_prefix=city,
                                                         include_unplaced=True)] == [a.id, b.id, nowhere.id]
    registry.reject_registration(session, b.id)
    assert [r.id for r, _ in registry.list_registrations(session, station_path_prefix=city, include_unplaced=True,
                                                         statuses=["pending"])] == [a.id, nowhere.id]


def test_decide_family_link__once(session, state):
    tree = factories.station_tree(session)
    elder = factories.person(session, state.policy, tree["comm_a"])
    son = factories.person(session, state.policy, tree["comm_a"], roles=("family",), age=45)
    link = registry.link_family(session, elder.id, son.id, "child")
    with pytest.raises(InvalidInput):
        registry.decide_family_link(session, link.id, "pending")
    assert registry.decide_family_link(session, link.id, "consented").consent == "consented"
    with pytest.raises(Conflict):
        registry.decide_family_link(session, link.id, "revoked")
    assert link.consent == "consented"
