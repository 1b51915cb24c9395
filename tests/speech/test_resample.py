import numpy as np
import pytest

from speech.errors import AudioFormatError
from speech.resample import StreamResampler, resample


def _tone(freq: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (10000 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def _peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def test_stream_resampler__8k_to_16k_in_20ms_chunks_keeps_length_and_pitch():
    tone = _tone(440, 8000)
    stream = StreamResampler(8000, 16000)
    pieces = [stream.push(tone[i : i + 160]) for i in range(0, len(tone), 160)]
    pieces.append(stream.push(np.zeros(0, np.int16), last=True))
    out = np.concatenate(pieces)
    assert abs(len(out) - 16000) <= 2
    assert _peak_hz(out, 16000) == pytest.approx(440, abs=2)


def test_resample__22050_to_8k_keeps_pitch():
    out = resample(_tone(1000, 22050), 22050, 8000)
    assert abs(len(out) - 8000) <= 2 and _peak_hz(out, 8000) == pytest.approx(1000, abs=2)


def test_resample__same_rate_is_identity():
    tone = _tone(300, 8000, 0.1)
    assert resample(tone, 8000, 8000) is not None and resample(tone, 8000, 8000).tolist() == tone.tolist()


@pytest.mark.parametrize("rate", [0, -8000, 1_000_000, 8000.5])
def test_stream_resampler__impossible_rate_is_a_format_error(rate):
    with pytest.raises(AudioFormatError):
        StreamResampler(rate, 16000)
