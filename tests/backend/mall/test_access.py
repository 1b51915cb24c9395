"""The mall's operator actions through the gate: another street's records answer 404 and change
nothing, a clerk is refused, a decision writes one audit entry; benefits and their codes."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from backend.access import mall as mall_actions
from backend.access.principal import Principal
from backend.core.db import unit_of_work
from backend.core.errors import Forbidden, NotFound, PolicyViolation
from backend.mall import benefits, catalogue, redemption
from backend.models import AuditEntry, MallGoods, Station
from tests.backend.conftest import make_state, row_counts
from tests.backend.mall import world as mw

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=timezone.utc)
SECRET = "test-secret-key-0123456789"


@pytest.fixture
def mall_state(sqlite_url):
    state = make_state(sqlite_url, policy="demo")
    yield state
    state.engine.dispose()


def _operator(state, world, street: str, role: str = "reviewer") -> Principal:
    with unit_of_work(state.sessions) as s:
        path = s.get(Station, world.tree[street]).path
    return Principal(kind="operator", name=f"operator:{street}", operator_id=1, role=role, scope_path=path,
                     city_level=False)


def _refused(state, error, work):
    before = row_counts(state)
    with pytest.raises(error) as caught:
        with unit_of_work(state.sessions) as s:
            work(s)
    assert row_counts(state) == before
    return caught.value


def _redemption(state, world) -> int:
    person = mw.volunteer(state, world, earned_hours=10)
    with unit_of_work(state.sessions) as s:
        row, _ = redemption.redeem(s, person_id=person, goods_id=world.goods_id, key="k", policy=state.policy,
                                   today=date(2026, 12, 3))
        return row.id


def test_another_streets_operator_gets_not_found_for_goods_partner_and_redemption(mall_state):
    world = mw.build(mall_state)
    rid = _redemption(mall_state, world)
    other = _operator(mall_state, world, "street_b")
    error = _refused(mall_state, NotFound, lambda s: mall_actions.restock(s, other, world.goods_id, 3))
    assert error.message == "没有找到这个物品，或者它不在您的管辖范围内。"
    _refused(mall_state, NotFound, lambda s: mall_actions.reverse_redemption(s, other, rid, reason="错了", at=NOW))
    _refused(mall_state, NotFound, lambda s: mall_actions.save_goods(s, other, catalogue.GoodsForm(
        name="毛巾", price="1", pickup="这里", partner_id=world.partner_id)))
    _refused(mall_state, NotFound, lambda s: mall_actions.save_partner(s, other, catalogue.PartnerForm(
        name="越权", kind="shop", station_id=world.tree["street_a"], address="", login="sneaky")))
    assert mw.stock(mall_state, world.goods_id) == 4


def test_a_clerk_may_not_keep_the_catalogue_or_reverse(mall_state):
    world = mw.build(mall_state)
    rid = _redemption(mall_state, world)
    clerk = _operator(mall_state, world, "street_a", role="clerk")
    error = _refused(mall_state, Forbidden, lambda s: mall_actions.restock(s, clerk, world.goods_id, 3))
    assert error.message == "只有审核员或管理员可以做这件事。"
    _refused(mall_state, Forbidden, lambda s: mall_actions.reverse_redemption(s, clerk, rid, reason="错了", at=NOW))


def test_the_streets_reviewer_restocks_and_reverses_with_one_audit_entry_each(mall_state):
    world = mw.build(mall_state)
    rid = _redemption(mall_state, world)
    reviewer = _operator(mall_state, world, "street_a")
    with unit_of_work(mall_state.sessions) as s:
        done = mall_actions.restock(s, reviewer, world.goods_id, 10, reason="新到一批")
        assert done.entry.action == "mall.goods.restock" and done.entry.reason == "新到一批"
        done = mall_actions.reverse_redemption(s, reviewer, rid, reason="志愿者搬家了", at=NOW)
        assert done.entry.target == f"mall_redemption:{rid}" and done.entry.reason == "志愿者搬家了"
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 2
        assert s.get(MallGoods, world.goods_id).stock == 15
    error = _refused(mall_state, Exception, lambda s: mall_actions.restock(s, reviewer, world.goods_id, -16))
    assert error.message == "库存不能少于0。"


def test_catalogue_forms_refuse_bad_input_in_chinese(mall_state):
    world = mw.build(mall_state)
    reviewer = _operator(mall_state, world, "street_a")
    cases = [(catalogue.GoodsForm(name="毛巾", price="0", pickup="这里", partner_id=world.partner_id), "价格要大于0"),
             (catalogue.GoodsForm(name="毛巾", price="abc", pickup="这里", partner_id=world.partner_id), "价格要填数字"),
             (catalogue.GoodsForm(name=" ", price="1", pickup="这里", partner_id=world.partner_id), "请填写物品名称")]
    for form, words in cases:
        error = _refused(mall_state, Exception, lambda s, form=form: mall_actions.save_goods(s, reviewer, form))
        assert words in error.message
    error = _refused(mall_state, Exception, lambda s: mall_actions.save_partner(s, reviewer, catalogue.PartnerForm(
        name="重名", kind="shop", station_id=world.tree["street_a"], address="", login="hunan_desk")))
    assert error.message == "这个登录名已经有人用了。"
    error = _refused(mall_state, Exception, lambda s: mall_actions.save_benefit(s, reviewer, catalogue.BenefitForm(
        partner_id=world.partner_id, offer="免费参观"), policy=mall_state.policy))
    assert error.message == "请填写星级或服务小时数，至少一项。"


def test_benefits__listed_when_qualified_with_a_code_the_partner_verifies(mall_state):
    world = mw.build(mall_state)
    reviewer = _operator(mall_state, world, "street_a")
    with unit_of_work(mall_state.sessions) as s:
        benefit = mall_actions.save_benefit(s, reviewer, catalogue.BenefitForm(
            partner_id=world.partner_id, offer="免费理发一次", min_stars="1"), policy=mall_state.policy).value.id
    star = mw.volunteer(mall_state, world, earned_hours=120)
    novice = mw.volunteer(mall_state, world, earned_hours=20)
    with unit_of_work(mall_state.sessions) as s:
        assert benefits.for_person(s, novice, mall_state.policy, SECRET) == []
        (held,) = benefits.for_person(s, star, mall_state.policy, SECRET)
        assert held.benefit.id == benefit and held.code.startswith(f"{benefit}-{star}-")
        found = benefits.verify(s, partner_id=world.partner_id, code=held.code.lower(), policy=mall_state.policy,
                                secret_key=SECRET)
        assert found.person.id == star and found.stars == "★☆☆☆☆ 一星级"
        for forged in (f"{benefit}-{novice}-{held.code.split('-')[2]}", "1-2", held.code[:-1] + "Q"):
            with pytest.raises(NotFound):
                benefits.verify(s, partner_id=world.partner_id, code=forged, policy=mall_state.policy,
                                secret_key=SECRET)
        with pytest.raises(NotFound):  # another partner's page
            benefits.verify(s, partner_id=world.other_partner_id, code=held.code, policy=mall_state.policy,
                            secret_key=SECRET)
        with pytest.raises(PolicyViolation):  # a genuine code of someone who does not qualify
            benefits.verify(s, partner_id=world.partner_id, code=benefits.code_for(SECRET, benefit, novice),
                            policy=mall_state.policy, secret_key=SECRET)


def test_the_plain_ledger_reversal_refuses_a_mall_redemption(mall_state):
    """Reversing its entry alone would leave a live collection code and the item out of stock."""
    from backend.access import ledger as ledger_actions
    from backend.core.errors import Conflict
    from backend.models import MallRedemption
    world = mw.build(mall_state)
    rid = _redemption(mall_state, world)
    with unit_of_work(mall_state.sessions) as s:
        seq = s.get(MallRedemption, rid).entry_seq
    reviewer = _operator(mall_state, world, "street_a")
    error = _refused(mall_state, Conflict, lambda s: ledger_actions.reversal(s, reviewer, seq=seq, reason="退回", key=None))
    assert "请在“商城”页面撤销" in error.message
