"""Sample-rate conversion with soxr (a maintained resampler; ``audioop.ratecv`` is gone in 3.13).

``StreamResampler`` keeps filter state across chunks so a call's audio is converted without
clicks at chunk borders; ``resample`` converts a whole buffer at once.
"""
from __future__ import annotations

import numpy as np
import soxr

from speech.errors import AudioFormatError

_MIN_RATE, _MAX_RATE = 4000, 192000


def _check_rate(rate: int) -> None:
    if not isinstance(rate, int) or not _MIN_RATE <= rate <= _MAX_RATE:
        raise AudioFormatError(f"unsupported sample rate {rate!r} (expected {_MIN_RATE}–{_MAX_RATE} Hz)")


def resample(samples: np.ndarray, in_rate: int, out_rate: int) -> np.ndarray:
    """Whole-buffer conversion of int16 samples."""
    _check_rate(in_rate)
    _check_rate(out_rate)
    if in_rate == out_rate or len(samples) == 0:
        return np.asarray(samples, dtype=np.int16)
    return soxr.resample(np.asarray(samples, dtype=np.int16), in_rate, out_rate, quality="HQ")


class StreamResampler:
    """Chunk-by-chunk conversion with state carried between chunks."""

    def __init__(self, in_rate: int, out_rate: int):
        _check_rate(in_rate)
        _check_rate(out_rate)
        self.in_rate, self.out_rate = in_rate, out_rate
        self._stream = None if in_rate == out_rate else soxr.ResampleStream(
            in_rate, out_rate, 1, dtype="int16", quality="HQ"
        )

    def push(self, samples: np.ndarray, last: bool = False) -> np.ndarray:
        """Convert the next chunk; ``last=True`` flushes the filter's delay line."""
        samples = np.asarray(samples, dtype=np.int16)
        if self._stream is None:
            return samples
        return self._stream.resample_chunk(samples, last=last)
