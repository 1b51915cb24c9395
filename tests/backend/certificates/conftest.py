"""A volunteer with a registered ID number and three service credits (one technical), plus operators
of two streets, on both databases."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from backend.core.db import unit_of_work
from backend.ledger.operations import Actor, credit_service
from tests import factories

VOLUNTEER_NAME = "王秀英"
AGE = 65
BORN = factories.TODAY.replace(year=factories.TODAY.year - AGE) - timedelta(days=10)  # as factories.person
ID_NUMBER = factories.id_number_for(BORN, 123)
SYSTEM = Actor("operator:1", "operator")


@dataclass(frozen=True)
class Volunteer:
    person_id: int
    credit_seqs: tuple[int, ...]
    tree: dict[str, int]


@pytest.fixture
def volunteer(state) -> Volunteer:
    """65 years old (a "60后" helping "80后"): 90 + 120 + 45 minutes served = 4小时15分钟."""
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        person = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=AGE,
                                  name=VOLUNTEER_NAME, id_number=ID_NUMBER)
        seqs = []
        for minutes, tier in ((90, "ordinary"), (120, "technical"), (45, "ordinary")):
            entries = credit_service(s, volunteer_id=person.id, station_id=tree["comm_a"], served_minutes=minutes,
                                     tier=tier, policy=state.policy, actor=SYSTEM, memo="上门陪聊")
            seqs.append(entries[0].seq)
        factories.operator(s, tree["street_a"], "street_a_op")
        factories.operator(s, tree["street_b"], "street_b_op")
        return Volunteer(person.id, tuple(seqs), tree)


def login(client, username: str, password: str = "pw-123456") -> dict[str, str]:
    """Log in through the real endpoint and return the bearer header."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
