"""POST /api/v1/auth/login: the console's rate limit (one mechanism, shared counters) and the same
work for unknown and known logins. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import argon2
import pytest
from sqlalchemy import select

from backend.core import ratelimit
from backend.core.db import unit_of_work
from backend.models import LoginAttempt, Operator
from tests import factories

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def operators(state):
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        factories.operator(s, tree["street_a"], "op_a")
        retired = factories.operator(s, tree["street_a"], "op_retired")
        retired.active = False
    return tree


def _login(client, username, password):
    return client.post(LOGIN, json={"username": username, "password": password})


def test_login__thirty_wrong_passwords_then_the_right_one_is_refused(client, state, operators):
    statuses = [_login(client, "op_a", f"wrong-{i}").status_code for i in range(30)]
    assert statuses[:ratelimit.MAX_FAILURES_PER_LOGIN] == [401] * ratelimit.MAX_FAILURES_PER_LOGIN
    assert set(statuses[ratelimit.MAX_FAILURES_PER_LOGIN:]) == {429}
    right = _login(client, "op_a", "pw-123456")
    assert right.status_code == 429
    body = right.json()
    assert body["code"] == "too_many_requests" and "access_token" not in body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]) and body["detail"]
    with state.sessions() as s:  # counted where the console counts: one account, one counter
        realms = set(s.scalars(select(LoginAttempt.realm)))
    assert realms == {ratelimit.OPERATOR_REALM}


def test_login__right_password_after_a_few_failures_still_works(client, operators):
    for _ in range(ratelimit.MAX_FAILURES_PER_LOGIN - 1):
        assert _login(client, "op_a", "wrong").status_code == 401
    ok = _login(client, "op_a", "pw-123456")
    assert ok.status_code == 200 and ok.json()["access_token"]


@pytest.fixture
def verified_hashes(monkeypatch):
    """Every hash argon2 verifies a password against, in order."""
    seen: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def counting(self, hash, password):  # noqa: A002 (argon2's own parameter name)
        seen.append(hash if isinstance(hash, str) else hash.decode())
        return real_verify(self, hash, password)
    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    return seen


def test_login__unknown_and_known_accounts_cost_one_argon2_verification_each(client, state, operators,
                                                                               verified_hashes):
    with state.sessions() as s:
        stored = {op.username: op.password_hash for op in s.scalars(select(Operator))}
    assert _login(client, "op_a", "wrong").status_code == 401
    assert verified_hashes == [stored["op_a"]]

    verified_hashes.clear()
    unknown = _login(client, "no_such_operator", "wrong")
    assert unknown.status_code == 401
    assert len(verified_hashes) == 1, "an unknown login must still verify a hash"
    assert verified_hashes[0].startswith("$argon2") and verified_hashes[0] not in stored.values()
    assert unknown.json() == _login(client, "op_a", "wrong-again").json(), "same answer for both"

    verified_hashes.clear()
    assert _login(client, "op_retired", "pw-123456").status_code == 401
    assert verified_hashes == [stored["op_retired"]]
