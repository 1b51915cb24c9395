"""The audio of one turn: cut ``[audio_start_s, audio_end_s]`` out of the call's recording.

Recordings are the IVR's per-call stereo WAVs (caller left, assistant right), written by
``speech.recording.CallRecorder`` into the speech settings' ``recordings_dir``; a cut keeps
both channels so the operator hears what the caller heard too.
"""
from __future__ import annotations

import io
import math
import re
import wave
from pathlib import Path

from backend.core.errors import NotFound
from backend.models import CallTurn

# Same rule as CallRecorder's file name (tests/web/test_console_calls.py checks they agree).
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")


def recordings_dir() -> Path:
    from speech.settings import get_settings
    return Path(get_settings().recordings_dir)


def recording_path(call_sid: str, directory: Path | None = None) -> Path:
    return (directory or recordings_dir()) / f"{_SAFE_ID.sub('_', call_sid) or 'call'}.wav"


def has_recording(call_sid: str, directory: Path | None = None) -> bool:
    return recording_path(call_sid, directory).is_file()


def has_span(turn: CallTurn) -> bool:
    return (turn.audio_start_s is not None and turn.audio_end_s is not None
            and turn.audio_end_s > turn.audio_start_s)


def cut(path: Path, start_s: float, end_s: float) -> bytes:
    """A standalone WAV of the recording between two offsets (clamped to the recording)."""
    try:
        source = wave.open(str(path), "rb")
    except (FileNotFoundError, wave.Error, EOFError) as exc:
        raise NotFound(f"recording {path.name} unreadable: {exc}", message="这通电话没有录音。") from exc
    with source:
        rate, total = source.getframerate(), source.getnframes()
        first = max(0, min(total, int(start_s * rate)))
        last = max(first, min(total, math.ceil(end_s * rate)))
        if last == first:
            raise NotFound(f"span {start_s}-{end_s}s lies outside {path.name} ({total / rate:.1f}s)",
                           message="这句话没有录音。")
        source.setpos(first)
        frames = source.readframes(last - first)
        channels, width = source.getnchannels(), source.getsampwidth()
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(channels)
        target.setsampwidth(width)
        target.setframerate(rate)
        target.writeframes(frames)
    return out.getvalue()
