import wave

import numpy as np
import pytest

from speech import pcm
from speech.errors import AudioFormatError


def test_level_dbfs__full_scale_sine_is_about_minus_3():
    t = np.arange(8000) / 8000
    sine = (32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    assert pcm.level_dbfs(sine) == pytest.approx(-3.0, abs=0.1)


def test_level_dbfs__digital_silence_and_empty_are_the_floor():
    assert pcm.level_dbfs(np.zeros(160, np.int16)) == -120.0
    assert pcm.level_dbfs(np.zeros(0, np.int16)) == -120.0


def test_from_bytes__trailing_half_sample_is_dropped():
    assert pcm.from_bytes(b"\x01\x00\x02\x00\x03").tolist() == [1, 2]


def test_read_wav__stereo_is_mixed_to_mono(tmp_path):
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(np.array([100, 300, -100, -300], dtype="<i2").tobytes())
    audio = pcm.read_wav(path)
    assert audio.samples.tolist() == [200, -200] and audio.rate == 8000


def test_read_wav__8_bit_samples_are_refused(tmp_path):
    path = tmp_path / "u8.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(b"\x80" * 100)
    with pytest.raises(AudioFormatError, match="8-bit"):
        pcm.read_wav(path)


def test_read_wav__garbage_file_is_a_format_error(tmp_path):
    path = tmp_path / "junk.wav"
    path.write_bytes(b"not a wav at all")
    with pytest.raises(AudioFormatError):
        pcm.read_wav(path)


def test_write_then_read_wav__round_trip(tmp_path):
    samples = np.arange(-50, 50, dtype=np.int16)
    pcm.write_wav(tmp_path / "a.wav", pcm.Pcm(samples, 8000))
    back = pcm.read_wav(tmp_path / "a.wav")
    assert back.rate == 8000 and back.samples.tolist() == samples.tolist()
