"""The outbound offer call: the backend's outbox places it through (simulated) Twilio to a volunteer who
prefers calls, Twilio asks the hotline what to say (signed webhooks), and the volunteer answers with a
key or a word: 1 / 好 accepts through the backend (exactly one winner), 2 / 不去 declines and the order is
offered to the next volunteer; a taken order is said so. An unsigned request is refused."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from backend.core.db import unit_of_work
from backend.matching.dispatch import accept, offer_next
from backend.messaging import outbox
from backend.models import Order, OrderMessage, OrderTransition, VolunteerProfile
from backend.orders.service import NewOrder, create_order
from backend.people.supply import set_supply
from ivr.offer_call import answer_of
from tests import factories
from tests.ivr.conftest import AUTH_TOKEN, PUBLIC_URL
from tests.ivr.simulator import post_webhook
from tests.twilio_sms import TwilioCallsSimulator

pytestmark = pytest.mark.anyio
TZ = ZoneInfo("Asia/Shanghai")
_day = iter(range(3, 400))


def _world(backend, *, volunteers: int = 1) -> tuple[int, list[dict]]:
    """An open order offered by dispatch to the nearest of ``volunteers`` volunteers who prefer calls."""
    start = (datetime.now(TZ) + timedelta(days=next(_day))).replace(hour=9, minute=0, second=0, microsecond=0)
    state, now = backend.state, datetime.now(timezone.utc)
    base = (30.5 + next(_day) * 0.05, 117.0)  # far from every other test's people
    with unit_of_work(state.sessions) as s:
        elder = factories.person(s, state.policy, backend.stations["comm_a"], name="王秀英", age=86,
                                 lat=base[0], lon=base[1])
        people = []
        for n in range(volunteers):
            v = factories.person(s, state.policy, backend.stations["comm_a"], roles=("volunteer",), age=45,
                                 name=f"电话志愿者{n}", lat=base[0] + 0.0054 * (n + 1), lon=base[1])
            set_supply(s, v.id, radius_km=3.0, max_open_orders=3, services=["escort_medical"],
                       weekly=[(start.weekday(), time(6, 0), time(22, 0))])
            s.get(VolunteerProfile, v.id).offer_by = "call"
            people.append({"id": v.id, "phone": v.phone})
        order = create_order(s, NewOrder(recipient_id=elder.id, service_slug="escort_medical", start_at=start,
                                         duration_minutes=120, channel="phone", actor="service"),
                             policy=state.policy, now=now, today=now.date())
        offer_next(s, order, policy=state.policy, tz="Asia/Shanghai", now=now)
        return order.id, people


def _place(backend, twilio) -> None:
    now = datetime.now(timezone.utc)
    with unit_of_work(backend.state.sessions) as s:
        outbox.collect(s, base_url=PUBLIC_URL, tz="Asia/Shanghai", now=now, reminder_hours=1)
    outbox.deliver(backend.state.sessions, None, now=now, caller=twilio.caller(PUBLIC_URL))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _order(backend, order_id):
    with unit_of_work(backend.state.sessions) as s:
        o = s.get(Order, order_id)
        last = s.query(OrderTransition).filter_by(order_id=order_id).order_by(OrderTransition.id.desc()).first()
        return o.state, o.volunteer_id, last.channel


def test_answer_of_keys_and_words():
    assert [answer_of(d, "") for d in ("1", "2", "3")] == ["accept", "decline", None]
    assert [answer_of("", w) for w in ("好", "好的，我去", "可以", "不去", "不行，我去不了", "不好意思", "嗯？", "")] == [
        "accept", "accept", "accept", "decline", "decline", "decline", None, None]


async def test_a_volunteer_accepts_an_offer_call_by_pressing_1(backend, hotline_factory):
    twilio = TwilioCallsSimulator()
    order_id, [volunteer] = _world(backend)
    _place(backend, twilio)
    [call] = twilio.placed
    assert call.to == volunteer["phone"] and call.url.startswith(f"{PUBLIC_URL}/ivr/offer-call?message=")
    twilio_form = {"CallSid": call.sid, "From": call.sender, "To": call.to, "Direction": "outbound-api"}
    async with hotline_factory(mode="gather") as line:
        unsigned = await line.http.post(_path(call.url), data=twilio_form)
        assert unsigned.status_code == 403
        spoken = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, _path(call.url), twilio_form)
        gather = ET.fromstring(spoken.text).find("Gather")
        said = gather.find("Say").text
        assert "需要陪同就医" in said and "上午9点" in said and "离您约600米" in said and "接单请按1" in said
        assert "王秀英" not in said
        pressed = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, _path(gather.get("action")),
                                     {**twilio_form, "Digits": "1"})
        root = ET.fromstring(pressed.text)
        assert "这一单是您的了" in root.find("Say").text and root.find("Hangup") is not None
    assert _order(backend, order_id) == ("accepted", volunteer["id"], "phone")
    with unit_of_work(backend.state.sessions) as s:
        [message] = outbox.for_order(s, order_id)[:1]
        assert (message.channel, message.status, message.provider_sid) == ("call", "sent", call.sid)


async def test_saying_bu_qu_declines_and_the_offer_moves_on(backend, hotline_factory):
    twilio = TwilioCallsSimulator()
    order_id, people = _world(backend, volunteers=2)
    _place(backend, twilio)
    [call] = twilio.placed
    first = next(p for p in people if p["phone"] == call.to)
    form = {"CallSid": call.sid, "From": call.sender, "To": call.to}
    async with hotline_factory(mode="gather") as line:
        spoken = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, _path(call.url), form)
        action = ET.fromstring(spoken.text).find("Gather").get("action")
        unclear = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, _path(action),
                                     {**form, "SpeechResult": "嗯？", "Confidence": "0.4"})
        again = ET.fromstring(unclear.text).find("Gather")
        assert "没有听清" in again.find("Say").text
        said = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, _path(again.get("action")),
                                  {**form, "SpeechResult": "不去了", "Confidence": "0.9"})
        assert "请别的志愿者" in ET.fromstring(said.text).find("Say").text
    state, offered_to, _channel = _order(backend, order_id)
    assert state == "assigned" and offered_to != first["id"]  # dispatch asked the next volunteer
    _place(backend, twilio)
    assert [c.to for c in twilio.placed][1:] == [next(p["phone"] for p in people if p["id"] == offered_to)]


async def test_saying_hao_after_someone_else_took_it_is_told_so(backend, hotline_factory):
    twilio = TwilioCallsSimulator()
    order_id, [volunteer] = _world(backend)
    _place(backend, twilio)
    [call] = twilio.placed
    with unit_of_work(backend.state.sessions) as s:  # the order went back to the board and another took it
        other = factories.person(s, backend.state.policy, backend.stations["comm_a"], roles=("volunteer",), age=30)
        order = s.get(Order, order_id)
        order.state, order.volunteer_id = "open", None
        s.flush()
        accept(s, order_id, other.id, channel="web", now=datetime.now(timezone.utc))
    form = {"CallSid": call.sid, "From": call.sender, "To": call.to}
    async with hotline_factory(mode="gather") as line:
        said = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL,
                                  f"/ivr/offer-call/answer?message={_message_id(call.url)}&try=1",
                                  {**form, "SpeechResult": "好的", "Confidence": "0.9"})
        assert "已经被别的志愿者接了" in ET.fromstring(said.text).find("Say").text
    assert _order(backend, order_id)[:2] == ("accepted", other.id)


def _message_id(url: str) -> int:
    return int(urlsplit(url).query.split("message=")[1].split("&")[0])


def test_an_offer_call_is_not_texted_too(backend):
    order_id, _people = _world(backend)
    with unit_of_work(backend.state.sessions) as s:
        outbox.collect(s, base_url=PUBLIC_URL, tz="Asia/Shanghai", now=datetime.now(timezone.utc), reminder_hours=1)
        assert [(m.kind, m.channel, m.link_code) for m in s.query(OrderMessage).filter_by(order_id=order_id)] == [
            ("offer", "call", None)]
