"""The dashboard in a real browser: its table equals numbers counted independently from the database
for the operator's subtree and period, another street's work stays out, and the charts are drawn."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from backend.fulfilment.ratings import rate
from backend.models import Order, Person, Rating, Station
from backend.models.base import utcnow
from backend.orders.backfill import PaperRecord, backfill
from backend.orders.service import get_order, transition
from tests.web.conftest import shot
from tests.web.console_world import OTHER_STREET, TZ, completed_order, db, login, open_order, person_id


def seed_activity(web_app) -> None:
    """Work of every kind the dashboard counts, in both streets."""
    rated = completed_order(web_app, "zhou", "he", minutes=45)
    with db(web_app) as s:
        rate(s, rated, by_person_id=person_id(web_app, "zhou"), stars=1, comment=None, complaint=False,
             channel="phone", at=utcnow())
    completed_order(web_app, "wu", "lin", minutes=120)
    completed_order(web_app, "zheng", "ma", minutes=30)  # 玄武门街道: never in 湖南路街道's numbers
    expired = open_order(web_app, "wu")
    escalated = open_order(web_app, "zhou")
    huang, wu = person_id(web_app, "huang"), person_id(web_app, "wu")
    with db(web_app) as s:
        transition(s, get_order(s, expired), "expired", actor="system:dispatch", channel="operator", reason="无人接单")
        get_order(s, escalated).escalated_at = utcnow()
        started = datetime.now(TZ).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=12)
        backfill(s, PaperRecord(volunteer_id=huang, recipient_id=wu,
                                service_slug="errand", started_at=started, ended_at=started + timedelta(minutes=75),
                                reason="停电", recorded_by="operator:1"),
                 policy=web_app.state.policy, now=utcnow(), today=datetime.now(TZ).date())


def expected(web_app, station: str, days: int) -> dict[str, str]:
    """The dashboard's numbers, counted in Python from whole tables (no shared query code)."""
    since = datetime.now(timezone.utc) - timedelta(days=days)
    with db(web_app) as s:
        top = s.scalar(select(Station.path).where(Station.name == station))
        inside = {st.id for st in s.scalars(select(Station)) if st.path.startswith(top)}
        people = [p for p in s.scalars(select(Person)) if p.station_id in inside and p.status != "closed"]
        orders = {o.id: o for o in s.scalars(select(Order)) if o.station_id in inside}
        ratings = [r for r in s.scalars(select(Rating))
                   if r.order_id in orders and r.role == "recipient" and r.at >= since]
    created = [o for o in orders.values() if o.created_at >= since]
    matched = [o for o in created if not o.paper_backfill]
    stars = Counter(r.stars for r in ratings)
    numbers = {
        "elders": sum(p.is_elder for p in people), "volunteers": sum(p.is_volunteer for p in people),
        "served_minutes": sum(o.served_minutes or 0 for o in orders.values()
                              if o.state in ("completed", "rated") and o.start_at >= since),
        "orders_created": len(created), "ratings": len(ratings),
        "low_ratings": sum(n for star, n in stars.items() if star <= 2), "matched_orders": len(matched),
        "unmatched_orders": sum(1 for o in matched if o.state == "expired" or o.escalated_at is not None),
        "rating_avg": f"{sum(r.stars for r in ratings) / len(ratings):.2f}" if ratings else "—",
        **{f"stars_{n}": stars.get(n, 0) for n in range(1, 6)},
        **{f"state_{state}": n for state, n in Counter(o.state for o in created).items()},
    }
    return {key: str(value) for key, value in numbers.items()}


def shown(page) -> dict[str, str]:
    return {cell.get_attribute("data-key"): cell.inner_text().strip() for cell in page.locator("td[data-key]").all()}


def test_dashboard__numbers_equal_independent_counts_for_the_subtree(web_app, page):
    seed_activity(web_app)
    login(page, web_app.url, "hunan_road")
    for days in (30, 7):
        page.goto(web_app.url + f"/console/?days={days}")
        numbers = expected(web_app, "湖南路街道", days)
        assert shown(page) == numbers
        assert int(numbers["served_minutes"]) > 0 and int(numbers["unmatched_orders"]) >= 2
    page.goto(web_app.url + "/console/?days=30")
    page.wait_for_selector("body[data-charts=drawn]")
    assert page.locator("#chart-served").bounding_box()["height"] > 100
    shot(page, "console-dashboard")


def test_dashboard__a_street_sees_only_its_subtree_and_the_city_sees_all(web_app, browser, page):
    seed_activity(web_app)
    login(page, web_app.url, "city_admin")
    page.goto(web_app.url + "/console/?days=90")
    city = shown(page)
    assert city == expected(web_app, "南京市", 90)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        xuanwu = phone.new_page()
        login(xuanwu, web_app.url, OTHER_STREET, web_app)
        xuanwu.goto(web_app.url + "/console/?days=90")
        street = shown(xuanwu)
        assert street == expected(web_app, "玄武门街道", 90)
        assert int(street["elders"]) < int(city["elders"])
        assert int(street["served_minutes"]) < int(city["served_minutes"])
        xuanwu.wait_for_selector("body[data-charts=drawn]")
        shot(xuanwu, "console-dashboard-phone")
    finally:
        phone.close()
