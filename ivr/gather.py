"""The TwiML-only mode (``IVR_MODE=gather``) for deployments that cannot accept websockets:
Twilio's own recogniser (``<Gather input="speech dtmf" language="zh-CN">``) listens, and each
result comes back as a signed webhook that we pass to the same assistant, with the same keys
and the same call records. A transfer needs no REST call here: we answer with ``<Dial>``.

The keypad menu (``ivr.keypad_actions.KeypadMenu``, the same one streamed calls use) takes over
when recognition is unavailable (``IVR_GATHER_SPEECH=false``), after two misrecognitions in a
row (``dialogue.on_final``: a result below ``IVR_MIN_CONFIDENCE``), or when the caller presses 1
after the silence offer; its prompts are then asked in a keys-only ``<Gather input="dtmf">``.
Twilio's voice cannot be slowed from here, so # in the menu only repeats the step.

Between its webhooks a call is kept in ``services.gather_calls`` (``ivr.gather_store``: this
process, or Redis when ``IVR_STATE_URL`` is set, so the next webhook may reach another worker).
Each webhook loads the call, takes one step, and saves it; the call record's writes of that step
are sent only once it is saved, and before the answer (waiting up to ``RECORD_WAIT_S``). If the store
does not answer, the caller hears plainly that the line is busy and the call ends.

``yinling_active_calls{mode="gather"}`` is the number of calls in that store, read when Prometheus
scrapes (``count_calls_in_metrics``): a worker cannot count gather calls itself, because a call's first
webhook and its end may reach different workers (counting up at one and down at the other made one
worker's count negative). Every worker sharing the store reports the same number.
"""
from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Awaitable, Callable

from starlette.datastructures import FormData

from ivr import dialogue, keypad, prompts, twiml
from ivr.assistant import Reply
from ivr.call_log import CallLog
from ivr.errors import AssistantUnavailable, CallStateUnavailable
from ivr.gather_store import GatherCallStore
from ivr.handoff import operator_number
from ivr.keypad_actions import KeypadMenu
from ivr.services import IvrServices
from observe.metrics import ACTIVE_CALLS, RECOGNISER_CONFIDENCE

log = logging.getLogger(__name__)
RECORD_WAIT_S = 2.0  # longest a webhook's answer waits for its step's record writes (Twilio waits 15 s in all)


@dataclass
class GatherCall:
    """A call in gather mode, remembered between its webhooks. ``silent``: empty results in a
    row; ``offered``: the keypad/person offer was made; ``floor``: misrecognitions in a row
    (the streamed call's pure step); ``keypad``: the menu, once the call switched to it."""

    log: CallLog
    caller: str
    silent: int = 0
    offered: bool = False
    transferred: bool = False
    floor: dialogue.Floor = field(default_factory=dialogue.Floor)
    keypad: KeypadMenu | None = None

    def snapshot(self) -> dict[str, Any]:
        """Everything a worker needs to take the call's next step (JSON-ready)."""
        return {"caller": self.caller, "silent": self.silent, "offered": self.offered,
                "transferred": self.transferred, "floor": asdict(self.floor), "log": self.log.snapshot(),
                "keypad": self.keypad.snapshot() if self.keypad is not None else None}

    @classmethod
    def restore(cls, services: IvrServices, call_sid: str, fields: dict[str, Any], *,
                held: bool = False) -> "GatherCall":
        record = CallLog.restore(services.backend, call_sid, fields["log"], held=held)
        menu = fields["keypad"]
        return cls(record, fields["caller"], silent=int(fields["silent"]), offered=bool(fields["offered"]),
                   transferred=bool(fields["transferred"]), floor=dialogue.Floor(**fields["floor"]),
                   keypad=None if menu is None else KeypadMenu.restore(services, record, fields["caller"],
                                                                         call_sid, menu))


def count_calls_in_metrics(store: GatherCallStore) -> Callable[[], None]:
    """From now on ``yinling_active_calls{mode="gather"}`` is ``store.count()`` at each scrape (NaN when the
    store does not answer); the function returned puts the gauge back to a plain 0 (at shutdown)."""
    def calls_now() -> float:
        try:
            return float(store.count())
        except CallStateUnavailable as exc:
            log.warning("ivr: gather calls not counted for the metrics: %s", exc)
            return math.nan

    ACTIVE_CALLS.labels("gather").set_function(calls_now)

    def stop() -> None:
        ACTIVE_CALLS.remove("gather")
        ACTIVE_CALLS.labels("gather")
    return stop


def _action(services: IvrServices) -> str:
    return f"{services.settings.public_url}/ivr/gather"


async def _step(services: IvrServices, call_sid: str, caller: str,
                take: Callable[[GatherCall], Awaitable[str]]) -> str:
    """One webhook: load the call (new on its first webhook, or if it expired), let ``take`` answer
    it, save it. Saved: its record writes go out. Another webhook of the call saved first (a replayed
    request): this step is dropped whole, record writes too. The store unreachable: the line is busy."""
    store = services.gather_calls
    try:
        stored = await store.load(call_sid)
    except CallStateUnavailable as exc:
        log.error("ivr: gather call %s not answered: %s", call_sid, exc)
        return twiml.say_and_hang_up(services.settings, prompts.LINE_BUSY)
    if stored.fields is None:
        call = GatherCall(CallLog(services.backend, call_sid, held=True), caller)
        call.log.open(caller, "phone", "gather")
    else:
        call = GatherCall.restore(services, call_sid, stored.fields, held=True)
    answer = await take(call)
    try:
        kept = await store.save(call_sid, stored.version, call.snapshot())
    except CallStateUnavailable as exc:
        # What this step did (a booking, perhaps) is true, so its record is written; but the call
        # cannot go on from a step nobody will find, so it ends with the plain sentence.
        log.error("ivr: gather call %s ended, its step not saved: %s", call_sid, exc)
        call.log.event("error", "call state not saved")
        call.log.turn("assistant", prompts.LINE_BUSY, source="prompt")
        call.log.release()
        return twiml.say_and_hang_up(services.settings, prompts.LINE_BUSY)
    if not kept:
        log.warning("ivr: gather call %s: another webhook of the call was saved first; this one is dropped",
                    call_sid)
        call.log.discard()
        return answer
    call.log.release()
    # The step's record is written before Twilio hears the answer: a worker killed once it had answered, its
    # writes still queued, left a gap in the record that the next step, on another worker, numbered past.
    if not await call.log.sent(RECORD_WAIT_S):
        log.warning("ivr: gather call %s answered before its record was written (backend slow)", call_sid)
    return answer


def _confidence(form: FormData) -> float | None:
    """Twilio's Confidence (0–1); None when it sent none (some speech models do not)."""
    try:
        return min(1.0, max(0.0, float(form["Confidence"]))) if form.get("Confidence") else None
    except ValueError:
        return None


async def _ask(services: IvrServices, call: GatherCall, call_sid: str, message: str) -> list[Reply] | None:
    metadata = {"channel": "phone", "phone": call.caller, "call_sid": call_sid, "speech_rate": "normal"}
    try:
        return await services.assistant.send(call_sid, message, metadata)
    except AssistantUnavailable as exc:
        log.warning("ivr: gather call %s: %s", call_sid, exc)
        call.log.event("error", "assistant unavailable")
        return None


async def first_turn(services: IvrServices, call_sid: str, caller: str) -> str:
    return await _step(services, call_sid, caller, lambda call: _greet(services, call, call_sid))


async def next_turn(services: IvrServices, form: FormData) -> str:
    call_sid = str(form.get("CallSid", ""))
    caller = str(form.get("From", ""))
    return await _step(services, call_sid, caller, lambda call: _answer(services, call, call_sid, form))


async def _greet(services: IvrServices, call: GatherCall, call_sid: str) -> str:
    if not services.settings.gather_speech:
        return _open_keypad(services, call, call_sid, [prompts.RECOGNITION_OFF], consent=True)
    replies = await _ask(services, call, call_sid, "/greet")
    texts = [r.text for r in replies or [] if r.text] or [prompts.GREETING]
    for text in texts:
        call.log.turn("assistant", text, source="speech")
    return twiml.gather(services.settings, say=texts, action=_action(services), consent=True)


async def _answer(services: IvrServices, call: GatherCall, call_sid: str, form: FormData) -> str:
    digits, speech = str(form.get("Digits", "") or ""), str(form.get("SpeechResult", "") or "").strip()
    if digits:
        digit, offered = digits[0], call.offered
        call.silent, call.offered = 0, False
        call.log.event("dtmf", digit)
        if digit == keypad.HANDOFF_KEY:
            call.log.turn("caller", keypad.KEY_WORDS[digit], source="keypad")
            return await _hand_off(services, call, call_sid, "caller pressed 0", None)
        if call.keypad is not None:
            return await _keypad_key(services, call, digit)
        if offered and digit == "1":
            call.log.turn("caller", keypad.KEY_WORDS[digit], source="keypad")
            return _open_keypad(services, call, call_sid, [])
        call.log.turn("caller", keypad.KEY_WORDS.get(digit, digit), source="keypad")
        message = keypad.conversation_message(digit)
    elif speech and call.keypad is None:
        call.silent, call.offered = 0, False
        confidence = _confidence(form)
        if confidence is not None:
            RECOGNISER_CONFIDENCE.labels("gather").observe(confidence)
        call.log.turn("caller", speech, source="speech", confidence=confidence)
        limits = dialogue.Limits(0, services.settings.max_reprompts, services.settings.min_confidence)
        call.floor, action = dialogue.on_final(call.floor, speech, 1.0 if confidence is None else confidence, limits)
        if action == "misheard":
            return _say(services, call, [prompts.NOT_HEARD])
        if action == "keypad":
            return _open_keypad(services, call, call_sid, [prompts.NOT_HEARD_TWICE])
        message = speech
    else:
        return await _silence(services, call)
    replies = await _ask(services, call, call_sid, message)
    if replies is None:
        return _say(services, call, [prompts.ASSISTANT_DOWN])
    texts = [r.text for r in replies if r.text]
    for reply in replies:
        if reply.action == "transfer":
            for text in texts:
                call.log.turn("assistant", text, source="speech")
            number = str(reply.custom.get("to") or "")
            return await _hand_off(services, call, call_sid, "the assistant handed off", number)
        if reply.action == "order_created" and str(reply.custom.get("order_id", "")).isdigit():
            call.log.event("order", None, order_id=int(reply.custom["order_id"]))
    return _say(services, call, texts or [prompts.NOT_HEARD])


def _say(services: IvrServices, call: GatherCall, texts: list[str]) -> str:
    """Speak and listen again: the assistant's replies (speech and keys) or, once the call is in
    the keypad menu, IVR prompts (keys only)."""
    keys_only = call.keypad is not None
    for text in texts:
        call.log.turn("assistant", text, source="prompt" if keys_only else "speech")
    return twiml.gather(services.settings, say=texts, action=_action(services), keys_only=keys_only)


def _open_keypad(services: IvrServices, call: GatherCall, call_sid: str, lead: list[str], *,
                 consent: bool = False) -> str:
    call.keypad = KeypadMenu(services, call.log, call.caller, call_sid)
    texts = lead + [keypad.menu_prompt(keypad.MenuState(), [])]
    for text in texts:
        call.log.turn("assistant", text, source="prompt")
    return twiml.gather(services.settings, say=texts, action=_action(services), consent=consent, keys_only=True)


async def _keypad_key(services: IvrServices, call: GatherCall, digit: str) -> str:
    assert call.keypad is not None
    turn = await call.keypad.press(digit)
    # Twilio's <Say> keeps its own pace: "slower" (#) cannot be honoured, so only the step is repeated.
    return _say(services, call, list(turn.say[1:] if turn.slower else turn.say))


async def _silence(services: IvrServices, call: GatherCall) -> str:
    """An empty result (Twilio heard nothing usable before its timeout): re-prompt, then offer
    the keypad (or, already in the menu, a person), then say goodbye."""
    call.silent += 1
    call.log.event("reprompt", f"silent {call.silent}")
    if call.silent <= services.settings.max_reprompts:
        return _say(services, call, list((await call.keypad.repeat()).say) if call.keypad else [prompts.REPROMPT])
    if call.silent == services.settings.max_reprompts + 1:
        call.offered = call.keypad is None
        return _say(services, call, [prompts.OFFER_PERSON if call.keypad else prompts.OFFER_KEYPAD])
    call.log.turn("assistant", prompts.GOODBYE, source="prompt")
    return twiml.say_and_hang_up(services.settings, prompts.GOODBYE)


async def _hand_off(services: IvrServices, call: GatherCall, call_sid: str, reason: str, number: str | None) -> str:
    number = await operator_number(services, call.log, call.caller, call_sid, reason, number)
    if not number:
        return _say(services, call, [prompts.TRANSFER_FAILED])
    call.transferred = True
    call.log.event("transfer", number)
    call.log.turn("assistant", prompts.TRANSFERRING, source="prompt")
    return twiml.dial(services.settings, number)


async def finish(services: IvrServices, call_sid: str, status: str, reason: str) -> None:
    """Twilio says the call is over: write the record's end and forget the call."""
    if services.settings.mode != "gather":
        return
    try:
        fields = await services.gather_calls.pop(call_sid)
    except CallStateUnavailable as exc:
        log.error("ivr: gather call %s: the record keeps Twilio's status, not whether it was transferred: %s",
                  call_sid, exc)
        return
    if fields is not None:
        call = GatherCall.restore(services, call_sid, fields)
        await call.log.close("transferred" if call.transferred else status, reason)
