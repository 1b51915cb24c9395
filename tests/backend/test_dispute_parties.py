"""What the parties read about a case (``backend.disputes.parties``), on a real database (SQLite and
PostgreSQL): the stage (opened, looking once the other side is heard, decided), each decision in plain
words with the coins it moved for that side (the balances' real change, in ``coins_text``), only their
own side's words; the family member sees the cases of the elders they act for with consent, the
volunteer those of their own services, and anyone else's case is NotFound."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.core.errors import NotFound
from backend.disputes import cases, parties
from backend.fulfilment.visits import check_in, check_out
from backend.ledger.coin_words import coins_text
from backend.matching.dispatch import accept
from backend.models import Account, Dispute, FamilyLink, Order
from tests import factories
from tests.backend import authz_world as w

TZ = "Asia/Shanghai"


@pytest.fixture
def world(state):
    return w.build(state)


def served_case(world, which: str = "a") -> tuple[int, int]:
    """(order id, case id): a service credited and paid for at the elder's door, and the elder's complaint."""
    order_id = w.open_order(world, which)
    volunteer = world.volunteers[which]
    with unit_of_work(world.state.sessions) as s:
        order = accept(s, order_id, volunteer, channel="phone", now=datetime.now(timezone.utc))
        check_in(s, order_id, volunteer, lat=order.lat, lon=order.lon, at=order.start_at)
    with unit_of_work(world.state.sessions) as s:
        order = s.get(Order, order_id)
        check_out(s, order_id, volunteer, lat=order.lat, lon=order.lon, at=order.start_at + timedelta(minutes=60),
                  policy=world.state.policy, tz=TZ)
        case = cases.open_case(s, order, cases.complaint("elder", "只待了半小时", "chat"), actor="operator:1",
                               now=datetime.now(timezone.utc))[0]
        return order_id, case.id


def balance(world, person_id: int) -> int:
    with world.state.sessions() as s:
        return s.scalar(select(Account.balance).where(Account.person_id == person_id))


def decide(world, case_id: int, decision: str, minutes: int | None = None) -> None:
    with unit_of_work(world.state.sessions) as s:
        cases.decide(s, s.get(Dispute, case_id), cases.check_decision(decision, reason="核实过", credited_minutes=minutes),
                     operator_id=None, actor="operator:1", policy=world.state.policy, tz=TZ,
                     now=datetime.now(timezone.utc))


def views(world, case_id: int) -> tuple[parties.CaseView, parties.CaseView]:
    with world.state.sessions() as s:
        case = s.get(Dispute, case_id)
        return parties.view(s, case, "elder", TZ), parties.view(s, case, "volunteer", TZ)


def test_view__opened_then_looking_once_the_volunteer_is_heard_each_side_sees_its_own_words(world):
    _order, case_id = served_case(world)
    family, volunteer = views(world, case_id)
    assert (family.stage, family.stage_zh, family.text) == ("opened", "已登记", "已登记，工作人员会尽快核实。")
    assert volunteer.text == "老人一方对这次服务有意见，工作人员会联系您了解情况。"
    assert (family.own_words, volunteer.own_words) == (["只待了半小时"], [])
    with unit_of_work(world.state.sessions) as s:
        cases.add_statement(s, s.get(Dispute, case_id), "volunteer", "我待满了一小时", heard_via="phone",
                            actor="operator:1", now=datetime.now(timezone.utc))
    family, volunteer = views(world, case_id)
    assert family.stage == volunteer.stage == "looking" and family.stage_zh == "核实中"
    assert (family.own_words, volunteer.own_words) == (["只待了半小时"], ["我待满了一小时"])
    assert family.decided is None and family.coins == volunteer.coins == 0


@pytest.mark.parametrize("decision, minutes", [("revoke", None), ("partial", 40)])
def test_view__a_decision_says_what_it_moved_for_each_side(world, decision, minutes):
    order_id, case_id = served_case(world)
    elder, volunteer_id = world.elders["a"], world.volunteers["a"]
    before = balance(world, elder), balance(world, volunteer_id)
    decide(world, case_id, decision, minutes)
    refunded, clawed = balance(world, elder) - before[0], before[1] - balance(world, volunteer_id)
    assert refunded == clawed == (60 if decision == "revoke" else 20)
    family, volunteer = views(world, case_id)
    assert (family.stage, family.stage_zh, family.coins, volunteer.coins) == ("decided", "已处理", refunded, -clawed)
    how = "这次服务不算" if decision == "revoke" else "服务按40分钟记"
    assert family.decided == volunteer.decided == {"revoke": "撤销服务", "partial": "部分核减"}[decision]
    assert family.text == f"{how}，{coins_text(refunded)}退回老人a的账户。"
    assert volunteer.text == f"{how}，从您的账户扣回{coins_text(clawed)}。"


def test_view__upheld_nothing_moves(world):
    _order, case_id = served_case(world)
    decide(world, case_id, "uphold")
    family, volunteer = views(world, case_id)
    assert family.decided == "维持原记录" and family.coins == volunteer.coins == 0
    assert family.text == "经核实，服务记录不变，时间币不变。"
    assert volunteer.text == "经核实，服务记录不变，服务时长照记。"


def test_family_case__only_the_elders_the_member_acts_for_with_consent(world):
    _order, mine = served_case(world)
    _order_b, theirs = served_case(world, "b")
    with unit_of_work(world.state.sessions) as s:
        member = factories.person(s, world.state.policy, world.street("a"), roles=("family",), age=45, name="家属").id
        pending = factories.person(s, world.state.policy, world.street("a"), roles=("family",), age=46, name="家属二").id
        s.add(FamilyLink(elder_id=world.elders["a"], member_id=member, relation="child", consent="consented"))
        s.add(FamilyLink(elder_id=world.elders["a"], member_id=pending, relation="child", consent="pending"))
    with world.state.sessions() as s:
        now = datetime.now(timezone.utc)
        assert [c.id for c in parties.for_family(s, member, now)] == [mine]
        assert parties.for_family(s, pending, now) == []
        assert parties.family_case(s, member, mine).id == mine
        for who, case_id in ((member, theirs), (pending, mine), (member, 99_999_999)):
            with pytest.raises(NotFound) as refused:
                parties.family_case(s, who, case_id)
            assert refused.value.message == "没有找到这个投诉。"


def test_volunteer_case__only_their_own_services(world):
    _order, mine = served_case(world)
    _order_b, theirs = served_case(world, "b")
    with world.state.sessions() as s:
        now = datetime.now(timezone.utc)
        assert [c.id for c in parties.for_volunteer(s, world.volunteers["a"], now)] == [mine]
        assert parties.volunteer_case(s, world.volunteers["a"], mine).id == mine
        for case_id in (theirs, 99_999_999):
            with pytest.raises(NotFound):
                parties.volunteer_case(s, world.volunteers["a"], case_id)


def test_lists__a_decision_older_than_sixty_days_leaves_the_lists_but_not_its_page(world):
    _order, case_id = served_case(world)
    decide(world, case_id, "uphold")
    with unit_of_work(world.state.sessions) as s:
        s.get(Dispute, case_id).decided_at = datetime.now(timezone.utc) - timedelta(days=61)
    with world.state.sessions() as s:
        assert parties.for_volunteer(s, world.volunteers["a"], datetime.now(timezone.utc)) == []
        assert parties.volunteer_case(s, world.volunteers["a"], case_id).id == case_id
