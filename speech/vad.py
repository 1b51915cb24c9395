"""Voice activity on the phone line: Silero VAD (ONNX) plus the line's own background level.

Silero says whether a frame sounds like a human voice; it says so for a television's voices too
(measured: TV-like babble alone scores above 0.5 in ~98 % of windows), so speech here also needs
the frame to be louder than the line's recent background by ``margin_db``. The caller is near the
handset's microphone and the TV across the room; that level difference is what tells them apart.

- ``VadModel``: the ONNX session, loaded once per process (``faster_whisper/assets/silero_vad_v6.onnx``
  from the faster-whisper wheel, or ``SpeechSettings.vad_model_path``); ``VadUnavailable`` if neither
  onnxruntime nor the file is there (the recogniser then falls back to energy endpointing).
- ``LineVad``: one per call. ``push(samples)`` takes one 20 ms frame of 8 kHz int16 audio and returns
  a ``VadFrame`` (speech probability of the latest 32 ms window, frame level, background level).
- ``Background``: the background level, the 75th percentile of recent frames heard while the caller
  was not speaking (so most of a TV's syllables count as background, not just its quiet gaps). The call's
  first ``min_frames`` (0.4 s, while the greeting starts) all count and no speech can start; after
  that a frame counts once it is ``lag`` frames (1 s) old with no speech started meanwhile, so
  the onset of the caller's own speech, which Silero may score several windows late, is not
  taken for the room.

Silero v6's ONNX graph takes 16 kHz windows of 512 samples with 64 samples of context and carries
its LSTM state (h, c) between calls, so feeding one window at a time is the model's streaming mode.
"""
from __future__ import annotations

import importlib.util
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from speech.errors import VadUnavailable
from speech.pcm import level_dbfs
from speech.resample import StreamResampler

VAD_RATE = 16000
_WINDOW, _CONTEXT = 512, 64
_BUNDLED = ("faster_whisper", "assets/silero_vad_v6.onnx")


def bundled_model_path() -> Path | None:
    """Silero v6 as the faster-whisper wheel ships it, if that package is installed."""
    spec = importlib.util.find_spec(_BUNDLED[0])
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / _BUNDLED[1]
    return path if path.is_file() else None


class VadModel:
    """The Silero ONNX session, shared by every call (``run`` is thread-safe in onnxruntime)."""

    _lock = threading.Lock()
    _loaded: dict[Path, "VadModel"] = {}

    def __init__(self, path: Path):
        try:
            import onnxruntime
        except ImportError as exc:
            raise VadUnavailable("onnxruntime is not installed") from exc
        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = options.intra_op_num_threads = 1  # one window is ~0.3 ms
        options.log_severity_level = 4
        try:
            self.session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"],
                                                        sess_options=options)
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
            raise VadUnavailable(f"cannot load the VAD model {path}: {exc}") from exc
        self.path = path

    @classmethod
    def load(cls, path: Path | None = None) -> "VadModel":
        """The process's model for ``path`` (default: the bundled one), loaded on first use."""
        path = path or bundled_model_path()
        if path is None or not Path(path).is_file():
            raise VadUnavailable(f"no Silero VAD model (looked for {path or 'faster_whisper/assets'})")
        with cls._lock:
            if path not in cls._loaded:
                cls._loaded[path] = cls(Path(path))
            return cls._loaded[path]

    def window(self, audio: np.ndarray, state: tuple[Any, Any]) -> tuple[float, tuple[Any, Any]]:
        """Speech probability of one 576-sample (context + window) float32 input."""
        prob, h, c = self.session.run(None, {"input": audio[None, :], "h": state[0], "c": state[1]})
        return float(np.ravel(prob)[0]), (h, c)


@dataclass(frozen=True)
class VadFrame:
    """``prob``: Silero's speech probability of the latest window; ``level_dbfs``: this frame's
    RMS level; ``background_dbfs``: the line's background level before this frame."""

    prob: float
    level_dbfs: float
    background_dbfs: float


class Background:
    """Recent non-speech frame levels; ``level`` is their ``percentile``-th percentile (never below
    ``quiet_dbfs``), or +inf until ``min_frames`` have been counted."""

    def __init__(self, frames: int = 150, percentile: float = 75.0, quiet_dbfs: float = -60.0,
                 min_frames: int = 20, lag: int = 50):
        self._levels: deque[float] = deque(maxlen=frames)
        self._recent: deque[float] = deque()
        self.percentile, self.quiet_dbfs, self.min_frames, self.lag = percentile, quiet_dbfs, min_frames, lag
        self.level = float("inf")

    def add(self, level: float) -> None:
        if len(self._levels) < self.min_frames:
            self._levels.append(level)
        else:
            self._recent.append(level)
            if len(self._recent) <= self.lag:
                return
            self._levels.append(self._recent.popleft())
        if len(self._levels) >= self.min_frames:
            self.level = max(self.quiet_dbfs, float(np.percentile(self._levels, self.percentile)))

    def speech_started(self) -> None:
        """The frames not yet counted led into the caller's speech: they are not the room."""
        self._recent.clear()


class LineVad:
    """One call's VAD state. ``push`` one frame at a time, from one task."""

    def __init__(self, model: VadModel, sample_rate: int = 8000):
        self._model = model
        self._resampler = StreamResampler(sample_rate, VAD_RATE)
        self._pending = np.zeros(0, np.float32)
        self._context = np.zeros(_CONTEXT, np.float32)
        self._state = (np.zeros((1, 1, 128), np.float32), np.zeros((1, 1, 128), np.float32))
        self.prob = 0.0
        self.background = Background()

    def push(self, samples: np.ndarray) -> VadFrame:
        audio = self._resampler.push(samples).astype(np.float32) / 32768.0
        self._pending = np.concatenate([self._pending, audio])
        while len(self._pending) >= _WINDOW:
            window, self._pending = self._pending[:_WINDOW], self._pending[_WINDOW:]
            self.prob, self._state = self._model.window(np.concatenate([self._context, window]), self._state)
            self._context = window[-_CONTEXT:]
        return VadFrame(self.prob, level_dbfs(samples), self.background.level)

    def forget_voice(self) -> None:
        """Start the model afresh (its LSTM state and context), keeping the room's level. Called when a
        turn ends: carried over from a sentence, the state kept a following bare 对 (250 ms) below the
        speech probability until the word was over, so it never started a turn."""
        self._context = np.zeros(_CONTEXT, np.float32)
        self._state = (np.zeros((1, 1, 128), np.float32), np.zeros((1, 1, 128), np.float32))

    def heard_background(self, level: float) -> None:
        """A frame heard while the caller was not speaking: it describes the room (unless speech
        starts within ``Background.lag`` frames)."""
        self.background.add(level)

    def speech_started(self) -> None:
        self.background.speech_started()
