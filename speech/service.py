"""The process-wide side of recognition: one engine (Vosk or Whisper, ``settings.engine``) shared by
all calls, one thread pool for decoding, and the mode the phone line runs in (voice, or keypad when
there is no usable model). ``open_call()`` hands out a ``CallRecogniser`` per call; ``warm()`` readies
spare decoders at start-up.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from typing import Sequence

import numpy as np

from speech.errors import AudioFormatError, ModelUnavailable
from speech.frames import PHONE_RATE
from speech.model_store import ModelStore, unavailable_line
from speech.profile import CallProfile
from speech.recogniser import CallRecogniser, Encoding
from speech.resample import resample
from speech.settings import SpeechSettings
from speech.engine import Decoder

log = logging.getLogger(__name__)


class SpeechMode(Enum):
    VOICE = "voice"
    KEYPAD = "keypad"


class RecognitionService:
    """One per process. ``start()`` loads the model (seconds) and reports the mode."""

    def __init__(self, settings: SpeechSettings, store: ModelStore | None = None):
        self.settings = settings
        self.store = store or ModelStore(settings)
        self.mode: SpeechMode | None = None
        self._executor: ThreadPoolExecutor | None = None
        # Free-speech decoders of ended calls, kept warm for the next calls: a new Vosk recogniser
        # on a lookahead graph starts with an empty composition cache and decodes its first few
        # seconds of speech several times slower (measured in docs/benchmarks.md, hotline section).
        self._spare: list[Decoder] = []
        self._spare_lock = threading.Lock()

    def start(self) -> SpeechMode:
        """Load the model; on failure log one line and settle on keypad mode (never raises)."""
        try:
            self.store.get()
        except ModelUnavailable as exc:
            log.warning(unavailable_line(exc, self.settings))
            self.mode = SpeechMode.KEYPAD
            return self.mode
        self._executor = ThreadPoolExecutor(self.settings.decode_threads, thread_name_prefix="decode")
        log.info("speech: recognition on, %s engine, model %s", self.settings.engine, self.store.path)
        self.mode = SpeechMode.VOICE
        return self.mode

    def open_call(
        self, profile: CallProfile, *, encoding: Encoding = "mulaw", sample_rate: int = PHONE_RATE
    ) -> CallRecogniser:
        """A recogniser for one call. Raises ``ModelUnavailable`` in keypad mode and
        ``AudioFormatError`` for an encoding/rate the line cannot carry."""
        if self.mode is None:
            self.start()
        if self.mode is not SpeechMode.VOICE or self._executor is None:
            raise ModelUnavailable("speech recognition is off (keypad mode)")
        if encoding == "mulaw" and sample_rate != PHONE_RATE:
            raise AudioFormatError(f"μ-law audio must be {PHONE_RATE} Hz, not {sample_rate!r}")
        if encoding not in ("mulaw", "linear16"):
            raise AudioFormatError(f"unsupported encoding {encoding!r}")
        if not isinstance(sample_rate, int) or not 8000 <= sample_rate <= 48000:
            raise AudioFormatError(f"unsupported sample rate {sample_rate!r}")
        with self._spare_lock:
            decoder = self._spare.pop() if self._spare else None
        return CallRecogniser(self.store.get(), self._executor, self.settings, profile, encoding, sample_rate,
                              decoder=decoder, release=self._keep)

    def warm(self, phone_audio: Sequence[np.ndarray]) -> int:
        """Decode ``phone_audio`` (8 kHz int16 clips, e.g. rendered sentences) on up to ``warm_decoders``
        new free-speech decoders and keep them as spares, so the first calls after a start do not meet
        cold recognisers (a new Vosk recogniser on a lookahead graph decodes its first seconds several
        times slower). Whisper decoders hold no model state: one run readies CTranslate2. Blocking
        (seconds of CPU); returns how many decoders were warmed."""
        if self.mode is not SpeechMode.VOICE:
            return 0
        engine = self.store.get()
        clips = [resample(np.asarray(a, np.int16), PHONE_RATE, engine.sample_rate).astype("<i2").tobytes()
                 for a in phone_audio if len(a)]
        wanted = min(self.settings.warm_decoders, self.settings.spare_decoders)
        if engine.name == "whisper":
            wanted = min(wanted, 1)
        warmed = 0
        while clips and warmed < wanted and self._executor is not None:
            decoder = engine.new_decoder()
            for clip in clips:
                decoder.accept(clip)
                decoder.finish()
            with self._spare_lock:
                if self._executor is None or len(self._spare) >= self.settings.spare_decoders:
                    break
                self._spare.append(decoder)
            warmed += 1
        log.info("speech: %d spare %s decoder(s) warmed", warmed, engine.name)
        return warmed

    def _keep(self, decoder: Decoder) -> None:
        with self._spare_lock:
            if self._executor is not None and len(self._spare) < self.settings.spare_decoders:
                self._spare.append(decoder)

    def close(self) -> None:
        """Stop the decoding threads (waits for running steps; queued ones are dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        with self._spare_lock:
            self._spare.clear()
