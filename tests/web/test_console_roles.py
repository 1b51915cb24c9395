"""Roles inside a scope: a clerk enters and follows up, but only reviewers and admins decide about
money and accounts (approve or revoke a service, freeze, verify registrations and family links)."""
from __future__ import annotations

from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.core.security import hash_password
from backend.ledger.accounts import person_account
from backend.models import Operator, Order, Station
from tests.web import console_a
from tests.web.console_world import audit_entries, completed_order

CLERK = "hunan_clerk"


def ensure_clerk(web_app) -> None:
    console_a.PASSWORDS.setdefault(CLERK, "hunan-clerk-pass-1")
    with unit_of_work(web_app.state.sessions) as session:
        if session.scalar(select(Operator.id).where(Operator.username == CLERK)) is None:
            session.add(Operator(username=CLERK, name="湖南路街道办事员", role="clerk",
                                 password_hash=hash_password(console_a.PASSWORDS[CLERK]),
                                 station_id=session.scalar(select(Station.id).where(Station.name == "湖南路街道"))))


def test_clerk_cannot_revoke_a_service_or_freeze_an_account(web_app):
    ensure_clerk(web_app)
    order_id = completed_order(web_app, "zhou", "lin", minutes=60)
    person_id, _, _ = console_a.new_person(web_app.state, console_a.HUNAN, name="角色测试老人")
    clerk = console_a.http_console(web_app.url, CLERK)

    revoke = clerk.post(f"/console/review/orders/{order_id}/revoke", {"reason": "办事员想撤销"})
    freeze = clerk.post(f"/console/people/{person_id}/freeze", {"frozen": "1", "reason": "办事员想冻结"})
    for answer in (revoke, freeze):
        assert answer.status_code == 403 and "只有审核员或管理员" in answer.text
    with unit_of_work(web_app.state.sessions) as session:
        assert session.get(Order, order_id).state == "completed"
        assert not person_account(session, person_id).frozen
    assert audit_entries(web_app, "order.revoke", f"order:{order_id}") == []


def test_clerk_still_sees_the_subtree_and_reviewer_can_revoke(web_app):
    ensure_clerk(web_app)
    order_id = completed_order(web_app, "zhou", "lin", minutes=60)
    clerk = console_a.http_console(web_app.url, CLERK)
    assert clerk.client.get(f"/console/orders/{order_id}").status_code == 200
    reviewer = console_a.http_console(web_app.url, "hunan_road")
    assert reviewer.post(f"/console/review/orders/{order_id}/revoke", {"reason": "核实为虚假服务"}).status_code == 303
    with unit_of_work(web_app.state.sessions) as session:
        assert session.get(Order, order_id).state == "revoked"


def test_clerk_pages_show_no_decision_forms_but_a_plain_note(web_app):
    ensure_clerk(web_app)
    order_id = completed_order(web_app, "zhou", "lin", minutes=60)
    clerk = console_a.http_console(web_app.url, CLERK)
    reviewer = console_a.http_console(web_app.url, "hunan_road")
    path = f"/console/orders/{order_id}"
    clerk_page, reviewer_page = clerk.client.get(path).text, reviewer.client.get(path).text
    assert f'action="/console/review/orders/{order_id}/revoke"' in reviewer_page
    assert f'action="/console/review/orders/{order_id}/revoke"' not in clerk_page
    assert "只有审核员或管理员可以处理" in clerk_page and "只有审核员或管理员可以处理" not in reviewer_page
    assert "/revoke" not in clerk.client.get("/console/review").text
