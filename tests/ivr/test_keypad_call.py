"""Keypad-only calls (recognition unavailable) against the real backend: booking, and a
caller who hangs up during the read-back."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.models import Order
from tests.ivr.conftest import call_record, place_call

pytestmark = pytest.mark.anyio


def orders_of(backend, person_id: int) -> list[Order]:
    with unit_of_work(backend.state.sessions) as session:
        return list(session.scalars(select(Order).where(Order.recipient_id == person_id)))


async def press(stream, digit: str, marks_before: int, expect_marks: int = 1) -> None:
    await stream.dtmf(digit)
    await stream.wait_for(lambda: len(stream.marks) >= marks_before + expect_marks, what=f"reply to {digit}")


async def keypad_to_readback(stream) -> None:
    """Menu → 1 book → 1 first service (陪同就医) → 2 tomorrow → 1 morning: the read-back."""
    await stream.wait_for(lambda: len(stream.marks) >= 2, what="keypad greeting")  # recognition off + menu
    for digit in "1121":
        await press(stream, digit, len(stream.marks))


async def test_keypad_only_call_books_an_order(backend, hotline_factory):
    elder = backend.new_elder(name="按键老人")
    async with hotline_factory() as line:
        stream = await place_call(line, elder["phone"], "CA" + "1" * 32)
        await keypad_to_readback(stream)
        assert orders_of(backend, elder["id"]) == []  # read back, not yet confirmed
        await press(stream, "1", len(stream.marks), expect_marks=2)  # booked + menu again
        await stream.dtmf("1")  # a second 1 opens the booking menu again, it does not book twice
        await asyncio.sleep(0.5)
        await stream.stop()
        await asyncio.sleep(0.5)

    orders = orders_of(backend, elder["id"])
    assert len(orders) == 1
    assert orders[0].service_slug == "escort_medical" and orders[0].channel == "phone"
    record = call_record(backend, "CA" + "1" * 32)
    assert record["status"] == "completed" and record["mode"] == "stream"
    assert record["person_id"] == elder["id"]
    assert [e["detail"] for e in record["events"] if e["kind"] == "dtmf"] == list("112111")
    assert [e["order_id"] for e in record["events"] if e["kind"] == "order"] == [orders[0].id]
    assert record["order_ids"] == [orders[0].id]
    said = [t["text"] for t in record["turns"] if t["speaker"] == "assistant"]
    assert any("约好了" in text and "陪同就医" in text for text in said)
    assert stream.audio_seconds > 5  # the prompts were really spoken


async def test_twilio_stream_gets_only_twilio_messages__no_yinling_text(backend, hotline_factory):
    # yinling.text (what is said, as text) is for browser-phone streams only; a Twilio stream's token
    # comes from the signed voice webhook, so nothing a caller sends can ask for it.
    elder = backend.new_elder(name="只听不看")
    async with hotline_factory() as line:
        stream = await place_call(line, elder["phone"], "CA" + "71" * 16)
        await stream.wait_for(lambda: len(stream.marks) >= 2, what="keypad greeting")
        await press(stream, "2", len(stream.marks))  # the balance, then the menu again
        await stream.stop()
    assert stream.media and len(stream.marks) >= 3
    assert [entry for entry in stream.log if entry.startswith("other:")] == []
    said = [t["text"] for t in call_record(backend, "CA" + "71" * 16)["turns"] if t["speaker"] == "assistant"]
    assert any("您还有" in text for text in said)  # the text exists; it was only spoken


async def test_websocket_drop_during_readback_closes_record_without_order(backend, hotline_factory):
    elder = backend.new_elder(name="掉线老人")
    call_sid = "CA" + "2" * 32
    async with hotline_factory() as line:
        stream = await place_call(line, elder["phone"], call_sid)
        await keypad_to_readback(stream)
        await stream.drop()
        await asyncio.sleep(1.0)

    assert orders_of(backend, elder["id"]) == []
    record = call_record(backend, call_sid)
    assert record["status"] == "dropped"
    assert record["ended_at"] is not None
    said = [t["text"] for t in record["turns"] if t["speaker"] == "assistant"]
    assert any("对请按1" in text for text in said)  # the read-back was heard and recorded
    assert not any(e["kind"] == "order" for e in record["events"]) and record["order_ids"] == []
