"""The Media Streams gateway: one websocket per call (Twilio's, or the browser phone's).

One loop reads frames, parses them into typed events and hands them to the call's
``CallSession``. Nothing is trusted before a ``start`` frame presents a valid one-time token;
a malformed frame is logged and skipped (a stream that sends nothing else is closed).
"""
from __future__ import annotations

import logging

from fastapi import WebSocket, WebSocketDisconnect

from ivr.errors import BadFrame, StreamRefused
from ivr.messages import Dtmf, Mark, Media, Start, Stop, parse_frame
from ivr.services import IvrServices
from ivr.session import CallSession
from observe import logs

log = logging.getLogger(__name__)
POLICY_VIOLATION = 1008  # websocket close code: the peer broke our rules (bad or reused token)
_MAX_BAD_FRAMES = 20


async def handle_stream(websocket: WebSocket, services: IvrServices) -> None:
    await websocket.accept()
    session: CallSession | None = None
    bad_frames = 0
    closed_by_us = False

    async def send(text: str) -> None:
        await websocket.send_text(text)

    async def hang_up() -> None:
        nonlocal closed_by_us
        closed_by_us = True
        await websocket.close()

    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            frame = message["text"] if message.get("text") is not None else message.get("bytes") or b""
            try:
                event = parse_frame(frame)
            except BadFrame as exc:
                bad_frames += 1
                log.warning("ivr: malformed stream frame (%d so far): %s", bad_frames, exc)
                if session is not None:
                    session.log.event("error", f"malformed frame: {str(exc)[:100]}")
                if bad_frames >= _MAX_BAD_FRAMES:
                    await websocket.close(code=1007)  # invalid payload data
                    break
                continue
            if isinstance(event, Start):
                if session is not None:
                    continue  # one start per stream; a second is ignored
                try:
                    call_sid = event.custom.get("callSid") or event.call_sid
                    grant = services.tokens.burn(event.custom.get("token"), call_sid)
                except StreamRefused as exc:
                    log.warning("ivr: stream refused: %s", exc)
                    await websocket.close(code=POLICY_VIOLATION)
                    return
                logs.bind(grant.call_sid)  # every line of this call from here on names it
                session = CallSession(services, send, hang_up, grant, event.stream_sid)
                await session.begin()
            elif session is None:
                continue  # connected, or anything before start: nothing to act on yet
            elif isinstance(event, Media):
                await session.on_media(event.payload)
            elif isinstance(event, Dtmf):
                await session.on_dtmf(event.digit)
            elif isinstance(event, Mark):
                session.on_mark(event.name)
            elif isinstance(event, Stop):
                await session.end("completed", "caller hung up")
                break
    except (WebSocketDisconnect, RuntimeError) as exc:
        # RuntimeError: Starlette's "not connected" after our own close from the worker.
        if session is not None and not session.ended:
            if closed_by_us:
                await session.end("completed", "no answer after the keypad/person offer")
            else:
                log.warning("ivr: call %s: websocket dropped: %r", session.grant.call_sid, exc)
                await session.end("dropped", "websocket closed without a stop message")
    finally:
        if session is not None and not session.ended:
            await session.end("dropped", "gateway stopped")
