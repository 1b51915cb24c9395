"""The TwiML-only mode (``IVR_MODE=gather``) for deployments that cannot accept websockets:
Twilio's own recogniser (``<Gather input="speech dtmf" language="zh-CN">``) listens, and each
result comes back as a signed webhook that we pass to the same assistant, with the same keys
and the same call records. A transfer needs no REST call here: we answer with ``<Dial>``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.datastructures import FormData

from ivr import keypad, prompts, twiml
from ivr.assistant import Reply
from ivr.call_log import CallLog
from ivr.errors import AssistantUnavailable, IvrError
from ivr.services import IvrServices

log = logging.getLogger(__name__)


@dataclass
class GatherCall:
    """A call in gather mode, remembered between its webhooks. ``silent``: empty results in a row."""

    log: CallLog
    caller: str
    silent: int = 0
    transferred: bool = False


def _action(services: IvrServices) -> str:
    return f"{services.settings.public_url}/ivr/gather"


def _call(services: IvrServices, call_sid: str, caller: str) -> GatherCall:
    call = services.gather_calls.get(call_sid)
    if call is None:  # first webhook, or this process restarted mid-call
        call = GatherCall(CallLog(services.backend, call_sid), caller)
        call.log.open(caller, "phone", "gather")
        services.gather_calls[call_sid] = call
    return call


async def _ask(services: IvrServices, call: GatherCall, call_sid: str, message: str) -> list[Reply] | None:
    metadata = {"channel": "phone", "phone": call.caller, "call_sid": call_sid, "speech_rate": "normal"}
    try:
        return await services.assistant.send(call_sid, message, metadata)
    except AssistantUnavailable as exc:
        log.warning("ivr: gather call %s: %s", call_sid, exc)
        call.log.event("error", "assistant unavailable")
        return None


async def first_turn(services: IvrServices, call_sid: str, caller: str) -> str:
    call = _call(services, call_sid, caller)
    replies = await _ask(services, call, call_sid, "/greet")
    texts = [r.text for r in replies or [] if r.text] or [prompts.GREETING]
    for text in texts:
        call.log.turn("assistant", text, source="speech")
    return twiml.gather(services.settings, say=texts, action=_action(services), consent=True)


async def next_turn(services: IvrServices, form: FormData) -> str:
    settings = services.settings
    call_sid = str(form.get("CallSid", ""))
    call = _call(services, call_sid, str(form.get("From", "")))
    digits, speech = str(form.get("Digits", "") or ""), str(form.get("SpeechResult", "") or "").strip()
    if digits:
        digit = digits[0]
        call.log.event("dtmf", digit)
        call.log.turn("caller", keypad.KEY_WORDS.get(digit, digit), source="keypad")
        if digit == keypad.HANDOFF_KEY:
            return await _hand_off(services, call, call_sid, "caller pressed 0", None)
        message = keypad.conversation_message(digit)
    elif speech:
        try:
            confidence = min(1.0, max(0.0, float(form.get("Confidence", "") or 0)))
        except ValueError:
            confidence = None
        call.log.turn("caller", speech, source="speech", confidence=confidence)
        message = speech
    else:
        return _silence(services, call)
    call.silent = 0
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
    for text in texts:
        call.log.turn("assistant", text, source="speech")
    return twiml.gather(services.settings, say=texts, action=_action(services))


def _silence(services: IvrServices, call: GatherCall) -> str:
    call.silent += 1
    call.log.event("reprompt", f"silent {call.silent}")
    if call.silent <= services.settings.max_reprompts:
        return _say(services, call, [prompts.REPROMPT])
    if call.silent == services.settings.max_reprompts + 1:
        return _say(services, call, [prompts.OFFER_PERSON])
    call.log.turn("assistant", prompts.GOODBYE, source="prompt")
    return twiml.say_and_hang_up(services.settings, prompts.GOODBYE)


async def _hand_off(services: IvrServices, call: GatherCall, call_sid: str, reason: str, number: str | None) -> str:
    if not number:
        body = {"phone": call.caller or None, "channel": "phone", "conversation_id": call_sid,
                "transcript": [s.__dict__ for s in call.log.transcript], "reason": reason}
        try:
            ticket = await services.backend.handoff(body, key=f"ivr-handoff-{call_sid}")
            call.log.event("handoff", reason, handoff_id=ticket.get("id"))
            number = ticket.get("operator_phone") or ""
        except IvrError as exc:
            log.warning("ivr: gather call %s: no handoff ticket: %s", call_sid, exc)
    number = number or services.settings.operator_fallback_number
    if not number:
        return _say(services, call, [prompts.TRANSFER_FAILED])
    call.transferred = True
    call.log.event("transfer", number)
    call.log.turn("assistant", prompts.TRANSFERRING, source="prompt")
    return twiml.dial(services.settings, number)


async def finish(services: IvrServices, call_sid: str, status: str, reason: str) -> None:
    """Twilio says the call is over: write the record's end and forget the call."""
    call = services.gather_calls.pop(call_sid, None)
    if call is not None:
        await call.log.close("transferred" if call.transferred else status, reason)
