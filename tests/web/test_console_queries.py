"""The console pages' own queries (board, review queue, follow-ups, dashboard) on SQLite and PostgreSQL:
the browser tests run on SQLite only, production runs on PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from backend.core.bootstrap import seed_demo
from backend.fulfilment.completion import queue_follow_up
from backend.fulfilment.ratings import rate
from backend.models import Order, Station
from backend.models.base import utcnow
from backend.orders.backfill import PaperRecord, backfill
from tests.backend.conftest import db_url, state  # noqa: F401  (fixtures: both databases)
from tests.web import console_world as world
from web.auth import audit
from web.console import orders_view, review_view
from web.console.dashboard_stats import compute
from web.console.pages_followups import _items


@pytest.fixture
def demo(state):  # noqa: F811
    seed_demo(state)
    app = SimpleNamespace(state=state)
    orders = {
        "rated": world.completed_order(app, "zhou", "he", minutes=45),
        "held": world.held_order(app, "wu", "lin"),
        "sampled": world.completed_order(app, "wu", "huang", minutes=30),
        "escalated": world.open_order(app, "zhou"),
        "waiting": world.open_order(app, "wu"),
        "xuanwu": world.completed_order(app, "zheng", "ma"),
    }
    zhou, huang, wu = (world.person_id(app, k) for k in ("zhou", "huang", "wu"))
    started = datetime.now(world.TZ).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=12)
    with world.db(app) as s:
        rate(s, orders["rated"], by_person_id=zhou, stars=1, comment="没来", complaint=True, channel="phone", at=utcnow())
        queue_follow_up(s, orders["sampled"], "sample")
        s.get(Order, orders["escalated"]).escalated_at = utcnow()
        orders["paper"] = backfill(s, PaperRecord(volunteer_id=huang, recipient_id=wu, service_slug="errand",
                                                  started_at=started, ended_at=started + timedelta(minutes=75),
                                                  reason="停电", recorded_by="operator:1"),
                                   policy=state.policy, now=utcnow(), today=datetime.now(world.TZ).date()).id
    return app, orders


def operator_at(session, name: str):
    """What the view functions read of a console operator: the station whose subtree they see."""
    return SimpleNamespace(station=session.scalar(select(Station).where(Station.name == name)), actor="operator:1")


def test_board_queries__scope_counts_and_escalated_first(demo):
    app, orders = demo
    with world.db(app) as s:
        street = operator_at(s, "湖南路街道")
        counts = orders_view.state_counts(s, street)
        assert counts["open"] == 2 and counts["held"] == 1 and counts["completed"] == 2 and counts["rated"] == 1
        assert [o.id for o in orders_view.escalated(s, street)] == [orders["escalated"]]
        assert [o.id for o in orders_view.column(s, street, "open")][0] == orders["escalated"]
        assert orders["xuanwu"] not in [o.id for o in orders_view.column(s, street, "completed")]
        assert [o.id for o in orders_view.paper_orders(s, street)] == [orders["paper"]]
        assert orders_view.state_counts(s, operator_at(s, "玄武门街道"))["completed"] == 1


def test_review_queries__held_and_complaints_until_kept(demo):
    app, orders = demo
    with world.db(app) as s:
        street = operator_at(s, "湖南路街道")
        assert [o.id for o, _ in review_view.held(s, street)] == [orders["held"]]
        assert [o.id for _, o in review_view.low_ratings(s, street, utcnow())] == [orders["rated"]]
        assert review_view.low_ratings(s, operator_at(s, "玄武门街道"), utcnow()) == []
        audit.record(s, actor="operator:1", action=review_view.KEEP_ACTION, target=f"order:{orders['rated']}",
                     station_id=street.station.id)
        assert review_view.low_ratings(s, street, utcnow()) == []


def test_followup_queries__complaints_before_samples(demo):
    app, orders = demo
    with world.db(app) as s:
        items = _items(s, operator_at(s, "湖南路街道"), "pending")
        assert [i.order.id for i in items][:2] == [orders["rated"], orders["sampled"]]
        assert items[0].rating.stars == 1 and items[0].attempts == 0
        assert _items(s, operator_at(s, "玄武门街道"), "pending") == []


def test_dashboard_compute__street_numbers(demo):
    app, orders = demo
    with world.db(app) as s:
        path = operator_at(s, "湖南路街道").station.path
        stats = compute(s, path, 30, now=utcnow(), tz="Asia/Shanghai")
        assert (stats.elders, stats.volunteers) == (3 + 2, 3 + 3)  # the demo's and ours
        assert stats.served_minutes == 45 + 30 + 75  # the held order is not credited
        assert stats.orders_by_state == {"open": 2, "completed": 2, "rated": 1, "held": 1}
        assert (stats.ratings, stats.low_ratings, stats.rating_avg) == (1, 1, 1.0)
        assert (stats.matched_orders, stats.unmatched_orders) == (5, 1)
        week = compute(s, path, 7, now=utcnow(), tz="Asia/Shanghai")
        assert week.served_minutes == 45 + 30  # the paper record is 12 days old
