"""Per-call recordings for operators: one standard stereo WAV per call, caller on the left
channel, assistant on the right, so both sides can be heard side by side with the transcript.

The caller's inbound stream is the clock (Media Streams delivers it continuously). Assistant
audio is queued like a loudspeaker buffer and drawn at the same pace as caller audio arrives;
``clear_assistant()`` drops what was not yet played (barge-in), as the phone line does.
Files older than the retention setting are deleted by ``purge_expired_recordings``.
"""
from __future__ import annotations

import re
import time
import wave
from pathlib import Path

import numpy as np

from speech import mulaw
from speech.frames import PHONE_RATE

_MAX_QUEUED_S = 120  # assistant audio queued beyond this is dropped (bounded memory)
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")


class CallRecorder:
    """Writes ``<directory>/<call_id>.wav``. Use as a context manager or call ``close()``."""

    def __init__(self, directory: Path, call_id: str, rate: int = PHONE_RATE):
        directory.mkdir(parents=True, exist_ok=True)
        safe_id = _SAFE_ID.sub("_", call_id) or "call"
        self.path = directory / f"{safe_id}.wav"
        self.rate = rate
        self._wav = wave.open(str(self.path), "wb")
        self._wav.setnchannels(2)
        self._wav.setsampwidth(2)
        self._wav.setframerate(rate)
        self._queued = np.zeros(0, dtype=np.int16)
        self.frames_written = 0

    def caller(self, audio: bytes) -> None:
        """Inbound μ-law audio as received; advances the recording's clock."""
        left = mulaw.decode(audio)
        take = min(len(left), len(self._queued))
        right = np.zeros(len(left), dtype=np.int16)
        right[:take] = self._queued[:take]
        self._queued = self._queued[take:]
        self._write(left, right)

    def assistant(self, audio: bytes) -> None:
        """Outbound μ-law audio as sent to the caller; played out against the caller's clock."""
        self._queued = np.concatenate([self._queued, mulaw.decode(audio)])[: _MAX_QUEUED_S * self.rate]

    def clear_assistant(self) -> None:
        self._queued = np.zeros(0, dtype=np.int16)

    def close(self) -> None:
        """Flush assistant audio still queued (the caller had hung up or gone quiet) and close."""
        if self._wav is None:
            return
        if len(self._queued):
            self._write(np.zeros(len(self._queued), dtype=np.int16), self._queued)
            self._queued = np.zeros(0, dtype=np.int16)
        self._wav.close()
        self._wav = None

    def _write(self, left: np.ndarray, right: np.ndarray) -> None:
        if self._wav is None:
            raise ValueError("recording already closed")
        stereo = np.empty(2 * len(left), dtype="<i2")
        stereo[0::2], stereo[1::2] = left, right
        self._wav.writeframes(stereo.tobytes())
        self.frames_written += len(left)

    def __enter__(self) -> "CallRecorder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def purge_expired_recordings(directory: Path, retention_days: int, *, now: float | None = None) -> list[Path]:
    """Delete recordings last modified more than ``retention_days`` ago; return what was deleted."""
    if not directory.is_dir():
        return []
    cutoff = (time.time() if now is None else now) - retention_days * 86400
    deleted = []
    for path in sorted(directory.glob("*.wav")):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted
