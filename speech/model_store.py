"""Which recognition engine and model folder to use, and loading it once per process.

``settings.engine`` picks the engine. Vosk's folder: ``VOSK_MODEL_PATH`` (``settings.model_path``), then
the catalogue model of ``settings.model_size`` under ``settings.models_dir``; Whisper's:
``settings.whisper_model_path``. ``ModelStore.get()`` loads the engine on first use under a lock, so
concurrent calls share one model; a failure is remembered and reported as one line, and the IVR runs
the line in keypad mode instead of crashing.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from speech.engine import Engine
from speech.errors import ModelUnavailable
from speech.model_catalogue import CATALOGUE
from speech.settings import SpeechSettings
from speech.vosk_engine import VoskEngine, check_model_folder, load_model
from speech.whisper_engine import WhisperEngine, check_whisper_folder

ENGINE_NAMES = {"vosk": "Vosk model", "whisper": "Whisper base model"}
# What each engine costs and how well it hears, as measured (docs/benchmarks.md: "Hotline latency",
# "Mandarin speech", "Mandarin call task success"); `yinling speech status` prints it.
ENGINE_MEASURED = {
    "vosk": "streams partial results; ~0.1-0.3 CPU-s per s of speech (Korean test model, issue 6); accuracy on "
            "Mandarin not measured (no Mandarin model reachable on the build machines)",
    "whisper": "decodes each turn after it ends; ~0.8 CPU-s per s of speech (2 threads); CER ~21 % on the "
               "Mandarin test voice over the phone channel with the plain prompt, lower with the hotline's words "
               "(docs/benchmarks.md)",
}


def measured_line() -> str:
    """One line for operators: each engine's measured cost and accuracy."""
    return "speech: measured — " + "; ".join(f"{name}: {text}" for name, text in ENGINE_MEASURED.items())


def resolve_model_path(settings: SpeechSettings) -> Path:
    if settings.engine == "whisper":
        return Path(settings.whisper_model_path)
    if settings.model_path is not None:
        return Path(settings.model_path)
    return Path(settings.models_dir) / CATALOGUE[settings.model_size].name


@dataclass(frozen=True)
class ModelStatus:
    """``available``: a model is loaded or loadable; ``path``: the folder looked at;
    ``line``: one human sentence for the start-up log."""

    available: bool
    path: Path
    line: str


def load_engine(settings: SpeechSettings, path: Path) -> Engine:
    """Load the configured engine from ``path`` (seconds). Raises ``ModelMissing``/``ModelCorrupt``."""
    if settings.engine == "whisper":
        return WhisperEngine(path, cpu_threads=settings.whisper_cpu_threads, workers=settings.whisper_workers,
                             beam_size=settings.whisper_beam_size, initial_prompt=settings.whisper_initial_prompt,
                             vocabulary=settings.whisper_vocabulary)
    return VoskEngine(load_model(path), settings.model_sample_rate)


class ModelStore:
    """Holds the process's one recognition engine (its model loaded once)."""

    def __init__(self, settings: SpeechSettings):
        self.settings = settings
        self.path = resolve_model_path(settings)
        self._lock = threading.Lock()
        self._model: Engine | None = None
        self._failure: ModelUnavailable | None = None

    def get(self) -> Engine:
        """The loaded engine; raises ``ModelUnavailable`` (the same one each time) if it cannot be."""
        with self._lock:
            if self._model is None and self._failure is None:
                try:
                    self._model = load_engine(self.settings, self.path)
                except ModelUnavailable as exc:
                    self._failure = exc
            if self._failure is not None:
                raise self._failure
            assert self._model is not None
            return self._model

    def status(self) -> ModelStatus:
        """Check without loading (cheap): is the folder there and complete?"""
        what = ENGINE_NAMES[self.settings.engine]
        if self._model is not None:
            return ModelStatus(True, self.path, f"speech: recognition engine {self.settings.engine}, {what} loaded "
                                                f"from {self.path}")
        failure = self._failure
        if failure is None:
            try:
                (check_whisper_folder if self.settings.engine == "whisper" else check_model_folder)(self.path)
            except ModelUnavailable as exc:
                failure = exc
        if failure is None:
            return ModelStatus(True, self.path, f"speech: recognition engine {self.settings.engine}, {what} found "
                                                f"at {self.path}")
        return ModelStatus(False, self.path, unavailable_line(failure, self.settings))


def unavailable_line(failure: ModelUnavailable, settings: SpeechSettings) -> str:
    """The single start-up line an operator sees when recognition is off."""
    if settings.engine == "whisper":
        remedy = "install it with `make whisper-model` or set YINLING_SPEECH_WHISPER_MODEL_PATH"
    else:
        remedy = f"install with `yinling speech download-model {settings.model_size}` or set VOSK_MODEL_PATH"
    return f"speech: recognition off ({settings.engine} engine), phone line in keypad mode — {failure.detail}; {remedy}"
