"""Speech synthesis for the phone line: text → espeak-ng (Mandarin ``cmn``) → 8 kHz μ-law frames.

``Synthesiser`` (one per process) keeps a pool of worker processes, each with its own espeak-ng
(see ``speech.tts_worker`` for why not ``pyttsx3.Engine``). Renderings from concurrent calls run
in different workers, never interleaved in one espeak instance, so they neither wait for each
other beyond the pool size nor mix audio. Every result is checked to contain real audio.
Fixed prompts go through a bounded cache keyed by (spoken text, voice, rate).
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import re
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import AsyncIterator

import numpy as np

from speech import mulaw
from speech.errors import SynthesisError, VoiceUnavailable
from speech.frames import FRAME_BYTES, PHONE_RATE, split_frames
from speech.profile import CallProfile
from speech.prompt_cache import PromptCache
from speech.readback import readback
from speech.settings import SpeechSettings
from speech import tts_worker

_MIN_SECONDS_PER_CHAR = 0.02  # far below any real speech: catches empty/truncated renderings
_CLAUSE_END = re.compile(r"(?<=[，。！？；、,.!?;])")


def split_clauses(spoken: str) -> list[str]:
    """Cut after clause punctuation, keeping it (espeak pauses on it); drop empty pieces."""
    return [piece for piece in (p.strip() for p in _CLAUSE_END.split(spoken)) if any(ch.isalnum() for ch in piece)]


@dataclass(frozen=True)
class RenderedSpeech:
    """``spoken``: the text after read-back normalisation; ``pcm``: int16 samples at 8 kHz;
    ``frames``: 20 ms μ-law frames (160 bytes) ready for Media Streams; ``render_ms``: wall time
    taken; ``cpu_ms``: the worker's CPU time for it (what it costs on an idle machine)."""

    spoken: str
    rate_wpm: int
    pcm: np.ndarray = field(repr=False)
    frames: tuple[bytes, ...] = field(repr=False)
    render_ms: float = 0.0
    cpu_ms: float = 0.0

    @property
    def seconds(self) -> float:
        return len(self.pcm) / PHONE_RATE

    @property
    def mulaw(self) -> bytes:
        return b"".join(self.frames)


class Synthesiser:
    """One per process. ``start()`` spawns the workers and checks the voice; rendering starts
    them on demand too. ``close()`` stops them."""

    def __init__(self, settings: SpeechSettings):
        self.settings = settings
        self._pool: ProcessPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self.cache: PromptCache[RenderedSpeech] = PromptCache(settings.prompt_cache_entries)

    def start(self) -> None:
        """Spawn the workers and render a probe in each, so a missing voice shows at start-up."""
        pool = self._get_pool()
        futures = [pool.submit(tts_worker.render, "好", self.settings.normal_rate_wpm, PHONE_RATE)
                   for _ in range(self.settings.synth_workers)]
        for future in futures:
            self._check(future.result(timeout=self.settings.synth_timeout_s + 30), "好")

    def render_blocking(self, text: str, profile: CallProfile, *, normalise: bool = True) -> RenderedSpeech:
        spoken = readback(text) if normalise else text
        started = time.perf_counter()
        future = self._submit(spoken, profile.rate_wpm)
        try:
            result = future.result(timeout=self.settings.synth_timeout_s)
        except TimeoutError as exc:
            self._reset_pool()
            raise SynthesisError(f"synthesis took longer than {self.settings.synth_timeout_s}s") from exc
        except BrokenProcessPool as exc:
            self._reset_pool()
            raise SynthesisError("a synthesis worker died") from exc
        return self._finish(spoken, profile.rate_wpm, result, started)

    async def render(self, text: str, profile: CallProfile, *, normalise: bool = True) -> RenderedSpeech:
        """Render any text for this call's pace, without blocking the event loop."""
        spoken = readback(text) if normalise else text
        started = time.perf_counter()
        future = asyncio.wrap_future(self._submit(spoken, profile.rate_wpm))
        try:
            result = await asyncio.wait_for(future, self.settings.synth_timeout_s)
        except asyncio.TimeoutError as exc:
            self._reset_pool()
            raise SynthesisError(f"synthesis took longer than {self.settings.synth_timeout_s}s") from exc
        except BrokenProcessPool as exc:
            self._reset_pool()
            raise SynthesisError("a synthesis worker died") from exc
        return self._finish(spoken, profile.rate_wpm, result, started)

    async def stream(self, text: str, profile: CallProfile) -> AsyncIterator[RenderedSpeech]:
        """Render clause by clause, yielding each as soon as it and those before it are ready:
        the IVR can start playing after the first clause (all clauses render in parallel)."""
        clauses = split_clauses(readback(text))
        if not clauses:
            raise SynthesisError("nothing to say: empty text")
        tasks = [asyncio.ensure_future(self.render(clause, profile, normalise=False)) for clause in clauses]
        try:
            for task in tasks:
                yield await task
        finally:
            for task in tasks:
                task.cancel()

    async def prompt(self, text: str, profile: CallProfile) -> RenderedSpeech:
        """Render a fixed prompt, from the cache when it was rendered at this pace before."""
        key = (readback(text), self.settings.voice, profile.rate_wpm)
        return await self.cache.get_or_render(key, lambda: self.render(text, profile))

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    # -- internals ----------------------------------------------------------------------
    def _get_pool(self) -> ProcessPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                # spawn, not fork: the parent may hold a Vosk model and threads that fork would copy
                self._pool = ProcessPoolExecutor(
                    max_workers=self.settings.synth_workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=tts_worker.init_worker,
                    initargs=(self.settings.voice, os.getpid()),
                )
            return self._pool

    def _submit(self, spoken: str, rate_wpm: int):  # noqa: ANN202 - concurrent.futures.Future
        if not spoken.strip():
            raise SynthesisError("nothing to say: empty text")
        try:
            return self._get_pool().submit(tts_worker.render, spoken, rate_wpm, PHONE_RATE)
        except BrokenProcessPool:
            self._reset_pool()
            return self._get_pool().submit(tts_worker.render, spoken, rate_wpm, PHONE_RATE)

    def _reset_pool(self) -> None:
        """Drop a pool with a hung or dead worker; the next rendering starts a fresh one."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            # ProcessPoolExecutor cannot kill a busy worker publicly; terminate its own children.
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            pool.shutdown(wait=False, cancel_futures=True)

    def _check(self, result: tts_worker.WorkerResult, spoken: str) -> np.ndarray:
        if result.error:
            raise (VoiceUnavailable if result.voice_missing else SynthesisError)(result.error)
        samples = np.frombuffer(result.pcm, dtype="<i2")
        visible = sum(ch.isalnum() for ch in spoken)
        if len(samples) == 0 or len(samples) / PHONE_RATE < _MIN_SECONDS_PER_CHAR * visible:
            raise SynthesisError(f"synthesiser returned {len(samples)} samples for {len(spoken)} characters")
        return samples

    def _finish(self, spoken: str, rate_wpm: int, result: tts_worker.WorkerResult, started: float) -> RenderedSpeech:
        samples = self._check(result, spoken)
        frames = tuple(split_frames(mulaw.encode(samples), FRAME_BYTES))
        elapsed = (time.perf_counter() - started) * 1000
        return RenderedSpeech(spoken, rate_wpm, samples.astype(np.int16), frames, round(elapsed, 2), round(result.cpu_ms, 2))
