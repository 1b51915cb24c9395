"""The synthesis worker process: one espeak-ng instance, used through pyttsx3's ctypes binding.

Why not ``pyttsx3.Engine``: with pyttsx3 2.99 on Linux, ``save_to_file`` + ``runAndWait`` returns
before espeak's callback thread has written the file (so the file is often missing or empty),
and property changes (rate, voice) are applied one utterance late by the engine's command
queue. Both would garble audio. pyttsx3's espeak binding (``pyttsx3.drivers._espeak``) in
espeak's synchronous mode returns only when the whole utterance has been delivered to our
callback, and settings apply immediately. espeak-ng keeps global state and initialises once
per process, so each worker process holds exactly one instance and renders one text at a time;
concurrency comes from several worker processes (see ``speech.synthesis``).

This module's state lives in the worker process only; the parent never imports pyttsx3.
"""
from __future__ import annotations

import ctypes
import os
import threading
import time
from dataclasses import dataclass

import numpy as np

_BUFFER_MS = 200


@dataclass(frozen=True)
class WorkerResult:
    """``pcm``: int16 bytes at ``out_rate``; ``native_rate``: espeak's rate; ``error``: set instead
    of audio when the voice or library is unavailable or synthesis failed."""

    pcm: bytes
    out_rate: int
    native_rate: int
    error: str | None = None
    voice_missing: bool = False
    cpu_ms: float = 0.0  # CPU time of this worker for the rendering (load-independent cost)


class _Espeak:
    def __init__(self, voice: str):
        from pyttsx3.drivers import _espeak  # loads libespeak-ng; raises if it is not installed

        self._es = _espeak
        self.rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, None, 0)
        if self.rate <= 0:
            raise RuntimeError("espeak-ng failed to initialise")
        self._chunks: list[bytes] = []
        _espeak.SetSynthCallback(self._collect)
        if _espeak.SetVoiceByName(voice.encode()) != 0:
            raise LookupError(f"espeak-ng has no voice {voice!r}")
        self._current_rate: int | None = None

    def _collect(self, wav, numsamples, events) -> int:  # noqa: ANN001 - ctypes callback
        if numsamples > 0:
            self._chunks.append(ctypes.string_at(wav, numsamples * 2))
        return 0

    def render(self, text: str, rate_wpm: int) -> np.ndarray:
        if rate_wpm != self._current_rate:
            self._es.SetParameter(self._es.RATE, int(rate_wpm), 0)
            self._current_rate = rate_wpm
        self._chunks = []
        status = self._es.Synth(text, flags=self._es.CHARS_UTF8 | self._es.ENDPAUSE)
        if status != 0:
            raise RuntimeError(f"espeak_Synth returned {status}")
        return np.frombuffer(b"".join(self._chunks), dtype="<i2")


_instance: _Espeak | None = None  # this worker process's espeak (one per process by espeak's design)
_startup_error: tuple[str, bool] | None = None


def _exit_with_parent(parent_pid: int, poll_s: float = 1.0) -> None:
    """A spawned worker outlives a parent killed with SIGKILL (no shutdown runs): it would be left behind by
    every crash of a hotline worker. Once the worker is re-parented, it exits."""
    while os.getppid() == parent_pid:
        time.sleep(poll_s)
    os._exit(0)


def init_worker(voice: str, parent_pid: int | None = None) -> None:
    """Process-pool initializer. Never raises (a raising initializer breaks the whole pool);
    failures are reported by ``render`` instead. ``parent_pid``: the process that owns the pool; the
    worker exits when that process is gone."""
    global _instance, _startup_error
    if parent_pid is not None:
        threading.Thread(target=_exit_with_parent, args=(parent_pid,), name="exit-with-parent", daemon=True).start()
    try:
        _instance = _Espeak(voice)
    except LookupError as exc:
        _startup_error = (str(exc), True)
    except Exception as exc:  # noqa: BLE001 - library missing, init failure: report, do not die
        _startup_error = (f"espeak-ng unavailable: {exc}", True)


def render(text: str, rate_wpm: int, out_rate: int) -> WorkerResult:
    """Render ``text`` at ``rate_wpm`` and resample to ``out_rate``."""
    if _instance is None:
        message, missing = _startup_error or ("worker was not initialised", False)
        return WorkerResult(b"", out_rate, 0, error=message, voice_missing=missing)
    started = time.process_time()
    try:
        native = _instance.render(text, rate_wpm)
    except Exception as exc:  # noqa: BLE001 - crossing a process boundary: send text, not objects
        return WorkerResult(b"", out_rate, _instance.rate, error=f"synthesis failed: {exc}")
    from speech.resample import resample

    pcm = resample(native, _instance.rate, out_rate).astype("<i2").tobytes()
    return WorkerResult(pcm, out_rate, _instance.rate, cpu_ms=(time.process_time() - started) * 1000)
