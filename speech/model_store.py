"""Which model folder to use, and loading it once per process.

Resolution order: ``VOSK_MODEL_PATH`` (``settings.model_path``), then the catalogue model of
``settings.model_size`` under ``settings.models_dir``. ``ModelStore.get()`` loads on first use
under a lock, so concurrent calls share one model; a failure is remembered and reported as one
line, and the IVR runs the line in keypad mode instead of crashing.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from speech.errors import ModelUnavailable
from speech.model_catalogue import CATALOGUE
from speech.settings import SpeechSettings
from speech.vosk_engine import check_model_folder, load_model


def resolve_model_path(settings: SpeechSettings) -> Path:
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


class ModelStore:
    """Holds the process's one Vosk model."""

    def __init__(self, settings: SpeechSettings):
        self.settings = settings
        self.path = resolve_model_path(settings)
        self._lock = threading.Lock()
        self._model: Any = None
        self._failure: ModelUnavailable | None = None

    def get(self) -> Any:
        """The loaded model; raises ``ModelUnavailable`` (the same one each time) if it cannot be."""
        with self._lock:
            if self._model is None and self._failure is None:
                try:
                    self._model = load_model(self.path)
                except ModelUnavailable as exc:
                    self._failure = exc
            if self._failure is not None:
                raise self._failure
            return self._model

    def status(self) -> ModelStatus:
        """Check without loading (cheap): is the folder there and complete?"""
        if self._model is not None:
            return ModelStatus(True, self.path, f"speech: Vosk model loaded from {self.path}")
        failure = self._failure
        if failure is None:
            try:
                check_model_folder(self.path)
            except ModelUnavailable as exc:
                failure = exc
        if failure is None:
            return ModelStatus(True, self.path, f"speech: Vosk model found at {self.path}")
        return ModelStatus(False, self.path, unavailable_line(failure, self.settings))


def unavailable_line(failure: ModelUnavailable, settings: SpeechSettings) -> str:
    """The single start-up line an operator sees when recognition is off."""
    return (
        f"speech: recognition off, phone line in keypad mode — {failure.detail}; "
        f"install with `yinling speech download-model {settings.model_size}` or set VOSK_MODEL_PATH"
    )
