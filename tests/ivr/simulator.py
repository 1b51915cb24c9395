"""A Twilio call simulator for the IVR tests.

- ``sign`` / ``post_webhook``: webhooks signed the way Twilio signs them (``RequestValidator``'s
  own ``compute_signature``, with the test auth token, over the public URL);
- ``SimulatedStream``: one Media Streams websocket as Twilio drives it: ``connected``, ``start``
  with the TwiML's stream parameters, μ-law ``media`` frames (from WAV files or arrays, in real
  time or faster), ``dtmf``, ``stop``, or a dropped connection; it collects the gateway's
  ``media``, ``mark`` and ``clear`` messages and, like Twilio, echoes a mark once the audio
  before it has "played" (at once, or never when told to hold marks);
- ``PacedLine``: a caller's line streamed in real time for a whole call (speech, then line
  silence), knowing when the last word of each utterance was sent (the benchmark's clock starts there);
- ``TwilioRestSimulator``: Twilio's REST API for ``calls(sid).update(...)``, as a twilio
  ``HttpClient``: it checks the account and credentials, records each update and answers
  with a call resource the way Twilio does (404 for an unknown call).
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import httpx
import numpy as np
import websockets
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator

from speech import mulaw
from speech.pcm import level_dbfs, read_wav
from speech.resample import resample

FRAME = 160  # 20 ms of 8 kHz μ-law
_SILENT_FRAME = bytes([mulaw.SILENCE_BYTE]) * FRAME


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    return RequestValidator(auth_token).compute_signature(url, params)


async def post_webhook(client: httpx.AsyncClient, auth_token: str, public_url: str, path: str,
                       params: dict[str, str], *, signature: str | None = None) -> httpx.Response:
    """POST a form to the app as Twilio would: the signature covers ``public_url + path``."""
    sig = sign(auth_token, public_url + path, params) if signature is None else signature
    headers = {"X-Twilio-Signature": sig} if sig else {}
    return await client.post(path, data=params, headers=headers)


def stream_parameters(twiml: str) -> dict[str, str]:
    """The ``<Parameter>`` values of the ``<Stream>`` in a TwiML answer."""
    root = ET.fromstring(twiml)
    return {p.get("name"): p.get("value") for p in root.iter("Parameter")}


def wav_mulaw(path: Path) -> bytes:
    audio = read_wav(path)
    return mulaw.encode(resample(audio.samples, audio.rate, 8000))


def silence(seconds: float) -> bytes:
    return bytes([mulaw.SILENCE_BYTE]) * int(seconds * 8000)


def tone(seconds: float, hz: float = 300.0, level: int = 8000) -> bytes:
    """A loud steady tone: energy the endpointer hears as a caller speaking."""
    t = np.arange(int(seconds * 8000)) / 8000
    return mulaw.encode((np.sin(2 * np.pi * hz * t) * level).astype(np.int16))


@dataclass
class SimulatedStream:
    url: str
    call_sid: str
    parameters: dict[str, str]
    stream_sid: str = "MZ00000000000000000000000000000001"
    echo_marks: bool = True
    media: list[bytes] = field(default_factory=list)
    media_times: list[float] = field(default_factory=list)  # time.monotonic() at each media's arrival
    marks: list[str] = field(default_factory=list)
    clears: int = 0
    log: list[str] = field(default_factory=list)  # "media" | "mark:NAME" | "clear" | "other:EVENT", in arrival order
    close_code: int | None = None
    _ws: websockets.ClientConnection | None = None
    _reader: asyncio.Task | None = None
    _seq: int = 0

    async def connect(self, *, send_start: bool = True) -> None:
        self._ws = await websockets.connect(self.url, max_size=None)
        self._reader = asyncio.get_running_loop().create_task(self._read())
        await self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        if send_start:
            await self.start()

    async def start(self) -> None:
        await self.send({"event": "start", "streamSid": self.stream_sid, "start": {
            "accountSid": "ACtest", "streamSid": self.stream_sid, "callSid": self.call_sid, "tracks": ["inbound"],
            "customParameters": self.parameters,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}})

    async def send(self, message: dict) -> None:
        self._seq += 1
        await self.send_raw(json.dumps({"sequenceNumber": str(self._seq), **message}))

    async def send_raw(self, text: str) -> None:
        assert self._ws is not None
        await self._ws.send(text)

    async def audio(self, data: bytes, *, realtime: bool = False, speed: float = 1.0) -> None:
        """Stream μ-law audio in 20 ms frames; ``realtime`` paces them as a phone line does."""
        started = time.monotonic()
        for i in range(0, len(data), FRAME):
            await self.send({"event": "media", "streamSid": self.stream_sid, "media": {
                "track": "inbound", "chunk": str(i // FRAME + 1), "timestamp": str(i // 8),
                "payload": base64.b64encode(data[i:i + FRAME]).decode()}})
            if realtime:
                delay = started + (i // FRAME + 1) * 0.02 / speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif i % (FRAME * 25) == 0:
                await asyncio.sleep(0)  # let the gateway's answers in

    async def dtmf(self, digit: str) -> None:
        await self.send({"event": "dtmf", "streamSid": self.stream_sid, "dtmf": {"track": "inbound_track", "digit": digit}})

    async def stop(self) -> None:
        await self.send({"event": "stop", "streamSid": self.stream_sid,
                         "stop": {"accountSid": "ACtest", "callSid": self.call_sid}})
        await self.close()

    async def drop(self) -> None:
        """The connection dies without a stop message (network loss, crash)."""
        assert self._ws is not None
        self._ws.transport.abort()
        if self._reader:
            await asyncio.wait([self._reader], timeout=2)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader:
            await asyncio.wait([self._reader], timeout=2)

    async def release_marks(self) -> None:
        """Play out whatever was held: echo every mark (as Twilio does when audio finishes)."""
        for name in self.marks:
            await self.send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or condition}; got {self.log[-10:]}")
            await asyncio.sleep(0.02)

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                message = json.loads(raw)
                kind = message.get("event")
                if kind == "media":
                    self.media_times.append(time.monotonic())
                    self.media.append(base64.b64decode(message["media"]["payload"]))
                    self.log.append("media")
                elif kind == "mark":
                    name = message["mark"]["name"]
                    self.marks.append(name)
                    self.log.append(f"mark:{name}")
                    if self.echo_marks:
                        await self.send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})
                elif kind == "clear":
                    self.clears += 1
                    self.log.append("clear")
                else:
                    self.log.append(f"other:{kind}")  # nothing Twilio would send; tests look for these
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self._ws.close_code

    @property
    def audio_seconds(self) -> float:
        return sum(len(m) for m in self.media) / 8000


class PacedLine:
    """A caller's line as Twilio streams it: one 20 ms frame every 20 ms for the whole call,
    speech when the caller talks and line silence otherwise. ``said_ends``: for each utterance,
    when (``time.monotonic()``) its last voiced frame (≥ ``VOICED_DBFS``) left: the end of the
    caller's last word, taken from the audio itself, not from any endpointer."""

    VOICED_DBFS = -45.0

    def __init__(self, stream: SimulatedStream):
        self.stream = stream
        self.said_ends: list[float] = []
        self._last_voiced = 0.0
        self._next_at = time.monotonic()
        self._chunk = 0

    async def frame(self, data: bytes) -> None:
        delay = self._next_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.2:  # fell behind (a busy machine): go on from now instead of bursting
            self._next_at = time.monotonic()
        self._next_at += FRAME / 8000
        self._chunk += 1
        sent_at = time.monotonic()
        await self.stream.send({"event": "media", "streamSid": self.stream.stream_sid, "media": {
            "track": "inbound", "chunk": str(self._chunk), "timestamp": str(self._chunk * 20),
            "payload": base64.b64encode(data).decode()}})
        if level_dbfs(mulaw.decode(data)) >= self.VOICED_DBFS:
            self._last_voiced = sent_at

    async def say(self, audio: bytes) -> None:
        for i in range(0, len(audio) - FRAME + 1, FRAME):
            await self.frame(audio[i:i + FRAME])
        self.said_ends.append(self._last_voiced)

    async def quiet_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Line silence until ``condition()`` holds (True) or ``timeout`` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            await self.frame(_SILENT_FRAME)
        return True


@dataclass
class RestUpdate:
    call_sid: str
    params: dict


class TwilioRestSimulator(HttpClient):
    """Twilio's REST API for live-call updates, in process."""

    _CALL = re.compile(r"^https://api\.twilio\.com/2010-04-01/Accounts/(AC\w+)/Calls/(CA\w+)\.json$")

    def __init__(self, account_sid: str, auth_token: str, live_calls: set[str] | None = None):
        super().__init__(logger=logging.getLogger(__name__), is_async=False)
        self.account_sid, self.auth_token = account_sid, auth_token
        self.live_calls = live_calls  # None: every CA… SID is live
        self.updates: list[RestUpdate] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):  # noqa: ANN001, ANN201 - twilio's HttpClient signature
        match = self._CALL.match(uri)
        if auth != (self.account_sid, self.auth_token):
            return TwilioResponse(401, json.dumps({"code": 20003, "message": "Authenticate", "status": 401}))
        if match is None or match.group(1) != self.account_sid:
            return TwilioResponse(404, json.dumps({"code": 20404, "message": "Not found", "status": 404}))
        call_sid = match.group(2)
        if method != "POST":
            return TwilioResponse(405, json.dumps({"code": 20004, "message": "Method not allowed", "status": 405}))
        if self.live_calls is not None and call_sid not in self.live_calls:
            return TwilioResponse(404, json.dumps({"code": 20404, "message": "Not found", "status": 404}))
        self.updates.append(RestUpdate(call_sid, dict(data or {})))
        return TwilioResponse(200, json.dumps({
            "sid": call_sid, "account_sid": self.account_sid, "status": "in-progress", "direction": "inbound",
            "api_version": "2010-04-01", "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call_sid}.json"}))
