"""Assembling the IVR: its routes (webhooks, gateway, browser phone) and its lifespan (the
speech model and synthesis workers start with the app and stop with it).

- ``create_ivr_app(settings)``: the IVR as its own FastAPI app;
- ``attach_ivr(app, settings)``: the same routes and lifespan added to another app (the
  backend's), so one ``make run`` process serves both.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import AsyncIterator

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from speech import RecognitionService, SpeechError, SpeechSettings, Synthesiser
from speech.warmup import warm_up
from speech import get_settings as get_speech_settings

from ivr.assistant import RasaAssistant
from ivr.backend_client import BackendClient
from ivr.errors import CallStateUnavailable
from ivr.gather import count_calls_in_metrics
from ivr.gateway import handle_stream
from ivr.services import IvrServices
from ivr.settings import IvrSettings
from ivr.tokens import StreamGrant, stream_tokens
from ivr.transfer import Transferrer
from ivr.webhooks import build_webhooks

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")


def build_services(settings: IvrSettings, speech_settings: SpeechSettings | None = None) -> tuple[
        IvrServices, RecognitionService, Synthesiser]:
    """The production parts: Rasa over HTTP, the backend over HTTP, Twilio's REST API, Vosk, espeak."""
    speech_settings = speech_settings or get_speech_settings()
    recognition, synthesiser = RecognitionService(speech_settings), Synthesiser(speech_settings)
    services = IvrServices(
        settings=settings, speech_settings=speech_settings, tokens=stream_tokens(settings.state_url, settings.stream_token_ttl_s),
        backend=BackendClient(settings), assistant=RasaAssistant(settings), transferrer=Transferrer(settings),
        speaker=synthesiser, open_recogniser=recognition.open_call,
        recordings_dir=speech_settings.recordings_dir if speech_settings.record_calls else None)
    return services, recognition, synthesiser


class BrowserCall(BaseModel):
    caller: str = Field("", max_length=32, description="The number the demo caller pretends to call from.")


LOOPBACK = {"127.0.0.1", "::1"}


def browser_grant(services: IvrServices, caller: str) -> dict:
    """A one-time stream token for a browser 'call' as ``caller`` (whoever asks has been checked)."""
    call_sid = f"BR{secrets.token_hex(16)}"
    try:
        token = services.tokens.issue(StreamGrant(call_sid=call_sid, caller=caller.strip(), mode="browser"))
    except CallStateUnavailable as exc:
        raise HTTPException(503, "系统有点忙，请稍后再打。") from exc
    return {"call_sid": call_sid, "token": token, "stream_path": "/ivr/stream"}


def browser_phone_router(services: IvrServices) -> APIRouter:
    """The browser phone's routes. ``IVR_BROWSER_PHONE``: off → none; local → the page and its sessions,
    for clients on this machine only (`make run`'s demo: any number); operators → only the script and style here,
    the page and its sessions are the console's (/console/phone: login, and numbers in scope only)."""
    router = APIRouter(prefix="/ivr/phone", include_in_schema=False)
    mode = services.settings.browser_phone
    if mode == "off":
        return router

    @router.get("/phone.js")
    async def phone_script() -> FileResponse:
        return FileResponse(STATIC / "phone.js", media_type="text/javascript; charset=utf-8")

    @router.get("/phone.css")
    async def phone_style() -> FileResponse:
        return FileResponse(STATIC / "phone.css", media_type="text/css; charset=utf-8")

    if mode != "local":
        return router

    def local_only(request: Request) -> None:
        if (request.client.host if request.client else "") not in LOOPBACK:
            raise HTTPException(404)  # a local demo does not exist for anyone else

    @router.get("", dependencies=[Depends(local_only)])
    async def phone_page() -> FileResponse:
        return FileResponse(STATIC / "phone.html", media_type="text/html; charset=utf-8")

    @router.post("/session", dependencies=[Depends(local_only)])
    async def phone_session(body: BrowserCall) -> dict:
        return browser_grant(services, body.caller)

    return router


def ivr_router(services: IvrServices) -> APIRouter:
    """Every IVR route under ``/ivr``: webhooks, the Media Streams websocket, the browser phone."""
    router = APIRouter(prefix="/ivr", tags=["ivr"])
    router.include_router(build_webhooks(lambda _request: services))

    @router.websocket("/stream")
    async def stream(websocket: WebSocket) -> None:
        await handle_stream(websocket, services)

    return router


@contextlib.asynccontextmanager
async def ivr_lifespan(services: IvrServices, recognition: RecognitionService | None,
                       synthesiser: Synthesiser | None) -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    if recognition is not None:
        mode = await loop.run_in_executor(None, recognition.start)  # logs one line if the model is missing
        log.info("ivr: phone line in %s mode", mode.value)
    if synthesiser is not None:
        try:
            await loop.run_in_executor(None, synthesiser.start)
        except (SpeechError, BrokenProcessPool, OSError) as exc:
            # The backend beside us must keep serving; calls will still get TwiML and records.
            log.error("ivr: synthesis unavailable, callers will hear nothing from us: %s", exc)
    warming = None
    if recognition is not None and synthesiser is not None:
        warming = asyncio.create_task(warm_up(recognition, synthesiser, recognition.settings))
    uncount = count_calls_in_metrics(services.gather_calls) if services.settings.mode == "gather" else None
    try:
        yield
    finally:
        if uncount is not None:
            uncount()
        if warming is not None:
            warming.cancel()
        await services.aclose()
        if recognition is not None:
            recognition.close()
        if synthesiser is not None:
            synthesiser.close()


def create_ivr_app(settings: IvrSettings | None = None, *, speech_settings: SpeechSettings | None = None,
                   services: IvrServices | None = None) -> FastAPI:
    """The IVR as an app. Pass ``services`` to run it on other parts (tests do)."""
    recognition = synthesiser = None
    if services is None:
        services, recognition, synthesiser = build_services(settings or IvrSettings(), speech_settings)
    app = FastAPI(title="Yinling 银龄 hotline", lifespan=lambda _app: ivr_lifespan(services, recognition, synthesiser))
    app.include_router(ivr_router(services))
    app.include_router(browser_phone_router(services))
    app.state.ivr = services
    return app


def attach_ivr(app: FastAPI, settings: IvrSettings | None = None, *,
               speech_settings: SpeechSettings | None = None) -> IvrServices:
    """Serve the IVR from ``app`` too: its routes, and its start/stop around ``app``'s own."""
    services, recognition, synthesiser = build_services(settings or IvrSettings(), speech_settings)
    app.include_router(ivr_router(services))
    app.include_router(browser_phone_router(services))
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def both(running: FastAPI) -> AsyncIterator[None]:
        async with ivr_lifespan(services, recognition, synthesiser):
            async with inner(running) as state:
                yield state

    app.router.lifespan_context = both
    app.state.ivr = services
    if hasattr(app.state, "readiness"):  # the backend's /readyz also checks the calls' shared state
        app.state.readiness["call_state"] = services.tokens.ping
    return services
