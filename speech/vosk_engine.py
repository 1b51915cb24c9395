"""The Vosk seam: loading a model folder and decoding one stream. Blocking calls only; the
recogniser runs them in its thread pool (Vosk's cffi calls release the GIL, so decoding of
different calls proceeds in parallel).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from speech.errors import ModelCorrupt, ModelMissing

# A usable Kaldi/Vosk folder has an acoustic model, its config and one kind of graph:
# a static HCLG.fst or the lookahead pair HCLr.fst + Gr.fst (the latter allows grammars).
_REQUIRED = ("am/final.mdl", "conf/model.conf")
_GRAPHS = (("graph/HCLG.fst",), ("graph/HCLr.fst", "graph/Gr.fst"))

def check_model_folder(path: Path) -> None:
    """Raise ``ModelMissing`` unless ``path`` looks like a complete Vosk model folder."""
    if not path.is_dir():
        raise ModelMissing(f"no Vosk model folder at {path}")
    missing = [name for name in _REQUIRED if not (path / name).is_file()]
    if not any(all((path / g).is_file() for g in graph) for graph in _GRAPHS):
        missing.append("graph/HCLG.fst or graph/HCLr.fst+Gr.fst")
    if missing:
        raise ModelMissing(f"Vosk model folder {path} is incomplete: missing {', '.join(missing)}")


def load_model(path: Path) -> Any:
    """Load a model folder (seconds, hundreds of MB). Errors become ``ModelMissing``/``ModelCorrupt``."""
    check_model_folder(path)
    import vosk

    vosk.SetLogLevel(-1)  # Kaldi's per-frame chatter would flood the IVR log
    try:
        return vosk.Model(str(path))
    except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
        raise ModelCorrupt(f"Vosk could not load the model at {path}: {exc}") from exc


def model_knows(model: Any, word: str) -> bool:
    """Whether ``word`` is in the model's vocabulary (grammars may only use known words)."""
    return model.vosk_model_find_word(word) >= 0


@dataclass(frozen=True)
class RawWord:
    """A word as Vosk reports it; times are seconds of audio fed to this decoder."""

    text: str
    start: float
    end: float
    conf: float


@dataclass(frozen=True)
class Segment:
    """Words Vosk finalised (on its own endpoint or on request) and their joined text."""

    text: str
    words: tuple[RawWord, ...]


def _segment(result_json: str) -> Segment:
    result = json.loads(result_json)
    words = tuple(
        RawWord(w["word"], float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
        for w in result.get("result", ())
    )
    return Segment(result.get("text", "").strip(), words)


class VoskDecoder:
    """One Vosk recogniser: one call, one mode (free speech or a phrase grammar).

    Not thread-safe; the call recogniser serialises all calls to one decoder.
    """

    def __init__(self, model: Any, sample_rate: int, phrases: Sequence[str] | None = None):
        import vosk

        self.grammar = tuple(phrases) if phrases else None
        if self.grammar:
            self._rec = vosk.KaldiRecognizer(model, sample_rate, json.dumps(list(self.grammar), ensure_ascii=False))
        else:
            self._rec = vosk.KaldiRecognizer(model, sample_rate)
        self._rec.SetWords(True)
        self.sample_rate = sample_rate
        self.fed_samples = 0
        self.in_utterance = False  # audio accepted since the last finish()

    def accept(self, pcm16: bytes) -> Segment | None:
        """Feed audio; return a segment when Vosk's own endpointer closed one, else None."""
        self.fed_samples += len(pcm16) // 2
        self.in_utterance = True
        if self._rec.AcceptWaveform(pcm16):
            return _segment(self._rec.Result())
        return None

    def partial(self) -> str:
        return json.loads(self._rec.PartialResult()).get("partial", "").strip()

    def finish(self) -> Segment:
        """End the current utterance and return its remaining words; the decoder stays usable."""
        self.in_utterance = False
        return _segment(self._rec.FinalResult())

    @property
    def fed_seconds(self) -> float:
        return self.fed_samples / self.sample_rate


class VoskEngine:
    """A loaded Vosk model as a recognition engine (``speech.engine.Engine``)."""

    name = "vosk"
    unknown_word = "[unk]"

    def __init__(self, model: Any, sample_rate: int):
        self.model, self.sample_rate = model, sample_rate
        if not model_knows(model, self.unknown_word):
            self.unknown_word = None  # type: ignore[assignment]

    def new_decoder(self, phrases: Sequence[str] | None = None) -> VoskDecoder:
        return VoskDecoder(self.model, self.sample_rate, phrases)

    def usable_phrases(self, phrases: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Vosk only accepts words in the model's vocabulary: phrases with unknown words are dropped."""
        from speech.grammars import usable_phrases  # grammars imports this module

        return usable_phrases(self.model, phrases)
