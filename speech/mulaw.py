"""G.711 μ-law ⇄ 16-bit linear PCM with lookup tables (no ``audioop``: removed in Python 3.13).

Decoding is one 256-entry table; encoding is one 65 536-entry table indexed by the sample's
bit pattern, so both directions are a single numpy ``take`` per chunk. Tables are built on
first use, not at import.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

_BIAS = 0x84
_CLIP = 32635
SILENCE_BYTE = 0xFF  # μ-law code for linear 0


@lru_cache(maxsize=1)
def _decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


@lru_cache(maxsize=1)
def _encode_table() -> np.ndarray:
    # Index = sample viewed as uint16, so the table covers every int16 value exactly once.
    samples = np.arange(65536, dtype=np.int32)
    samples = np.where(samples >= 32768, samples - 65536, samples)
    sign = np.where(samples < 0, 0x80, 0x00)
    magnitude = np.minimum(np.abs(samples), _CLIP) + _BIAS
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)


def decode(mulaw: bytes | bytearray | memoryview) -> np.ndarray:
    """μ-law bytes → int16 samples (one sample per byte; any length is valid)."""
    codes = np.frombuffer(mulaw, dtype=np.uint8)
    return _decode_table()[codes]


def encode(samples: np.ndarray) -> bytes:
    """int16 samples → μ-law bytes."""
    pcm = np.ascontiguousarray(samples, dtype=np.int16)
    return _encode_table()[pcm.view(np.uint16)].tobytes()
