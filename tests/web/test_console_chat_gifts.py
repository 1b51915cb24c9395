"""Gifts and donations made in a family chat, as the chat proxy records them: ``record_answer`` links only
an entry the chat could have made (out of the member's or their consented elder's account, in the chat
channel, not yet linked), whatever id the assistant's event names; the chat page links the entry on the
giver's ledger page and that row links back to the chat, each only for an operator who may see both."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.api.app import create_app
from backend.chats import records
from backend.core.db import unit_of_work
from backend.ledger.operations import Actor, credit_service, donate
from backend.models import ChatMessage, FamilyLink
from tests import factories
from tests.backend.conftest import db_url, make_state  # noqa: F401 (db_url: SQLite and PostgreSQL, migrated)
from web.app import attach_web
from web.auth import sessions

NOW = datetime.now(timezone.utc) - timedelta(minutes=5)


@pytest.fixture
def world(db_url):
    """Member 王强 (湖南路, street A) chats; his consented mother 王秀英 lives in 玄武门 (street B); 李四,
    a stranger in street A, also donated through a chat of his own."""
    state = make_state(db_url, policy="demo")
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        member = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=45, name="王强")
        elder = factories.person(s, state.policy, tree["comm_b"], roles=("elder", "volunteer"), age=70, name="王秀英")
        stranger = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=50, name="李四")
        s.add(FamilyLink(elder_id=elder.id, member_id=member.id, relation="child", consent="consented"))
        for person in (member, elder, stranger):
            credit_service(s, volunteer_id=person.id, station_id=person.station_id, served_minutes=600,
                           tier="ordinary", policy=state.policy, actor=Actor("system:test", "system"))

        def donation(person, channel="chat"):
            return donate(s, from_id=person.id, minutes=60, policy=state.policy,
                          actor=Actor("service:bot", channel)).seq
        entries = {"own": donation(member), "elder": donation(elder), "stranger": donation(stranger),
                   "by_phone": donation(member, "phone")}
        chat = records.current_or_new(s, member.id, NOW)
        records.add(s, chat, records.MEMBER, "把我妈妈的一个时间币捐给基金", now=NOW)
        ids = {"chat": chat.id, "member": member.id, "elder": elder.id, "stranger": stranger.id,
               **{name: factories.operator(s, tree[street], name).id
                  for name, street in (("a_reviewer", "street_a"), ("b_reviewer", "street_b"),
                                       ("city_reviewer", "city"))}}
    app = attach_web(create_app(state=state))

    def client(name: str) -> TestClient:
        with unit_of_work(state.sessions) as s:
            token, _ = sessions.start(s, "console", ids[name], datetime.now(timezone.utc))
        c = TestClient(app, follow_redirects=False, headers={"Accept": "text/html"})
        c.cookies.set(sessions.COOKIE_NAMES["console"], token)
        return c
    yield state, ids, entries, client
    state.engine.dispose()


def answer(state, chat_id: int, entry_seqs: list[int]) -> list[int | None]:
    with unit_of_work(state.sessions) as s:
        chat = s.get(records.Chat, chat_id)
        records.record_answer(s, chat, ["好的，已经捐了。"], [], now=NOW, entry_seqs=entry_seqs)
        return [m.entry_seq for m in records.messages(s, chat_id) if m.kind == "gift"]


def test_record_answer__links_the_members_and_their_elders_gifts_not_a_forged_or_repeated_one(world):
    state, ids, entries, _ = world
    forged = [entries["stranger"], entries["by_phone"], 999_999]
    assert answer(state, ids["chat"], forged) == []  # another person's, another channel's, a missing one
    assert answer(state, ids["chat"], [entries["elder"], entries["own"], entries["elder"]]) == [entries["elder"],
                                                                                                entries["own"]]
    with unit_of_work(state.sessions) as s:  # the stranger's own chat cannot take the member's entry either
        other = records.current_or_new(s, ids["stranger"], NOW)
        records.record_answer(s, other, [], [], now=NOW, entry_seqs=[entries["own"], entries["stranger"]])
        linked = s.scalars(select(ChatMessage.entry_seq).where(ChatMessage.chat_id == other.id,
                                                               ChatMessage.entry_seq.is_not(None))).all()
    assert linked == [entries["stranger"]]


def test_chat_page_and_ledger_page_link_each_other_for_an_operator_who_sees_both(world):
    state, ids, entries, client = world
    answer(state, ids["chat"], [entries["elder"], entries["own"]])
    chat_url = f'href="/console/chats/{ids["chat"]}"'

    def ledger_link(person: str, entry: str) -> str:
        return f'href="/console/people/{ids[person]}/ledger?entry={entries[entry]}#entry-{entries[entry]}"'

    city = client("city_reviewer")
    page = city.get(f"/console/chats/{ids['chat']}").text
    assert "捐赠" in page and ledger_link("elder", "elder") in page and ledger_link("member", "own") in page
    assert "王秀英的账目" in page and "1个时间币" in page
    for person, entry in (("elder", "elder"), ("member", "own")):
        ledger = city.get(f"/console/people/{ids[person]}/ledger?entry={entries[entry]}")
        assert ledger.status_code == 200 and f'id="entry-{entries[entry]}"' in ledger.text
        assert ledger.text.count(chat_url) == 1

    street_a = client("a_reviewer")  # sees the chat and the member, not the elder in street B
    page = street_a.get(f"/console/chats/{ids['chat']}").text
    assert ledger_link("member", "own") in page and ledger_link("elder", "elder") not in page
    assert "王秀英" not in page and page.count('class="badge">捐赠') == 2
    assert chat_url in street_a.get(f"/console/people/{ids['member']}/ledger").text

    street_b = client("b_reviewer")  # sees the elder's ledger, not the chat of street A
    ledger = street_b.get(f"/console/people/{ids['elder']}/ledger?entry={entries['elder']}")
    assert ledger.status_code == 200 and f'id="entry-{entries["elder"]}"' in ledger.text and chat_url not in ledger.text
    assert street_b.get(f"/console/chats/{ids['chat']}").status_code == 404
