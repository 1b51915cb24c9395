"""Volunteers racing for one open order through the volunteer pages: exactly one wins, the others are
told it is taken, and nothing of theirs is stored. A declined offer goes on to the next volunteer."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import httpx
from sqlalchemy import func, select

from backend.models import AuditEntry, Offer, OrderTransition
from tests.web import volunteer_world as vw
from web.auth import sessions

RACERS = 6


def _session_of(web_app, person_id: int) -> tuple[str, str]:
    with vw.db(web_app) as s:
        token, row = sessions.start(s, "volunteer", person_id, datetime.now(timezone.utc))
        return token, row.csrf_token


def _accept(web_app, order_id: int, credentials: tuple[str, str]) -> httpx.Response:
    token, csrf = credentials
    with httpx.Client(base_url=web_app.url, cookies={"yl_volunteer": token}, headers={"Accept": "text/html"},
                      timeout=60) as client:
        return client.post(f"/volunteer/offers/{order_id}/accept", data={"csrf_token": csrf})


def test_of_simultaneous_accepts_exactly_one_wins(web_app):
    home = vw.place()
    elder_id = vw.elder(web_app, home)
    racers = [vw.volunteer(web_app, vw.north_of(home, 100 * (n + 1)), name=f"志愿者{n}")[0] for n in range(RACERS)]
    order_id = vw.open_order(web_app, elder_id)
    credentials = [_session_of(web_app, person_id) for person_id in racers]
    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(lambda c: _accept(web_app, order_id, c), credentials))
    codes = sorted(a.status_code for a in answers)
    assert codes == [303] + [409] * (RACERS - 1), codes
    for answer in answers:
        if answer.status_code == 409:
            assert "这个订单已经被别人接了" in answer.text
    winner = racers[[a.status_code for a in answers].index(303)]
    row = vw.order_row(web_app, order_id)
    assert row["state"] == "accepted" and row["volunteer_id"] == winner
    with vw.db(web_app) as s:
        accepted = s.scalar(select(func.count()).select_from(OrderTransition).where(
            OrderTransition.order_id == order_id, OrderTransition.to_state == "accepted"))
        audits = s.scalars(select(AuditEntry.actor).where(AuditEntry.target == f"order:{order_id}")).all()
    assert accepted == 1 and audits == [f"person:{winner}"]


def test_a_declined_offer_goes_to_the_next_volunteer(web_app):
    home = vw.place()
    elder_id = vw.elder(web_app, home)
    first, _ = vw.volunteer(web_app, vw.north_of(home, 200), name="近的")
    second, _ = vw.volunteer(web_app, vw.north_of(home, 2000), name="远的")
    order_id = vw.open_order(web_app, elder_id, offer=True)
    offered = vw.order_row(web_app, order_id)["volunteer_id"]
    other = second if offered == first else first
    token, csrf = _session_of(web_app, offered)
    with httpx.Client(base_url=web_app.url, cookies={"yl_volunteer": token}, headers={"Accept": "text/html"}) as c:
        assert c.post(f"/volunteer/offers/{order_id}/decline", data={"csrf_token": csrf}).status_code == 303
        again = c.post(f"/volunteer/offers/{order_id}/decline", data={"csrf_token": csrf})
    assert again.status_code == 409 and "这个订单没有派给您" in again.text
    row = vw.order_row(web_app, order_id)
    assert row["state"] == "assigned" and row["volunteer_id"] == other
    with vw.db(web_app) as s:
        outcomes = dict(s.execute(select(Offer.volunteer_id, Offer.outcome).where(Offer.order_id == order_id)).all())
    assert outcomes == {offered: "declined", other: "pending"}
