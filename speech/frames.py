"""Fixed-size frames for the phone line: 20 ms of 8 kHz μ-law is 160 bytes (Twilio Media Streams).

``FrameBuffer`` turns arbitrary inbound chunks into whole frames and keeps the remainder, so a
stream that stops mid-frame loses nothing until ``drain()``; ``split_frames`` cuts outbound audio
into frames, padding the last one with μ-law silence.
"""
from __future__ import annotations

from speech.mulaw import SILENCE_BYTE

PHONE_RATE = 8000
FRAME_MS = 20
FRAME_BYTES = PHONE_RATE * FRAME_MS // 1000  # μ-law: one byte per sample


class FrameBuffer:
    """Accumulates bytes and hands out whole frames of ``frame_bytes``."""

    def __init__(self, frame_bytes: int = FRAME_BYTES):
        if frame_bytes <= 0:
            raise ValueError("frame_bytes must be positive")
        self.frame_bytes = frame_bytes
        self._pending = bytearray()

    def push(self, chunk: bytes) -> list[bytes]:
        """Add a chunk; return every frame now complete, oldest first."""
        self._pending += chunk
        whole = len(self._pending) - len(self._pending) % self.frame_bytes
        frames = [bytes(self._pending[i : i + self.frame_bytes]) for i in range(0, whole, self.frame_bytes)]
        del self._pending[:whole]
        return frames

    def drain(self) -> bytes:
        """Return and forget the incomplete tail (shorter than one frame, possibly empty)."""
        tail = bytes(self._pending)
        self._pending.clear()
        return tail

    @property
    def pending_bytes(self) -> int:
        return len(self._pending)


def split_frames(mulaw: bytes, frame_bytes: int = FRAME_BYTES) -> list[bytes]:
    """Cut μ-law audio into frames; the last one is padded with silence to full length."""
    frames = [mulaw[i : i + frame_bytes] for i in range(0, len(mulaw), frame_bytes)]
    if frames and len(frames[-1]) < frame_bytes:
        frames[-1] = frames[-1] + bytes([SILENCE_BYTE]) * (frame_bytes - len(frames[-1]))
    return frames
