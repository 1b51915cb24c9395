from pathlib import Path

import pytest
from pydantic import ValidationError

from speech.settings import SpeechSettings


def test_settings__vosk_model_path_env_overrides(monkeypatch):
    monkeypatch.setenv("VOSK_MODEL_PATH", "/srv/models/cn")
    assert SpeechSettings().model_path == Path("/srv/models/cn")


def test_settings__prefixed_env_is_read(monkeypatch):
    monkeypatch.setenv("YINLING_SPEECH_ELDER_ENDPOINT_SILENCE_MS", "2100")
    assert SpeechSettings().elder_endpoint_silence_ms == 2100


def test_settings__default_model_path_is_unset(monkeypatch):
    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)
    monkeypatch.delenv("YINLING_SPEECH_MODEL_PATH", raising=False)
    assert SpeechSettings().model_path is None


def test_settings__elder_rate_faster_than_normal_is_refused():
    with pytest.raises(ValidationError, match="elder_rate_wpm"):
        SpeechSettings(elder_rate_wpm=300, normal_rate_wpm=200)


def test_settings__are_immutable():
    with pytest.raises(ValidationError):
        SpeechSettings().voice = "en"
