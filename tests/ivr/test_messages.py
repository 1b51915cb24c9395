"""Media Streams frames → typed events, and the messages we send."""
from __future__ import annotations

import base64
import json

import pytest

from ivr.errors import BadFrame
from ivr.messages import (Connected, Dtmf, Mark, Media, Start, Stop, clear_message, mark_message, media_message,
                          parse_frame)


def test_parse_frame__start_carries_custom_parameters_and_format():
    event = parse_frame(json.dumps({"event": "start", "streamSid": "MZ1", "start": {
        "callSid": "CA1", "customParameters": {"token": "t", "caller": "+86139"},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}}))
    assert event == Start(stream_sid="MZ1", call_sid="CA1", custom={"token": "t", "caller": "+86139"})


def test_parse_frame__media_payload_is_decoded():
    payload = bytes(range(160))
    event = parse_frame(json.dumps({"event": "media", "media": {
        "track": "inbound", "timestamp": "40", "payload": base64.b64encode(payload).decode()}}))
    assert event == Media(payload=payload, timestamp_ms=40)


def test_parse_frame__outbound_track_media_is_ignored():
    assert parse_frame('{"event": "media", "media": {"track": "outbound", "payload": ""}}') is None


@pytest.mark.parametrize("frame, expected", [
    ('{"event": "connected", "protocol": "Call"}', Connected("Call")),
    ('{"event": "dtmf", "dtmf": {"digit": "#"}}', Dtmf("#")),
    ('{"event": "mark", "mark": {"name": "said-3"}}', Mark("said-3")),
    ('{"event": "stop", "stop": {}}', Stop()),
    ('{"event": "something_new"}', None),
])
def test_parse_frame__each_event(frame, expected):
    assert parse_frame(frame) == expected


@pytest.mark.parametrize("frame", [
    "not json", "[]", '"start"', '{"no": "event"}', '{"event": 3}', '{"event": "start"}',
    '{"event": "start", "start": {}}', '{"event": "media", "media": {"payload": "***"}}',
    '{"event": "dtmf", "dtmf": {"digit": "12"}}', '{"event": "mark"}', b"\xff\xfe",
    '{"event": "start", "streamSid": "MZ", "start": {"mediaFormat": {"sampleRate": "fast"}}}',
])
def test_parse_frame__malformed_frames_raise_bad_frame(frame):
    with pytest.raises(BadFrame):
        parse_frame(frame)


def test_outbound_messages_follow_media_streams_format():
    assert json.loads(media_message("MZ1", b"\xff\x7f")) == {
        "event": "media", "streamSid": "MZ1", "media": {"payload": base64.b64encode(b"\xff\x7f").decode()}}
    assert json.loads(mark_message("MZ1", "said-1")) == {"event": "mark", "streamSid": "MZ1", "mark": {"name": "said-1"}}
    assert json.loads(clear_message("MZ1")) == {"event": "clear", "streamSid": "MZ1"}
