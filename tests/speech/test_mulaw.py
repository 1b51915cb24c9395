import numpy as np
import pytest

from speech import mulaw


def test_decode__known_g711_codes():
    assert mulaw.decode(bytes([0xFF, 0x7F, 0x80, 0x00])).tolist() == [0, 0, 32124, -32124]


def test_encode__silence_is_0xff():
    assert mulaw.encode(np.zeros(4, np.int16)) == b"\xff" * 4


def test_round_trip__error_within_one_quantisation_step_for_every_int16():
    samples = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
    back = mulaw.decode(mulaw.encode(samples)).astype(np.int32)
    error = np.abs(back - np.clip(samples.astype(np.int32), -32636, 32636))
    # μ-law steps grow with magnitude (8 near zero, 1024 near full scale, about |x|/16).
    bound = np.maximum(16, np.abs(samples.astype(np.int32)) // 8)
    assert np.all(error <= bound)


def test_round_trip__codes_are_stable():
    codes = bytes(range(256))
    reencoded = mulaw.encode(mulaw.decode(codes))
    # 0x7F (-0) re-encodes as 0xFF (+0); every other code maps to itself.
    assert [a for a, b in zip(codes, reencoded) if a != b] == [0x7F]


def test_encode__matches_audioop_where_it_still_exists():
    # The reference is the standard library's own codec: Python 3.11 (this project's) has it; 3.13 removed it.
    audioop = pytest.importorskip("audioop", reason="audioop left the standard library in Python 3.13")
    samples = np.random.default_rng(1).integers(-32768, 32767, 20000, dtype=np.int16)
    assert mulaw.encode(samples) == audioop.lin2ulaw(samples.tobytes(), 2)
    assert mulaw.decode(mulaw.encode(samples)).tobytes() == audioop.ulaw2lin(mulaw.encode(samples), 2)


def test_decode__empty_input_gives_empty_array():
    assert mulaw.decode(b"").shape == (0,)
