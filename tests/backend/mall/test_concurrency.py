"""Redemptions at the same moment on PostgreSQL (threads, one session each): the last item goes to exactly
one volunteer, and a form sent twice at once (same key) makes one redemption and one ledger entry."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.core.errors import Conflict, YinlingError
from backend.ledger.verify import verify
from backend.mall import catalogue, redemption
from backend.models import LedgerEntry, MallGoods, MallRedemption
from tests.backend.conftest import make_state
from tests.backend.ledger.databases import fresh_url
from tests.backend.mall import world as mw

THREADS = 6


@pytest.fixture
def pg_state(tmp_path):
    with fresh_url("postgres", tmp_path) as url:
        state = make_state(url, "demo")
        yield state
        state.engine.dispose()


def _at_once(work, arguments):
    barrier = threading.Barrier(len(arguments))
    outcomes = [None] * len(arguments)

    def run(i, argument):
        barrier.wait()
        try:
            outcomes[i] = work(argument)
        except YinlingError as exc:
            outcomes[i] = exc
    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(arguments)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _redeem(state, person_id, goods_id, key):
    with unit_of_work(state.sessions) as s:
        row, created = redemption.redeem(s, person_id=person_id, goods_id=goods_id, key=key, policy=state.policy,
                                         today=date(2026, 12, 3))
        return row.id, created


def test_the_last_item_goes_to_exactly_one_of_many_at_once(pg_state):
    world = mw.build(pg_state)
    with unit_of_work(pg_state.sessions) as s:
        goods = s.get(MallGoods, world.goods_id)
        catalogue.restock(s, goods, -4)  # one left
    people = [mw.volunteer(pg_state, world, earned_hours=10) for _ in range(THREADS)]
    outcomes = _at_once(lambda person: _redeem(pg_state, person, world.goods_id, "k"), people)
    won = [o for o in outcomes if isinstance(o, tuple)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) == 1 and len(lost) == THREADS - 1
    assert all(isinstance(e, Conflict) and e.code == "out_of_stock" for e in lost)
    assert mw.stock(pg_state, world.goods_id) == 0
    with unit_of_work(pg_state.sessions) as s:
        assert s.scalar(select(func.count()).select_from(MallRedemption)) == 1
        assert s.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "goods_redemption")) == 1
        assert verify(s).ok


def test_the_same_form_sent_several_times_at_once_makes_one_redemption(pg_state):
    world = mw.build(pg_state)
    person = mw.volunteer(pg_state, world, earned_hours=10)
    outcomes = _at_once(lambda _: _redeem(pg_state, person, world.goods_id, "double-tap"), range(THREADS))
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert len({o[0] for o in outcomes}) == 1 and sum(o[1] for o in outcomes) == 1
    assert mw.stock(pg_state, world.goods_id) == 4
    with unit_of_work(pg_state.sessions) as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "goods_redemption")) == 1
