"""A two-street world for the authorisation tests: per street an elder, a volunteer free every day and
operators of every role; plus builders that put one fresh record in a known state (an order to revoke, a
follow-up to close ...) through the domain's own functions, so each case acts on a record of its own."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import text

from backend.core.db import unit_of_work
from backend.fulfilment.completion import queue_follow_up
from backend.ledger.operations import Actor, credit_service
from backend.models import Base, FamilyLink, Order, Registration
from backend.orders import states
from backend.orders.backfill import PaperRecord, backfill
from backend.orders.service import NewOrder, create_order
from backend.people.supply import set_supply
from tests import factories

ROLES = ("clerk", "reviewer", "admin")
STREETS = ("a", "b")  # operators work in street a; street b is "another street"
EVERY_DAY = [(d, time(0, 0), time(23, 59)) for d in range(7)]
PASSWORD = "pw-123456"
# Written by logging in or by every request, whatever the action: not "a row changed".
CHURN = {"web_sessions", "login_attempts"}
_days = itertools.count(2)


@dataclass
class World:
    state: object
    tree: dict
    elders: dict
    volunteers: dict

    def street(self, which: str) -> int:
        return self.tree["comm_a" if which == "a" else "comm_b"]


def build(state) -> World:
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elders, volunteers = {}, {}
        for which, community in (("a", tree["comm_a"]), ("b", tree["comm_b"])):
            elders[which] = factories.person(s, state.policy, community, name=f"老人{which}", age=80).id
            volunteers[which] = new_volunteer(s, state, community)
            credit_service(s, volunteer_id=elders[which], station_id=community, served_minutes=100 * 60,
                           tier="ordinary", policy=state.policy, actor=Actor("system:test", "system"), memo="测试")
        for role in ROLES:
            factories.operator(s, tree["street_a"], f"{role}_a", PASSWORD, role=role)
        factories.operator(s, tree["city"], "admin_city", PASSWORD, role="admin")
    return World(state, tree, elders, volunteers)


def new_volunteer(s, state, station_id: int) -> int:
    v = factories.person(s, state.policy, station_id, roles=("volunteer",), age=35, name="志愿者", lat=32.0663)
    set_supply(s, v.id, radius_km=5.0, max_open_orders=20, services=["chat_companion"], weekly=EVERY_DAY)
    return v.id


def _start() -> datetime:
    """A start 2-21 days ahead, each a different minute (however many records a session makes)."""
    n = next(_days)
    return (datetime.now(timezone.utc) + timedelta(days=2 + n % 20)).replace(hour=2, minute=0, second=0,
                                                                              microsecond=0) + timedelta(minutes=n)


def open_order(world: World, which: str, *, state: str | None = None, volunteer: bool = False) -> int:
    """A new order for the street's elder, open (or forced into ``state`` as a fixture)."""
    with unit_of_work(world.state.sessions) as s:
        order = create_order(s, NewOrder(recipient_id=world.elders[which], service_slug="chat_companion",
                                         start_at=_start(), duration_minutes=60, channel="phone", actor="test"),
                             policy=world.state.policy, now=datetime.now(timezone.utc),
                             today=datetime.now(timezone.utc).date())
        if volunteer:
            order.volunteer_id = new_volunteer(s, world.state, world.street(which))
        if state:
            order.state = state
            order.served_minutes = 60 if state == states.HELD else None
        return order.id


def completed_order(world: World, which: str) -> int:
    """A service done and credited (through paper back-fill): revoking it reverses the credit."""
    with unit_of_work(world.state.sessions) as s:
        volunteer = new_volunteer(s, world.state, world.street(which))
        ended = datetime.now(timezone.utc) - timedelta(days=1 + next(_days) % 20)  # within the review's 30 days
        order = backfill(s, PaperRecord(volunteer_id=volunteer, recipient_id=world.elders[which],
                                        service_slug="chat_companion", started_at=ended - timedelta(hours=1),
                                        ended_at=ended, reason="测试", recorded_by="test"),
                         policy=world.state.policy, now=datetime.now(timezone.utc),
                         today=datetime.now(timezone.utc).date())
        return order.id


def follow_up(world: World, which: str) -> int:
    order_id = completed_order(world, which)
    with unit_of_work(world.state.sessions) as s:
        return queue_follow_up(s, order_id, "complaint").id


def credit_entry(world: World, which: str) -> int:
    with unit_of_work(world.state.sessions) as s:
        return s.get(Order, completed_order(world, which)).credit_entry_seq


def registration(world: World, which: str) -> int:
    with unit_of_work(world.state.sessions) as s:
        row = Registration(name="新登记", phone=factories.next_phone(), birth_date=datetime(1950, 1, 1).date(),
                           roles="elder", channel="phone", station_id=world.street(which), status="pending")
        s.add(row)
        s.flush()
        return row.id


def family_link(world: World, which: str) -> int:
    with unit_of_work(world.state.sessions) as s:
        member = factories.person(s, world.state.policy, world.street(which), roles=("family",), age=45, name="家属")
        link = FamilyLink(elder_id=world.elders[which], member_id=member.id, relation="child", consent="pending")
        s.add(link)
        s.flush()
        return link.id


def snapshot(state) -> dict[str, list]:
    """Every row of every table (but the login churn), to prove a refused request changed nothing."""
    with state.sessions() as s:
        return {t.name: sorted(map(repr, s.execute(t.select()).all()))
                for t in Base.metadata.sorted_tables if t.name not in CHURN}


def audit_count(state) -> int:
    with state.sessions() as s:
        return s.scalar(text("SELECT count(*) FROM audit_entries"))

