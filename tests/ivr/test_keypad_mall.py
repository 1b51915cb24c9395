"""The mall by phone (keypad 6) against the real backend, on a backend with the ``demo`` policy (50 % goods
share): a whole streamed keypad call exchanges once, speaks the code key by key and again on request, and a
second exchange beyond the goods share is refused with nothing stored; in the TwiML mode a webhook Twilio
sends again exchanges once; an unknown number, an item gone and a policy without goods exchange store
nothing."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.ledger.accounts import person_account
from backend.ledger.operations import Actor, credit_service
from backend.mall import catalogue, redemption
from backend.models import LedgerEntry, MallGoods, MallRedemption
from backend.policy import load_profile
from ivr import keypad, prompts
from tests import factories
from tests.backend.conftest import make_state
from tests.ivr.conftest import AUTH_TOKEN, PUBLIC_URL, Backend, call_record, place_call
from tests.ivr.servers import ServerThread
from tests.ivr.simulator import post_webhook
from tests.ivr.test_gather_keypad import GatherCaller
from tests.ivr.test_keypad_call import press

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory):
    """This module's own backend: the ``demo`` policy exchanges coins for goods (the session's does not)."""
    from backend.api.app import create_app
    state = make_state(f"sqlite:///{tmp_path_factory.mktemp('ivr-mall') / 'yinling.db'}", policy="demo")
    with unit_of_work(state.sessions) as session:
        stations = factories.station_tree(session)

    def new_elder(**extra):
        with unit_of_work(state.sessions) as session:
            person = factories.person(session, state.policy, stations["comm_a"], **extra)
            return {"id": person.id, "phone": person.phone}

    with ServerThread(create_app(state=state), "backend") as server:
        yield Backend(server.url, state, stations, new_elder)
    state.engine.dispose()


def goods(backend, name: str, price: str, stock: int, street: str = "street_a") -> int:
    with unit_of_work(backend.state.sessions) as s:
        partner = catalogue.save_partner(s, catalogue.PartnerForm(
            name=f"{name}服务台", kind="station", station_id=backend.stations[street], address="湖南路1号",
            login=f"desk_{factories.next_phone()[-6:]}", password="partner-pass-123"))
        return catalogue.save_goods(s, catalogue.GoodsForm(name=name, price=price, pickup=f"{name}服务台",
                                                           partner_id=partner.id), partner, stock=stock).id


def volunteer(backend, earned_hours: int) -> dict:
    state = backend.state
    with unit_of_work(state.sessions) as s:
        person = factories.person(s, state.policy, backend.stations["comm_a"], roles=("volunteer",), age=66,
                                  name="电话换物志愿者")
        credit_service(s, volunteer_id=person.id, station_id=person.station_id, served_minutes=earned_hours * 60,
                       tier="ordinary", policy=state.policy, actor=Actor("system:test", "system"), memo="导入")
        return {"id": person.id, "phone": person.phone}


def redemptions(backend, person_id: int) -> list[MallRedemption]:
    with unit_of_work(backend.state.sessions) as s:
        return list(s.scalars(select(MallRedemption).where(MallRedemption.person_id == person_id)))


def stock_and_balance(backend, goods_id: int, person_id: int) -> tuple[int, int]:
    with unit_of_work(backend.state.sessions) as s:
        return s.get(MallGoods, goods_id).stock, person_account(s, person_id).balance


def ledger_size(backend) -> int:
    with unit_of_work(backend.state.sessions) as s:
        return s.scalar(select(func.count()).select_from(LedgerEntry))


async def test_keypad_call_exchanges_once_speaks_the_code_and_refuses_beyond_the_share(backend, hotline_factory):
    rice = goods(backend, "大米5斤", "3", stock=2)
    goods(backend, "玄武门超市购物券", "1", stock=9, street="street_b")  # another street: not read out
    person = volunteer(backend, earned_hours=10)  # 10 coins, goods share 5
    call_sid = "CA" + "6d" * 16
    async with hotline_factory(backend_timeout_s=10) as line:  # the shared test machine is slow
        stream = await place_call(line, person["phone"], call_sid)
        await stream.wait_for(lambda: len(stream.marks) >= 2, what="keypad greeting")
        for digit in "61":  # the mall, then 大米5斤: the read-back
            await press(stream, digit, len(stream.marks))
        assert redemptions(backend, person["id"]) == []  # read back, not yet confirmed
        await press(stream, "1", len(stream.marks))  # confirmed: the code
        await press(stream, "1", len(stream.marks))  # the code again
        await press(stream, "2", len(stream.marks))  # back to the menu
        for digit in "61":
            await press(stream, digit, len(stream.marks))
        await press(stream, "1", len(stream.marks), expect_marks=2)  # refused + the menu
        await asyncio.sleep(0.3)
        await stream.stop()
        await asyncio.sleep(0.5)

    [row] = redemptions(backend, person["id"])
    assert row.goods_id == rice and row.status == "issued" and row.price_minutes == 180
    assert stock_and_balance(backend, rice, person["id"]) == (1, 10 * 60 - 180)
    record = call_record(backend, call_sid)
    assert record["person_id"] == person["id"] and record["status"] == "completed"
    assert [e["detail"] for e in record["events"] if e["kind"] == "dtmf"] == list("61112611")
    assert [e["detail"] for e in record["events"] if e["kind"] == "redemption"] == [
        f"mall redemption {row.id}: goods {rice}, 180 min"]
    said = [t["text"] for t in record["turns"] if t["speaker"] == "assistant"]
    assert "您有10个时间币。可以换的物品：大米5斤，3个时间币，按1。" in said
    assert said.count("兑换大米5斤，用3个时间币，按1确认，按2取消。") == 2
    code_said = prompts.KEYPAD_MALL_CODE.format(code=keypad.spell_code(redemption.show_code(row.code)),
                                                pickup="大米5斤服务台")
    assert said.count(code_said) == 2  # said, and again on 1
    assert said[-2:] == ["兑换物品最多用50%的时间币。", prompts.KEYPAD_MENU]
    assert stream.audio_seconds > 5


async def test_a_webhook_sent_again_exchanges_once(backend, hotline_factory):
    bus = goods(backend, "公交卡充值10元", "2", stock=3)
    person = volunteer(backend, earned_hours=10)
    call = {"CallSid": "CA" + "6e" * 16, "From": person["phone"]}
    async with hotline_factory(mode="gather", gather_speech=False, backend_timeout_s=10) as line:
        caller = GatherCaller(line, call)
        await caller.post("/ivr/voice")
        [listed] = await caller.press("6")
        assert listed.startswith("您有10个时间币。") and "公交卡充值10元，2个时间币，按1" in listed
        assert await caller.press("1") == ["兑换公交卡充值10元，用2个时间币，按1确认，按2取消。"]
        first = await caller.press("1")
        again = await caller.press("1")  # Twilio sends the same answer again
        await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/status", {**call, "CallStatus": "completed"})

    [row] = redemptions(backend, person["id"])
    assert first == again and redemption.show_code(row.code)[:4] in first[0].replace("、", "")
    assert "请到公交卡充值10元服务台领取" in first[0]
    assert stock_and_balance(backend, bus, person["id"]) == (2, 10 * 60 - 120)
    record = call_record(backend, call["CallSid"])
    assert len([e for e in record["events"] if e["kind"] == "redemption"]) == 1


async def test_refusals_store_nothing_unknown_number_out_of_stock_and_a_policy_without_goods(
        backend, hotline_factory, monkeypatch):
    eggs = goods(backend, "鸡蛋一盒", "1", stock=1)  # the cheapest: key 1
    person = volunteer(backend, earned_hours=10)
    async with hotline_factory(mode="gather", gather_speech=False, backend_timeout_s=10) as line:
        stranger = GatherCaller(line, {"CallSid": "CA" + "6f" * 16, "From": "+8613900000000"})
        await stranger.post("/ivr/voice")
        assert await stranger.press("6") == [prompts.KEYPAD_NOT_REGISTERED, prompts.KEYPAD_MENU]

        caller = GatherCaller(line, {"CallSid": "CA" + "60" * 16, "From": person["phone"]})
        await caller.post("/ivr/voice")
        await caller.press("6")
        assert await caller.press("1") == ["兑换鸡蛋一盒，用1个时间币，按1确认，按2取消。"]
        with unit_of_work(backend.state.sessions) as s:
            s.get(MallGoods, eggs).stock = 0  # someone else took the last box meanwhile
        entries, before = ledger_size(backend), stock_and_balance(backend, eggs, person["id"])
        assert await caller.press("1") == ["这件物品已经兑换完了。", prompts.KEYPAD_MENU]
        [listed] = await caller.press("6")
        assert "鸡蛋一盒" not in listed  # out of stock: no longer read out
        await caller.press("1")
        monkeypatch.setattr(backend.state, "policy", load_profile("default"))  # goods share 0: no exchange
        assert await caller.press("1") == ["本地时间币不能兑换物品。", prompts.KEYPAD_MENU]
    assert redemptions(backend, person["id"]) == [] and ledger_size(backend) == entries
    assert stock_and_balance(backend, eggs, person["id"]) == before
