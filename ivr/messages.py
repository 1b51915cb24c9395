"""Twilio Media Streams messages as typed values.

Inbound (Twilio → us): ``connected``, ``start``, ``media``, ``dtmf``, ``mark``, ``stop``;
``parse_frame`` turns one websocket text frame into one of these or raises ``BadFrame``.
Outbound (us → Twilio): ``media`` (μ-law audio to play), ``mark`` (echoed back when the audio
before it has played) and ``clear`` (drop audio not yet played: barge-in).
The browser phone speaks exactly the same messages.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Union

from ivr.errors import BadFrame

DTMF_KEYS = frozenset("0123456789*#")


@dataclass(frozen=True)
class Connected:
    protocol: str


@dataclass(frozen=True)
class Start:
    """``custom``: the ``<Parameter>`` values from our TwiML (token, call SID, caller number);
    ``encoding``/``sample_rate``: the media format Twilio declares (audio/x-mulaw, 8000)."""

    stream_sid: str
    call_sid: str
    custom: dict[str, str] = field(default_factory=dict)
    encoding: str = "audio/x-mulaw"
    sample_rate: int = 8000


@dataclass(frozen=True)
class Media:
    """``payload``: decoded μ-law bytes; ``timestamp_ms``: position in the stream, if given."""

    payload: bytes
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class Mark:
    name: str


@dataclass(frozen=True)
class Stop:
    pass


StreamEvent = Union[Connected, Start, Media, Dtmf, Mark, Stop]


def _section(message: dict, key: str) -> dict:
    value = message.get(key)
    if not isinstance(value, dict):
        raise BadFrame(f"{message.get('event')!r} frame without a {key!r} object")
    return value


def parse_frame(text: str | bytes) -> StreamEvent | None:
    """One frame → one event; None for events we do not act on (future Twilio events)."""
    try:
        message = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadFrame(f"not JSON: {exc}") from exc
    if not isinstance(message, dict) or not isinstance(message.get("event"), str):
        raise BadFrame("frame is not an object with an 'event' string")
    event = message["event"]
    if event == "connected":
        return Connected(protocol=str(message.get("protocol", "")))
    if event == "start":
        start = _section(message, "start")
        fmt = start.get("mediaFormat") if isinstance(start.get("mediaFormat"), dict) else {}
        custom = start.get("customParameters") if isinstance(start.get("customParameters"), dict) else {}
        stream_sid = message.get("streamSid") or start.get("streamSid")
        if not isinstance(stream_sid, str) or not stream_sid:
            raise BadFrame("start frame without a streamSid")
        try:
            rate = int(fmt.get("sampleRate", 8000))
        except (TypeError, ValueError) as exc:
            raise BadFrame("start frame with a non-numeric sampleRate") from exc
        return Start(stream_sid=stream_sid, call_sid=str(start.get("callSid") or ""),
                     custom={str(k): str(v) for k, v in custom.items()},
                     encoding=str(fmt.get("encoding", "audio/x-mulaw")), sample_rate=rate)
    if event == "media":
        media = _section(message, "media")
        if media.get("track", "inbound") not in ("inbound", "inbound_track"):
            return None
        try:
            payload = base64.b64decode(media.get("payload") or "", validate=True)
        except (binascii.Error, TypeError, ValueError) as exc:
            raise BadFrame("media payload is not base64") from exc
        stamp = media.get("timestamp")
        return Media(payload=payload, timestamp_ms=int(stamp) if str(stamp).isdigit() else None)
    if event == "dtmf":
        digit = str(_section(message, "dtmf").get("digit", ""))
        if digit not in DTMF_KEYS:
            raise BadFrame(f"dtmf frame with digit {digit!r}")
        return Dtmf(digit)
    if event == "mark":
        return Mark(name=str(_section(message, "mark").get("name", "")))
    if event == "stop":
        return Stop()
    return None


def media_message(stream_sid: str, mulaw: bytes) -> str:
    return json.dumps({"event": "media", "streamSid": stream_sid,
                       "media": {"payload": base64.b64encode(mulaw).decode("ascii")}})


def mark_message(stream_sid: str, name: str) -> str:
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear_message(stream_sid: str) -> str:
    return json.dumps({"event": "clear", "streamSid": stream_sid})


TEXT_EVENT = "yinling.text"
"""Not Twilio's: what the assistant is saying, as text, sent only on browser-phone streams."""


def text_message(stream_sid: str, text: str) -> str:
    return json.dumps({"event": TEXT_EVENT, "streamSid": stream_sid, "text": text}, ensure_ascii=False)
