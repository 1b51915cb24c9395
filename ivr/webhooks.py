"""Twilio's webhooks: the incoming call (``POST /ivr/voice``) and status callbacks
(``POST /ivr/status``). Anything not signed with our auth token gets 403 and nothing else."""
from __future__ import annotations

import logging
from typing import Callable

from fastapi import APIRouter, Query, Request, Response

from ivr import gather, offer_call, prompts, twiml
from ivr.errors import BackendRefused, CallStateUnavailable, IvrError
from ivr.services import IvrServices
from ivr.signature import verified_form
from ivr.tokens import StreamGrant
from observe import logs

log = logging.getLogger(__name__)
XML = "application/xml"
# Twilio CallStatus → our call status (statuses Twilio reports while a call runs only update twilio_status).
_FINAL = {"completed": "completed", "busy": "failed", "failed": "failed", "no-answer": "failed", "canceled": "failed"}


def forbidden() -> Response:
    return Response(status_code=403)


def build_webhooks(get_services: Callable[[Request], IvrServices]) -> APIRouter:
    router = APIRouter()

    @router.post("/voice")
    async def voice(request: Request) -> Response:
        services = get_services(request)
        form = await verified_form(request, services.settings)
        if form is None:
            return forbidden()
        call_sid, caller = str(form.get("CallSid", "")), str(form.get("From", ""))
        logs.bind(call_sid)
        if services.settings.mode == "gather":
            return Response(await gather.first_turn(services, call_sid, caller), media_type=XML)
        try:
            token = services.tokens.issue(StreamGrant(call_sid=call_sid, caller=caller, mode="phone"))
        except CallStateUnavailable as exc:
            log.error("ivr: call %s not answered: %s", call_sid, exc)
            return Response(twiml.say_and_hang_up(services.settings, prompts.LINE_BUSY), media_type=XML)
        return Response(twiml.connect_stream(services.settings, call_sid=call_sid, caller=caller, token=token),
                        media_type=XML)

    @router.post("/status")
    async def status(request: Request) -> Response:
        services = get_services(request)
        form = await verified_form(request, services.settings)
        if form is None:
            return forbidden()
        call_sid, twilio_status = str(form.get("CallSid", "")), str(form.get("CallStatus", ""))
        logs.bind(call_sid)
        body: dict = {"twilio_status": twilio_status[:20]}
        if str(form.get("CallDuration", "")).isdigit():
            body["duration_s"] = int(form["CallDuration"])
        if twilio_status in _FINAL:
            body |= {"status": _FINAL[twilio_status], "end_reason": f"Twilio: {twilio_status}"}
            await gather.finish(services, call_sid, body["status"], body["end_reason"])
        try:
            try:
                await services.backend.update_call(call_sid, body)
            except BackendRefused as exc:
                if exc.status != 404:
                    raise
                # A call that never reached the gateway (hung up during the consent notice).
                caller = str(form.get("From", "")) or None
                await services.backend.open_call({"call_sid": call_sid, "caller_phone": caller})
                await services.backend.update_call(call_sid, body)
        except IvrError as exc:
            log.error("ivr: status callback for %s not recorded: %s", call_sid, exc)
            return Response(status_code=503)  # Twilio retries status callbacks that fail
        return Response(status_code=204)

    @router.post("/gather")
    async def gathered(request: Request) -> Response:
        services = get_services(request)
        form = await verified_form(request, services.settings)
        if form is None:
            return forbidden()
        logs.bind(str(form.get("CallSid", "")))
        return Response(await gather.next_turn(services, form), media_type=XML)

    @router.post("/offer-call")
    async def offer_call_started(request: Request, message: int) -> Response:
        """Twilio placed the outbox's offer call and the volunteer answered: read the offer."""
        services = get_services(request)
        form = await verified_form(request, services.settings)
        if form is None:
            return forbidden()
        logs.bind(str(form.get("CallSid", "")))
        return Response(await offer_call.first(services, message), media_type=XML)

    @router.post("/offer-call/answer")
    async def offer_call_answered(request: Request, message: int, try_: int = Query(1, alias="try")) -> Response:
        services = get_services(request)
        form = await verified_form(request, services.settings)
        if form is None:
            return forbidden()
        logs.bind(str(form.get("CallSid", "")))
        return Response(await offer_call.answer(services, message, try_, form, str(form.get("CallSid", ""))),
                        media_type=XML)

    return router
