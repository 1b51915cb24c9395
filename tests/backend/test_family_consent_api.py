"""Family links waiting for the elder's consent: listing them (for the assistant's read-back and the
operator's review), consenting and revoking, and operator scope. Both databases, through the API."""
from __future__ import annotations

import pytest

from backend.core.db import unit_of_work
from backend.people.registry import link_family
from tests import factories
from tests.backend.conftest import operator_headers


@pytest.fixture
def families(state):
    """Elder A (street A) with a pending daughter, a pending grandson and a consented son;
    elder B (street B) with one pending link."""
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder_a = factories.person(s, state.policy, tree["comm_a"], name="王秀英", age=82)
        elder_b = factories.person(s, state.policy, tree["comm_b"], name="李淑珍", age=85)
        daughter = factories.person(s, state.policy, tree["comm_a"], roles=("family",), age=50, name="张小红")
        grandson = factories.person(s, state.policy, tree["comm_b"], roles=("family",), age=25, name="王小明")
        son = factories.person(s, state.policy, tree["comm_a"], roles=("family",), age=55, name="王军")
        niece = factories.person(s, state.policy, tree["comm_b"], roles=("family",), age=40, name="李芳")
        links = {
            "daughter": link_family(s, elder_a.id, daughter.id, "child").id,
            "grandson": link_family(s, elder_a.id, grandson.id, "grandchild").id,
            "son": link_family(s, elder_a.id, son.id, "child", consent="consented").id,
            "niece": link_family(s, elder_b.id, niece.id, "other").id,
        }
        factories.operator(s, tree["street_a"], "street_a_op")
        factories.operator(s, tree["city"], "city_admin", role="admin")
        return {"tree": tree, "elder_a": elder_a.id, "elder_b": elder_b.id, "daughter": daughter.id,
                "grandson": grandson.id, "links": links}


def test_list_links__an_elders_pending_links_carry_id_member_name_relation_and_consent(client, families):
    response = client.get("/api/v1/family-links", params={"elder_id": families["elder_a"], "consent": "pending"})
    assert response.status_code == 200, response.text
    rows = response.json()
    assert [(r["id"], r["member_name"], r["relation"], r["consent"]) for r in rows] == [
        (families["links"]["daughter"], "张小红", "child", "pending"),
        (families["links"]["grandson"], "王小明", "grandchild", "pending")]
    assert rows[0]["elder_id"] == families["elder_a"] and rows[0]["elder_name"] == "王秀英"
    assert rows[0]["member_id"] == families["daughter"] and rows[0]["created_at"]


def test_list_links__several_consent_values_and_no_filter(client, families):
    elder = families["elder_a"]
    both = client.get("/api/v1/family-links", params=[("elder_id", elder), ("consent", "pending"),
                                                      ("consent", "consented")]).json()
    assert sorted(r["member_name"] for r in both) == ["张小红", "王军", "王小明"]
    everything = client.get("/api/v1/family-links", params={"elder_id": elder}).json()
    assert len(everything) == 3
    assert client.get("/api/v1/family-links", params={"elder_id": elder, "consent": "revoked"}).json() == []


def test_list_links__by_member(client, families):
    rows = client.get("/api/v1/family-links", params={"member_id": families["grandson"]}).json()
    assert [(r["elder_name"], r["relation"]) for r in rows] == [("王秀英", "grandchild")]


def test_consent__moves_the_link_out_of_the_pending_list_and_revoke_out_of_consented(client, families):
    elder, link = families["elder_a"], families["links"]["daughter"]
    done = client.post(f"/api/v1/family-links/{link}/consent", json={"consent": "consented"},
                       headers={"Idempotency-Key": "bot-family_consent-1"})
    assert done.status_code == 200 and done.json()["consent"] == "consented"
    again = client.post(f"/api/v1/family-links/{link}/consent", json={"consent": "consented"},
                        headers={"Idempotency-Key": "bot-family_consent-1"})
    assert again.status_code == 200 and again.json()["consent"] == "consented"  # a retried write is harmless
    pending = client.get("/api/v1/family-links", params={"elder_id": elder, "consent": "pending"}).json()
    assert [r["member_name"] for r in pending] == ["王小明"]
    # The member now sees the elder as consented, which is what lets them act for the elder.
    member = client.get(f"/api/v1/persons/{families['daughter']}").json()
    assert member["linked_elders"][0]["consent"] == "consented"

    revoked = client.post(f"/api/v1/family-links/{link}/consent", json={"consent": "revoked"})
    assert revoked.status_code == 200 and revoked.json()["consent"] == "revoked"
    consented = client.get("/api/v1/family-links", params={"elder_id": elder, "consent": "consented"}).json()
    assert [r["member_name"] for r in consented] == ["王军"]
    assert client.get(f"/api/v1/persons/{families['daughter']}").json()["linked_elders"][0]["consent"] == "revoked"


def test_list_links__street_operator_sees_only_links_of_elders_in_scope(client, families):
    street = operator_headers(client, "street_a_op")
    listed = client.get("/api/v1/family-links", params={"consent": "pending"}, headers=street)
    assert listed.status_code == 200
    assert {r["elder_name"] for r in listed.json()} == {"王秀英"}
    assert len(listed.json()) == 2
    refused = client.get("/api/v1/family-links", params={"elder_id": families["elder_b"]}, headers=street)
    assert refused.status_code == 404 and refused.json()["code"] == "person_not_found"
    # The grandson lives in street B: naming him is refused even though his elder is in scope.
    assert client.get("/api/v1/family-links", params={"member_id": families["grandson"]},
                      headers=street).status_code == 404
    city = operator_headers(client, "city_admin")
    everything = client.get("/api/v1/family-links", params={"consent": "pending"}, headers=city).json()
    assert {r["elder_name"] for r in everything} == {"王秀英", "李淑珍"}


def test_consent__street_operator_cannot_verify_another_streets_link(client, families):
    street = operator_headers(client, "street_a_op")
    refused = client.post(f"/api/v1/family-links/{families['links']['niece']}/consent",
                          json={"consent": "consented", "reason": "核实了户口本"}, headers=street)
    assert refused.status_code == 404
    still = client.get("/api/v1/family-links", params={"elder_id": families["elder_b"]}).json()
    assert [r["consent"] for r in still] == ["pending"]
    verified = client.post(f"/api/v1/family-links/{families['links']['grandson']}/consent",
                           json={"consent": "consented", "reason": "核实了户口本"}, headers=street)
    assert verified.status_code == 200 and verified.json()["consent"] == "consented"


def test_list_links__bad_input(client, families):
    assert client.get("/api/v1/family-links", params={"elder_id": 999999}).status_code == 404
    assert client.get("/api/v1/family-links", params={"consent": "maybe"}).status_code == 422
    assert client.get("/api/v1/family-links", params={"limit": 0}).status_code == 422
    assert client.get("/api/v1/family-links", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/api/v1/family-links/999999/consent", json={"consent": "consented"}).status_code == 404
