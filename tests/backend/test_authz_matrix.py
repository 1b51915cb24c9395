"""The authorisation matrix: every state-changing route of the assembled app (its OpenAPI, which holds
the API, the console, the family pages and the hotline) × {no credentials, service token, clerk, reviewer,
admin, family member} × {own street, another street}.

Refused: the status says why (401 / login redirect, 403 role, 404 scope) and not one row changed.
Allowed: the success status, and for an operator exactly one audit entry per action (none for the service
token, whose writes carry the caller on their own records). A new state-changing route without an entry in
``authz_cases.MATRIX`` fails ``test_every_state_changing_route_has_a_matrix_entry``."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from backend.core.db import unit_of_work
from backend.models import Operator
from tests.backend import authz_world as w
from tests.backend.authz_cases import ADMIN, CLERK, MATRIX, REVIEWER, SERVICE, Action, Outside
from backend.core.scratch import scratch_postgres_schema
from tests.availability import unavailable
from tests.backend.conftest import POSTGRES_URL, SERVICE_TOKEN, make_state, operator_headers, postgres_available
from web.auth import sessions
from yinling.app import assemble

WRITES = {"post", "put", "patch", "delete"}
PRINCIPALS = ("nobody", SERVICE, CLERK, REVIEWER, ADMIN, "family")


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory):
    """One database and app for the whole matrix: every case builds the records it acts on."""
    state = make_state(f"sqlite:///{tmp_path_factory.mktemp('authz') / 'yinling.db'}")
    world = w.build(state)
    app = assemble(state)
    yield app, state, world
    state.engine.dispose()


def _walk(routes, prefix: str = ""):
    """(method, path) of every route, hidden ones (``include_in_schema=False``) too."""
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI keeps included routers as they were
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None):
            path = re.sub(r":\w+}", "}", prefix + route.path)  # {person_id:int} → {person_id}, as OpenAPI writes it
            yield from ((method, path) for method in route.methods)


def _routes(app) -> set[tuple[str, str]]:
    schema = {(method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops}
    table = set(_walk(app.routes))
    assert schema <= table, "the route walk missed routes the OpenAPI shows"
    return {(method, path) for method, path in table if method.lower() in WRITES}


def test_every_state_changing_route_has_a_matrix_entry(matrix_app):
    app, _state, _world = matrix_app
    routes = _routes(app)
    assert routes - MATRIX.keys() == set(), "state-changing routes without an authorisation matrix entry"
    optional = {k for k, v in MATRIX.items() if isinstance(v, Outside) and v.setting}
    assert MATRIX.keys() - routes - optional == set(), "matrix entries for routes that no longer exist"


class Credentials:
    """Headers, cookies and the CSRF token each principal sends."""

    def __init__(self, app, state, world):
        self.state = state
        api = TestClient(app)
        self.bearer = {role: operator_headers(api, f"{role}_a", w.PASSWORD) for role in (CLERK, REVIEWER, ADMIN)}
        self.console, self.csrf = {}, {}
        now = datetime.now(timezone.utc)
        with unit_of_work(state.sessions) as s:
            for role in (CLERK, REVIEWER, ADMIN):
                op = s.query(Operator).filter_by(username=f"{role}_a").one()
                token, row = sessions.start(s, "console", op.id, now)
                self.console[role], self.csrf[role] = token, row.csrf_token
            token, row = sessions.start(s, "family", world.elders["a"], now)
            self.family, self.family_csrf = token, row.csrf_token

    def client(self, app, principal: str, console: bool) -> tuple[TestClient, dict]:
        """A client carrying ``principal``'s credentials, and the extra form fields it sends."""
        client = TestClient(app, follow_redirects=False, headers={"Accept": "text/html"} if console else {})
        extra = {}
        if principal == SERVICE:
            client.headers["Authorization"] = f"Bearer {SERVICE_TOKEN}"
        elif principal in self.bearer:
            if console:
                client.cookies.set(sessions.COOKIE_NAMES["console"], self.console[principal])
                extra = {"csrf_token": self.csrf[principal]}
            else:
                client.headers.update(self.bearer[principal])
        elif principal == "family":
            client.cookies.set(sessions.COOKIE_NAMES["family"], self.family)
            extra = {"csrf_token": self.family_csrf}
        return client, extra


def _expected(entry: Action, principal: str, which: str, console: bool) -> tuple[int, bool]:
    """(status, whether the action is taken) for ``principal`` acting on a record of street ``which``."""
    if principal in ("nobody", "family") or (console and principal == SERVICE):
        return (303 if console else 401), False  # the console sends browsers to its login page
    if principal not in entry.who:
        return 403, False
    if which == "b" and principal != SERVICE:
        return entry.other_street, False
    return entry.ok, True


def _send(client, method, path, extra, entry: Action, params, body):
    url = path.format(**params)
    if entry.files:
        return client.request(method, url, data=extra, files=body)
    if entry.form:
        return client.request(method, url, data={**body, **extra})
    return client.request(method, url, json=body)


ACTIONS = sorted(k for k, v in MATRIX.items() if isinstance(v, Action))


@pytest.mark.parametrize("method, path", ACTIONS, ids=[f"{m} {p}" for m, p in ACTIONS])
def test_route_answers_each_principal_in_each_street(matrix_app, method, path):
    problems = _check(*matrix_app, method, path)
    assert problems == [], "\n".join(problems)


# The same checks on PostgreSQL for the decisions about money and accounts, from both entrances.
ON_POSTGRES = [("POST", "/api/v1/review/orders/{order_id}/revoke"), ("POST", "/api/v1/ledger/reversals"),
               ("POST", "/api/v1/persons/{person_id}/freeze"), ("POST", "/api/v1/follow-ups/{follow_up_id}/done"),
               ("POST", "/console/review/orders/{order_id}/revoke"), ("POST", "/console/people/{person_id}/freeze")]


@pytest.fixture(scope="module")
def postgres_matrix_app():
    if not postgres_available():
        unavailable("PostgreSQL is not available")
    with scratch_postgres_schema(POSTGRES_URL) as url:
        state = make_state(url)
        yield assemble(state), state, w.build(state)
        state.engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("method, path", ON_POSTGRES, ids=[f"{m} {p}" for m, p in ON_POSTGRES])
def test_route_answers_each_principal_in_each_street_on_postgres(postgres_matrix_app, method, path):
    problems = _check(*postgres_matrix_app, method, path)
    assert problems == [], "\n".join(problems)


def _check(app, state, world, method: str, path: str) -> list[str]:
    credentials = _credentials(app, state, world)
    entry: Action = MATRIX[(method, path)]
    console = path.startswith("/console")
    problems = []
    standing = {which: entry.make(world, which) for which in ("a", "b")}  # refusals never consume them
    for principal in PRINCIPALS:
        for which in ("a", "b"):
            expected, allowed = _expected(entry, principal, which, console)
            params, body = entry.make(world, which) if allowed else standing[which]
            client, extra = credentials.client(app, principal, console)
            before, audits = (None if allowed else w.snapshot(state)), w.audit_count(state)
            answer = _send(client, method, path, extra, entry, params, body)
            case = f"{principal:8} street {which}"
            if answer.status_code != expected:
                problems.append(f"{case}: {answer.status_code} (expected {expected}) {answer.text[:160]}")
                continue
            if not allowed and w.snapshot(state) != before:
                problems.append(f"{case}: refused with {expected} but rows changed")
            written = w.audit_count(state) - audits
            wanted = entry.audits if allowed and principal != SERVICE else 0
            if written != wanted:
                problems.append(f"{case}: {written} audit entries written (expected {wanted})")
    return problems


_CREDENTIALS: dict[int, Credentials] = {}


def _credentials(app, state, world) -> Credentials:
    if id(app) not in _CREDENTIALS:
        _CREDENTIALS[id(app)] = Credentials(app, state, world)
    return _CREDENTIALS[id(app)]


FAMILY_REALM = sorted(k for k, v in MATRIX.items() if isinstance(v, Outside) and v.realm == "family")


@pytest.mark.parametrize("method, path", FAMILY_REALM, ids=[f"{m} {p}" for m, p in FAMILY_REALM])
def test_family_pages_refuse_everyone_but_a_family_member(matrix_app, method, path):
    """What a family member may do there is tested in tests/web/test_family_*; here: nobody else may."""
    app, state, world = matrix_app
    credentials = _credentials(app, state, world)
    url = path.format(elder_id=world.elders["a"])
    for principal in ("nobody", SERVICE, CLERK, REVIEWER, ADMIN):
        for console_cookie in (False, True):
            client, extra = credentials.client(app, principal, console_cookie)
            client.headers["Accept"] = "text/html"
            before = w.snapshot(state)
            answer = client.request(method, url, data={**extra, "elder_phone": "+8613900000001",
                                                       "relation": "child", "message": "你好"})
            assert answer.status_code in (303, 401), (principal, answer.status_code, answer.text[:200])
            if answer.status_code == 303:
                assert answer.headers["location"].startswith("/family/login")
            assert w.snapshot(state) == before


VOLUNTEER_REALM = sorted(k for k, v in MATRIX.items() if isinstance(v, Outside) and v.realm == "volunteer")


@pytest.mark.parametrize("method, path", VOLUNTEER_REALM, ids=[f"{m} {p}" for m, p in VOLUNTEER_REALM])
def test_volunteer_pages_refuse_everyone_but_a_logged_in_volunteer(matrix_app, method, path):
    """What a volunteer may do there is tested in tests/web/test_volunteer_*; here: nobody else may, not
    an operator, the service token or a family member's session, whatever order id the form names."""
    app, state, world = matrix_app
    credentials = _credentials(app, state, world)
    url = path.format(order_id=w.open_order(world, "a"))
    for principal in ("nobody", SERVICE, CLERK, REVIEWER, ADMIN, "family"):
        for console_cookie in (False, True):
            client, extra = credentials.client(app, principal, console_cookie)
            client.headers["Accept"] = "text/html"
            before = w.snapshot(state)
            answer = client.request(method, url, data={**extra, "lat": "32.066", "lon": "118.781", "stars": "5"})
            assert answer.status_code in (303, 401), (principal, answer.status_code, answer.text[:200])
            if answer.status_code == 303:
                assert answer.headers["location"].startswith("/volunteer/login")
            assert w.snapshot(state) == before


def test_the_route_table_includes_routes_hidden_from_the_openapi():
    from fastapi import APIRouter, FastAPI
    hidden = APIRouter(prefix="/inner", include_in_schema=False)
    hidden.post("/{item_id:int}/act")(lambda item_id: None)
    app = FastAPI()
    app.include_router(hidden, prefix="/outer")
    assert _routes(app) == {("POST", "/outer/inner/{item_id}/act")}
