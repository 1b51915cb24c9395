"""16-bit mono PCM: byte/array conversion, frame levels and WAV files.

Every audio path in this package meets here as ``int16`` numpy arrays plus an explicit rate.
"""
from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speech.errors import AudioFormatError

_FULL_SCALE = 32768.0
_FLOOR_DBFS = -120.0


@dataclass(frozen=True)
class Pcm:
    """Mono audio. ``samples``: int16 array; ``rate``: samples per second."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def from_bytes(data: bytes | bytearray | memoryview) -> np.ndarray:
    """Little-endian int16 bytes → samples. A trailing odd byte (half a sample) is dropped."""
    usable = len(data) - (len(data) % 2)
    return np.frombuffer(memoryview(data)[:usable], dtype="<i2").astype(np.int16, copy=False)


def level_dbfs(samples: np.ndarray) -> float:
    """RMS level of a frame in dB relative to full scale; silence is -120."""
    if len(samples) == 0:
        return _FLOOR_DBFS
    rms = float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))
    if rms <= 0.0:
        return _FLOOR_DBFS
    return max(_FLOOR_DBFS, 20.0 * np.log10(rms / _FULL_SCALE))


def read_wav(path: Path | str) -> Pcm:
    """Read a 16-bit PCM WAV; stereo is mixed down. Other sample widths are refused."""
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(f"{path}: not a readable WAV file ({exc})") from exc
    if width != 2:
        raise AudioFormatError(f"{path}: {8 * width}-bit samples; only 16-bit PCM is accepted")
    samples = from_bytes(raw)
    if channels > 1:
        frames = samples[: len(samples) - len(samples) % channels].reshape(-1, channels)
        samples = frames.astype(np.int32).mean(axis=1).astype(np.int16)
    return Pcm(samples, rate)


def write_wav(path: Path | str, pcm: Pcm) -> None:
    """Write mono 16-bit PCM as a standard WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(pcm.rate)
        wav.writeframes(np.ascontiguousarray(pcm.samples, dtype="<i2").tobytes())
