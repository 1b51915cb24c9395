"""registry.acting_link: only a consented link, in the member → elder direction, lets a member act."""
from __future__ import annotations

from datetime import date

from backend.core.db import unit_of_work
from backend.people import registry
from tests.backend.conftest import make_state


def _person(session, state, name: str, phone: str, born: date, roles: list[str], station_id: int):
    new = registry.NewPerson(name=name, phone=phone, birth_date=born, station_id=station_id, roles=roles,
                             status="verified")
    return registry.register_person(session, new, policy=state.policy, secret_key="k" * 16, today=date(2026, 1, 1))


def test_acting_link__only_consented_and_only_member_to_elder(tmp_path):
    from backend.people.stations import add_station
    state = make_state(f"sqlite:///{tmp_path / 'links.db'}")
    try:
        with unit_of_work(state.sessions) as session:
            station = add_station(session, "测试市", "city", None, None)
            elder = _person(session, state, "老人甲", "+8613700001001", date(1940, 1, 1), ["elder"], station.id)
            child = _person(session, state, "子女乙", "+8613700001002", date(1970, 1, 1), ["family"], station.id)
            other = _person(session, state, "亲属丙", "+8613700001003", date(1972, 1, 1), ["family"], station.id)
            consented = registry.link_family(session, elder.id, child.id, "child", consent="consented")
            registry.link_family(session, elder.id, other.id, "other", consent="pending")

            assert registry.acting_link(session, child.id, elder.id).id == consented.id
            assert registry.acting_link(session, other.id, elder.id) is None  # pending
            assert registry.acting_link(session, elder.id, child.id) is None  # wrong direction
            consented.consent = "revoked"
            session.flush()
            assert registry.acting_link(session, child.id, elder.id) is None
    finally:
        state.engine.dispose()
