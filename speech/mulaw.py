"""G.711 μ-law ⇄ 16-bit linear PCM with lookup tables (no ``audioop``: removed in Python 3.13).

Decoding is one 256-entry table; encoding is one 65 536-entry table indexed by the sample's
bit pattern, so both directions are a single numpy ``take`` per chunk. Tables are built on
first use, not at import.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

_BIAS = 0x84
_CLIP14 = 8159  # 14-bit clip level of the reference encoder
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
    # The reference G.711 encoder (Sun's g711.c, as audioop used): work on 14-bit magnitudes,
    # with an arithmetic shift, so negative values round the same way as the reference.
    samples = np.arange(65536, dtype=np.int32)
    samples = np.where(samples >= 32768, samples - 65536, samples) >> 2
    mask = np.where(samples < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(samples), _CLIP14) + (_BIAS >> 2)
    segment = np.maximum(0, _bit_length(magnitude) - 6)
    mantissa = (magnitude >> (np.minimum(segment, 7) + 1)) & 0x0F
    code = np.where(segment >= 8, 0x7F, (segment << 4) | mantissa)
    return (code ^ mask).astype(np.uint8)


def _bit_length(values: np.ndarray) -> np.ndarray:
    return np.floor(np.log2(np.maximum(values, 1))).astype(np.int32) + 1


def decode(mulaw: bytes | bytearray | memoryview) -> np.ndarray:
    """μ-law bytes → int16 samples (one sample per byte; any length is valid)."""
    codes = np.frombuffer(mulaw, dtype=np.uint8)
    return _decode_table()[codes]


def encode(samples: np.ndarray) -> bytes:
    """int16 samples → μ-law bytes."""
    pcm = np.ascontiguousarray(samples, dtype=np.int16)
    return _encode_table()[pcm.view(np.uint16)].tobytes()
