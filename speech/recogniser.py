"""Recognition for one call.

``CallRecogniser`` (one per call, opened by ``speech.service.RecognitionService``) takes the call's audio in any chunk sizes and returns events:
``SpeechStarted`` (barge-in), ``PartialResult`` and ``FinalUtterance``. Its ``feed`` is one loop
over 20 ms frames driven by the call's ``TurnTaker`` (Silero VAD and the end-of-turn policy, or
the old energy threshold); Vosk only sees audio from just before speech starts until the
utterance ends, always in the service's thread pool, and a quiet line costs no decoding at all.
The engine (Vosk or Whisper, ``speech.engine``) only changes what the decoder does with that audio.

Decoding runs beside the frames, not in their way: each 100 ms batch is handed to the pool as a
task chained after the previous one, and ``feed`` returns without waiting for it, so speech
start (barge-in) and the end of a turn are found at line pace even when decoding lags. Partial
results come back with a later ``feed``; only the final result of an utterance is waited for.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Literal, Sequence, TypeVar

import numpy as np

from speech import mulaw, pcm
from speech.asr_text import normalise_transcript
from speech.endpointing import Boundary
from speech.engine import Decoder, Engine
from speech.errors import RecogniserClosed
from speech.events import EndReason, FinalUtterance, PartialResult, RecognitionEvent, SpeechStarted, Word
from speech.frames import FRAME_MS, FrameBuffer
from speech.profile import CallProfile
from speech.resample import StreamResampler
from speech.settings import SpeechSettings
from speech.turn_taker import TurnTaker
from speech.vosk_engine import Segment

log = logging.getLogger(__name__)
T = TypeVar("T")

Encoding = Literal["mulaw", "linear16"]
_DECODE_BATCH_MS = 100  # hand Vosk 100 ms at a time: fewer thread hops, same latency at the end
# Within an utterance, silence beyond this is not decoded (an elder's 1.5 s end-of-turn silence
# and long pauses would otherwise cost decoding time); word times are shifted back afterwards.
_FED_SILENCE_MS = 300


class CallRecogniser:
    """Recognition for one call. Call ``feed``/``finish`` from one task at a time."""

    def __init__(self, engine: Engine, executor: ThreadPoolExecutor, settings: SpeechSettings,
                 profile: CallProfile, encoding: Encoding, sample_rate: int, *,
                 decoder: Decoder | None = None, release: Callable[[Decoder], None] | None = None):
        """``decoder``: a warm free-speech decoder from an ended call (else a new one);
        ``release``: where ``close()`` hands this call's free-speech decoder back, if it is idle."""
        self._engine, self._executor, self._settings = engine, executor, settings
        self._encoding, self.sample_rate = encoding, sample_rate
        self._frame_samples = sample_rate * FRAME_MS // 1000
        self._frames = FrameBuffer(self._frame_samples * (1 if encoding == "mulaw" else 2))
        self._turn = TurnTaker(settings, profile, sample_rate, FRAME_MS)
        self._preroll: deque[np.ndarray] = deque(maxlen=max(settings.preroll_ms, self._turn.preroll_ms) // FRAME_MS)
        self._free = decoder or engine.new_decoder()
        self._release = release
        self._steps = 0  # decoding steps running in the pool
        self._pending: asyncio.Task | None = None  # the last batch handed to the pool (chained)
        self._ready: list[RecognitionEvent] = []  # partial results decoded since the last feed
        self._failed: RecogniserClosed | None = None
        self._restricted: Decoder | None = None
        self._wanted_phrases: tuple[str, ...] | None = None
        self._decoder = self._free
        self._resampler: StreamResampler | None = None
        self._batch: list[np.ndarray] = []
        self._segments: list[Segment] = []
        self._utt_start_s = 0.0
        self._utt_fed_offset_s = 0.0
        self._utt_fed_samples = 0  # input samples of this utterance handed to the decoder
        self._gaps: list[list[float]] = []  # [decoder-relative time, seconds skipped there]
        self._last_partial = ""
        self._samples_seen = 0
        self._closed = False

    # -- public -------------------------------------------------------------------------
    def use_grammar(self, phrases: Sequence[str] | None) -> None:
        """Restrict the next utterances to ``phrases`` (e.g. ``grammars.YES_NO_CN``); None lifts
        the restriction. Phrases with words the model does not know are dropped (logged); if none
        is left, free speech stays on. Takes effect from the next utterance, never mid-utterance."""
        self._turn.expect_yes_no(bool(phrases))  # a read-back: a short answer may end the turn quickly
        if not phrases:
            self._wanted_phrases = None
            return
        usable, dropped = self._engine.usable_phrases(phrases)
        if dropped:
            log.warning("speech: grammar words unknown to the model, ignored: %s", " / ".join(dropped))
        # "[unk]" lets out-of-grammar speech come out as unknown instead of a forced "yes".
        unknown = (self._engine.unknown_word,) if self._engine.unknown_word else ()
        self._wanted_phrases = usable + unknown if usable else None

    def set_profile(self, profile: CallProfile) -> None:
        """Follow a changed pace (elder mode lengthens the silence that ends an utterance)."""
        self._turn.set_profile(profile)

    @property
    def in_speech(self) -> bool:
        return self._turn.in_speech

    def hint_text(self, text: str) -> None:
        """Tell the end-of-turn policy the caller's words so far when they are known from
        elsewhere than this call's decoder (the benchmarks' scripted callers)."""
        self._turn.hint_text(text)

    @property
    def turn_taking(self) -> str:
        """"vad" or "energy" (the setting, or energy when Silero could not be loaded)."""
        return self._turn.mode

    async def feed(self, chunk: bytes) -> list[RecognitionEvent]:
        """Process a chunk of the call's audio (any length) and return what it produced."""
        if self._closed:
            raise RecogniserClosed("audio fed after the call recogniser was closed")
        if self._failed is not None:
            raise self._failed
        events: list[RecognitionEvent] = []
        for frame in self._frames.push(chunk):
            await self._frame(self._samples(frame), events)
        events[:0], self._ready = self._ready, []
        return events

    async def finish(self) -> list[RecognitionEvent]:
        """End of stream: use any incomplete frame, close an open utterance, then ``close()``."""
        events: list[RecognitionEvent] = []
        if not self._closed:
            tail = self._samples(self._frames.drain())
            if len(tail) and self._turn.in_speech:
                self._queue(tail)
                self._samples_seen += len(tail)
            if self._turn.in_speech and self._utt_fed_samples:
                await self._finalise("end_of_stream", events)
            elif self._pending is not None:
                await asyncio.wait([self._pending])
            self.close()
        return events

    def close(self) -> None:
        """Release the call's buffers and its Vosk recognisers (tens of MB) now, not at GC time;
        a decoding step still running keeps its own reference until it returns. An idle
        free-speech decoder (no step running, no utterance half-decoded) goes back to ``release``."""
        if self._release is not None and self._free is not None and not self._steps and not self._free.in_utterance:
            self._release(self._free)
        self._release = None
        self._closed = True
        self._batch.clear()
        self._segments.clear()
        self._preroll.clear()
        self._free = self._restricted = self._decoder = None  # type: ignore[assignment]

    # -- the loop's steps ---------------------------------------------------------------
    def _samples(self, data: bytes) -> np.ndarray:
        return mulaw.decode(data) if self._encoding == "mulaw" else pcm.from_bytes(data)

    async def _frame(self, samples: np.ndarray, events: list[RecognitionEvent]) -> None:
        self._samples_seen += len(samples)
        was_in_speech = self._turn.in_speech
        boundary = self._turn.push(samples)
        if boundary is Boundary.STARTED:
            self._begin_utterance(samples)
            events.append(SpeechStarted(at_s=round(self._now() - self._turn.start_ms / 1000, 3)))
        elif not was_in_speech:
            self._preroll.append(samples)
            return
        elif self._turn.silence_ms > _FED_SILENCE_MS:
            self._skip(len(samples))
        else:
            self._queue(samples)
        if boundary is Boundary.ENDED:
            await self._finalise("silence", events)
        elif boundary is Boundary.CUT:
            await self._finalise("max_length", events)
            self._begin_utterance(None)
        elif sum(len(b) for b in self._batch) * 1000 >= _DECODE_BATCH_MS * self.sample_rate:
            self._schedule_decode()

    def _queue(self, samples: np.ndarray) -> None:
        self._batch.append(samples)
        self._utt_fed_samples += len(samples)

    def _skip(self, count: int) -> None:
        at = self._utt_fed_samples / self.sample_rate
        if self._gaps and self._gaps[-1][0] == at:
            self._gaps[-1][1] += count / self.sample_rate
        else:
            self._gaps.append([at, count / self.sample_rate])

    def _call_time(self, decoder_time: float, *, is_end: bool = False) -> float:
        """Decoder time (seconds of audio it was fed) → seconds since the call began. A word
        ending where silence was skipped ends before the gap; one starting there, after it."""
        relative = decoder_time - self._utt_fed_offset_s
        skipped = sum(gap for at, gap in self._gaps if (at < relative - 1e-6 if is_end else at <= relative + 1e-6))
        return round(self._utt_start_s + relative + skipped, 3)

    def _now(self) -> float:
        return self._samples_seen / self.sample_rate

    def _begin_utterance(self, current: np.ndarray | None) -> None:
        self._decoder = self._pick_decoder()
        self._batch = list(self._preroll) + ([current] if current is not None else [])
        self._preroll.clear()
        self._utt_fed_samples = sum(len(b) for b in self._batch)
        self._gaps = []
        self._utt_start_s = self._now() - self._utt_fed_samples / self.sample_rate
        self._utt_fed_offset_s = self._decoder.fed_seconds
        self._resampler = StreamResampler(self.sample_rate, self._engine.sample_rate)
        self._segments, self._last_partial = [], ""

    def _pick_decoder(self) -> Decoder:
        if self._wanted_phrases is None:
            return self._free
        if self._restricted is None or self._restricted.grammar != self._wanted_phrases:
            self._restricted = self._engine.new_decoder(self._wanted_phrases)
        return self._restricted

    def _take_batch(self, last: bool) -> bytes:
        audio = np.concatenate(self._batch) if self._batch else np.zeros(0, np.int16)
        self._batch = []
        assert self._resampler is not None
        return self._resampler.push(audio, last=last).astype("<i2").tobytes()

    async def _in_executor(self, fn: Callable[..., T], *args: Any) -> T:
        self._steps += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        except RuntimeError as exc:  # the service's pool was shut down under a live call
            self._release = None
            self.close()
            raise RecogniserClosed("recognition service stopped during the call") from exc
        finally:
            self._steps -= 1

    def _schedule_decode(self) -> None:
        """Hand the batch to the pool after the previous one, without waiting for it."""
        audio, decoder = self._take_batch(last=False), self._decoder
        self._pending = asyncio.get_running_loop().create_task(self._decode(self._pending, decoder, audio))

    async def _decode(self, previous: asyncio.Task | None, decoder: Decoder, audio: bytes) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        if self._closed or self._failed is not None:
            return
        try:
            segment, partial = await self._in_executor(_accept_and_peek, decoder, audio)
        except RecogniserClosed as exc:
            self._failed = exc
            return
        if decoder is not self._decoder:
            return
        if segment is not None and segment.words:
            self._segments.append(segment)
        text = normalise_transcript(self._without_unknown(" ".join([s.text for s in self._segments] + [partial])))
        if text and text != self._last_partial:
            self._last_partial = text
            self._turn.hint_text(text)
            self._ready.append(PartialResult(text))

    async def _finalise(self, reason: EndReason, events: list[RecognitionEvent]) -> None:
        if self._pending is not None:  # the utterance's earlier batches first, in order
            await asyncio.wait([self._pending])
            self._pending = None
        if self._failed is not None:
            raise self._failed
        audio, decoder = self._take_batch(last=True), self._decoder
        segments = self._segments + await self._in_executor(_accept_and_finish, decoder, audio)
        words = tuple(
            Word(w.text, self._call_time(w.start), self._call_time(w.end, is_end=True), round(w.conf, 3))
            for s in segments for w in s.words if w.text != self._engine.unknown_word
        )
        raw = " ".join(w.text for w in words)
        end_s = self._now() - (self._turn.ended_silence_ms / 1000 if reason == "silence" else 0.0)
        events.append(FinalUtterance(
            text=normalise_transcript(raw), raw_text=raw, words=words, start_s=round(self._utt_start_s, 3),
            end_s=round(end_s, 3), reason=reason, grammar=decoder.grammar is not None,
        ))
        self._segments, self._last_partial = [], ""

    def _without_unknown(self, text: str) -> str:
        return text.replace(self._engine.unknown_word, "") if self._engine.unknown_word else text


def _accept_and_peek(decoder: Decoder, audio: bytes) -> tuple[Segment | None, str]:
    segment = decoder.accept(audio) if audio else None
    return segment, ("" if segment is not None else decoder.partial())


def _accept_and_finish(decoder: Decoder, audio: bytes) -> list[Segment]:
    closed_by_vosk = decoder.accept(audio) if audio else None
    return [s for s in (closed_by_vosk, decoder.finish()) if s is not None]
