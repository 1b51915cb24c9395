"""Account ids remembered across transactions (``ledger.directory`` behind ``person_account_id`` and its
siblings): the same ids the ORM lookups give, never an account that was not committed, and never a way
round what is checked when the entry is appended (a frozen account stays frozen, a refusal stores nothing)."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from backend.core.db import unit_of_work
from backend.core.errors import AccountFrozen, NotFound
from backend.ledger import directory
from backend.ledger import operations as ops
from backend.ledger.accounts import (clearing_account, clearing_account_id, fund_account, fund_account_id,
                                     person_account, person_account_id)
from backend.ledger.appender import GroupAppender
from backend.people.registry import link_family, set_frozen
from tests import factories
from tests.backend.ledger.invariants import assert_ledger_sound, snapshot

ACTOR = ops.Actor("operator:test", "operator")


class _Rollback(Exception):
    pass


def _city(state):
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        a, b = (factories.person(s, state.policy, tree["comm_a"], name=f"账户{x}").id for x in "AB")
        ops.credit_service(s, volunteer_id=a, station_id=tree["comm_a"], served_minutes=120, tier="ordinary",
                           policy=state.policy, actor=ACTOR, key="dir-seed")
    return tree, a, b


def _statements(state):
    """A list that collects every SQL statement sent on the state's engine."""
    seen: list[str] = []
    event.listen(state.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_account_ids__equal_the_accounts_the_orm_lookups_find(state):
    tree, a, _ = _city(state)
    for _ in range(2):  # the first round looks them up, the second is served from memory
        with unit_of_work(state.sessions) as s:
            assert person_account_id(s, a) == person_account(s, a).id
            assert fund_account_id(s) == fund_account(s).id
            # A community and its street share their district's clearing account.
            assert (clearing_account_id(s, tree["comm_a"]) == clearing_account_id(s, tree["street_a"])
                    == clearing_account(s, tree["gulou"]).id)
            assert clearing_account_id(s, tree["comm_b"]) == clearing_account(s, tree["xuanwu"]).id
            assert clearing_account_id(s, tree["comm_b"]) != clearing_account_id(s, tree["comm_a"])


def test_account_ids__remembered_ids_need_no_queries(state):
    tree, a, b = _city(state)
    kwargs = dict(volunteer_id=b, station_id=tree["comm_a"], served_minutes=60, tier="ordinary",
                  policy=state.policy, actor=ACTOR)
    with unit_of_work(state.sessions) as s:
        ops.credit_service_request(s, **kwargs)
    seen = _statements(state)
    with unit_of_work(state.sessions) as s:
        request = ops.credit_service_request(s, **kwargs)
    assert seen == []
    assert [p.account_id for p in request.txn.postings] == [clearing_account_id(s, tree["comm_a"]),
                                                            person_account_id(s, b)]


def test_person_account_id__unknown_person_is_not_found_and_nothing_is_remembered(state):
    _city(state)
    with unit_of_work(state.sessions) as s, pytest.raises(NotFound) as caught:
        person_account_id(s, 987654)
    assert caught.value.code == "person_not_found"
    with state.sessions() as s:
        assert directory.lookup(s, "person:987654") is None


def test_person_account_id__an_account_opened_in_a_rolled_back_transaction_is_never_remembered(state):
    tree, _, _ = _city(state)
    with pytest.raises(_Rollback), unit_of_work(state.sessions) as s:
        ghost = factories.person(s, state.policy, tree["comm_a"], name="回滚的人").id  # opens its account
        assert person_account_id(s, ghost) == person_account(s, ghost).id
        raise _Rollback
    with state.sessions() as s:
        assert directory.lookup(s, f"person:{ghost}") is None
    with unit_of_work(state.sessions) as s:  # the id may be given to the next person: it must be theirs
        newcomer = factories.person(s, state.policy, tree["comm_a"], name="新来的人").id
    with unit_of_work(state.sessions) as s:
        assert person_account_id(s, newcomer) == person_account(s, newcomer).id
        if ghost != newcomer:
            with pytest.raises(NotFound):
                person_account_id(s, ghost)


@pytest.mark.parametrize("through", ["journal", "appender"])
def test_gift__remembered_account_that_was_frozen_since_is_refused_and_nothing_is_stored(state, through):
    tree, a, b = _city(state)
    gift = dict(from_id=a, to_id=b, minutes=10, policy=state.policy, actor=ACTOR)
    with unit_of_work(state.sessions) as s:
        link_family(s, a, b, "spouse", consent="consented")  # whatever the policy, a spouse may be given coins
        ops.gift(s, **gift, key="dir-g1")  # both ids are now remembered
    with unit_of_work(state.sessions) as s:
        assert directory.lookup(s, f"person:{a}") == person_account(s, a).id
        set_frozen(s, a, True)
        before = snapshot(s)
    appender = GroupAppender(state.sessions)
    try:
        with pytest.raises(AccountFrozen):
            if through == "journal":
                with unit_of_work(state.sessions) as s:
                    ops.gift(s, **gift, key="dir-g2")
            else:
                appender.perform(ops.gift_request, **gift, key="dir-g2")
    finally:
        appender.close()
    with unit_of_work(state.sessions) as s:
        assert snapshot(s) == before
        assert_ledger_sound(s)
