"""Exchanging coins for goods: the ledger's goods share and balance, stock, the one-time code, retries,
reversal; each refusal a Chinese message and nothing stored (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.core.errors import Conflict, IdempotencyConflict, InsufficientBalance, NotFound, PolicyViolation
from backend.ledger.accounts import person_account
from backend.ledger.operations import Actor, donate, goods_share_left
from backend.ledger.records import Kind
from backend.ledger.verify import verify
from backend.mall import redemption
from backend.models import LedgerEntry, MallRedemption
from tests.backend.conftest import make_state, row_counts
from tests.backend.mall import world as mw

TODAY = date(2026, 12, 3)
NOW = datetime(2026, 12, 3, 6, 0, tzinfo=timezone.utc)
TZ = "Asia/Shanghai"


@pytest.fixture
def mall_state(db_url):
    state = make_state(db_url, policy="demo")
    yield state
    state.engine.dispose()


def _redeem(state, person_id, goods_id, key="k-1"):
    with unit_of_work(state.sessions) as s:
        row, created = redemption.redeem(s, person_id=person_id, goods_id=goods_id, key=key, policy=state.policy,
                                         today=TODAY)
        return row.id, row.code, created


def _balance(state, person_id):
    with unit_of_work(state.sessions) as s:
        return person_account(s, person_id).balance


def _refused(state, error, work):
    """``work`` raises ``error``; afterwards no table has a row more or less and the stock is as it was."""
    before = row_counts(state)
    with pytest.raises(error) as caught:
        with unit_of_work(state.sessions) as s:
            work(s)
    assert row_counts(state) == before
    return caught.value


def test_redeem__takes_the_price_and_one_item_and_gives_a_code(mall_state):
    world = mw.build(mall_state)
    person = mw.volunteer(mall_state, world, earned_hours=10)  # 40 years old: goods need no 60+ holder
    _id, code, created = _redeem(mall_state, person, world.goods_id)
    assert created and len(code) == 8 and set(code) <= set(redemption.CODE_ALPHABET)
    assert _balance(mall_state, person) == 10 * 60 - 180
    assert mw.stock(mall_state, world.goods_id) == 4
    with unit_of_work(mall_state.sessions) as s:
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.kind == Kind.GOODS_REDEMPTION))
        assert entry.memo == "兑换物品：大米5斤" and entry.actor == f"person:{person}"
        assert verify(s).ok


def test_redeem__the_same_key_again_makes_one_redemption(mall_state):
    world = mw.build(mall_state)
    person = mw.volunteer(mall_state, world, earned_hours=10)
    first = _redeem(mall_state, person, world.goods_id, key="tap")
    again = _redeem(mall_state, person, world.goods_id, key="tap")
    assert again[:2] == first[:2] and again[2] is False
    assert _balance(mall_state, person) == 10 * 60 - 180 and mw.stock(mall_state, world.goods_id) == 4
    with unit_of_work(mall_state.sessions) as s:
        assert len(s.scalars(select(MallRedemption)).all()) == 1
    _refused(mall_state, IdempotencyConflict, lambda s: redemption.redeem(
        s, person_id=person, goods_id=world.goods_id + 999, key="tap", policy=mall_state.policy, today=TODAY))


def test_redeem__beyond_the_goods_share_is_refused_and_nothing_stored(mall_state):
    world = mw.build(mall_state)
    person = mw.volunteer(mall_state, world, earned_hours=5)  # 50 % of 5 coins: 2.5 coins for goods, price 3
    error = _refused(mall_state, PolicyViolation, lambda s: redemption.redeem(
        s, person_id=person, goods_id=world.goods_id, key="k", policy=mall_state.policy, today=TODAY))
    assert error.code == "goods_share" and error.message == "兑换物品最多用50%的时间币。"
    assert mw.stock(mall_state, world.goods_id) == 5 and _balance(mall_state, person) == 300


def test_redeem__beyond_the_balance_is_refused_and_nothing_stored(mall_state):
    world = mw.build(mall_state)
    person = mw.volunteer(mall_state, world, earned_hours=10)  # share 5 coins, but 8 given to the fund
    with unit_of_work(mall_state.sessions) as s:
        donate(s, from_id=person, minutes=8 * 60, policy=mall_state.policy, actor=Actor("person", "web"))
    error = _refused(mall_state, InsufficientBalance, lambda s: redemption.redeem(
        s, person_id=person, goods_id=world.goods_id, key="k", policy=mall_state.policy, today=TODAY))
    assert error.message == "您的时间币不够。"
    assert mw.stock(mall_state, world.goods_id) == 5 and _balance(mall_state, person) == 120


def test_redeem__out_of_stock_is_refused_and_nothing_stored(mall_state):
    world = mw.build(mall_state)
    people = [mw.volunteer(mall_state, world, earned_hours=10) for _ in range(6)]
    for person in people[:5]:
        _redeem(mall_state, person, world.goods_id)
    assert mw.stock(mall_state, world.goods_id) == 0
    error = _refused(mall_state, Conflict, lambda s: redemption.redeem(
        s, person_id=people[5], goods_id=world.goods_id, key="k", policy=mall_state.policy, today=TODAY))
    assert error.code == "out_of_stock" and error.message == "这件物品已经兑换完了。"
    assert _balance(mall_state, people[5]) == 600 and mw.stock(mall_state, world.goods_id) == 0


def test_redeem__a_policy_without_goods_refuses(db_url):
    state = make_state(db_url)  # default: Beijing/Zhengzhou "不兑换资金或实物"
    try:
        world = mw.build(state)
        person = mw.volunteer(state, world, earned_hours=10)
        error = _refused(state, PolicyViolation, lambda s: redemption.redeem(
            s, person_id=person, goods_id=world.goods_id, key="k", policy=state.policy, today=TODAY))
        assert error.code == "goods_not_allowed"
    finally:
        state.engine.dispose()


def test_collect__confirms_once_and_a_reused_code_changes_nothing(mall_state):
    world = mw.build(mall_state)
    person = mw.volunteer(mall_state, world, earned_hours=10)
    rid, code, _ = _redeem(mall_state, person, world.goods_id)
    with unit_of_work(mall_state.sessions) as s:
        row = redemption.collect(s, partner_id=world.partner_id, code=f"{code[:4]}-{code[4:].lower()}", at=NOW, tz=TZ)
        assert row.status == "collected" and row.collected_by == world.partner_id
    error = _refused(mall_state, Conflict, lambda s: redemption.collect(
        s, partner_id=world.partner_id, code=code, at=NOW, tz=TZ))
    assert error.code == "code_used" and error.message == "这个领取码已经用过了（12月3日 14:00领取），不能再领。"
    with unit_of_work(mall_state.sessions) as s:
        assert s.get(MallRedemption, rid).collected_at == NOW


@pytest.mark.parametrize("whose", ["unknown", "another partner's"])
def test_collect__an_unknown_code_or_another_partners_is_not_found(mall_state, whose):
    world = mw.build(mall_state)
    person = mw.volunteer(mall_state, world, earned_hours=10)
    _rid, code, _ = _redeem(mall_state, person, world.goods_id)
    partner, typed = ((world.partner_id, "ZZZZ2222") if whose == "unknown" else (world.other_partner_id, code))
    error = _refused(mall_state, NotFound, lambda s: redemption.collect(s, partner_id=partner, code=typed, at=NOW, tz=TZ))
    assert error.message == "没有这个领取码，请核对后再输入。"


def test_reverse__gives_coins_stock_and_goods_share_back_and_the_code_dies(mall_state):
    world = mw.build(mall_state)
    person = mw.volunteer(mall_state, world, earned_hours=6)  # share: 3 coins, exactly one item
    rid, code, _ = _redeem(mall_state, person, world.goods_id)
    with unit_of_work(mall_state.sessions) as s:
        assert goods_share_left(s, person_account(s, person).id, mall_state.policy) == 0
        row = redemption.reverse(s, s.get(MallRedemption, rid), reason="志愿者不要了", actor="operator:1", at=NOW)
        assert row.status == "reversed" and row.reversal_seq is not None
        assert goods_share_left(s, person_account(s, person).id, mall_state.policy) == 180
        assert verify(s).ok
    assert _balance(mall_state, person) == 360 and mw.stock(mall_state, world.goods_id) == 5
    error = _refused(mall_state, Conflict, lambda s: redemption.collect(
        s, partner_id=world.partner_id, code=code, at=NOW, tz=TZ))
    assert error.message == "这次兑换已经撤销，不能领取。"
    error = _refused(mall_state, Conflict, lambda s: redemption.reverse(
        s, s.get(MallRedemption, rid), reason="再来一次", actor="operator:1", at=NOW))
    assert error.code == "already_reversed"


def test_reverse__a_collected_item_or_no_reason_is_refused(mall_state):
    world = mw.build(mall_state)
    person = mw.volunteer(mall_state, world, earned_hours=10)
    rid, code, _ = _redeem(mall_state, person, world.goods_id)
    error = _refused(mall_state, Exception, lambda s: redemption.reverse(
        s, s.get(MallRedemption, rid), reason="  ", actor="operator:1", at=NOW))
    assert error.code == "reason_required"
    with unit_of_work(mall_state.sessions) as s:
        redemption.collect(s, partner_id=world.partner_id, code=code, at=NOW, tz=TZ)
    error = _refused(mall_state, Conflict, lambda s: redemption.reverse(
        s, s.get(MallRedemption, rid), reason="误操作", actor="operator:1", at=NOW))
    assert error.message == "物品已经领走了，不能撤销。"
