import logging

import pytest

from speech.errors import AudioFormatError, ModelUnavailable
from speech.profile import CallProfile
from speech.service import RecognitionService, SpeechMode
from tests.speech.factories import settings


def test_start__missing_model_logs_one_line_and_runs_keypad_mode(tmp_path, caplog):
    service = RecognitionService(settings(model_path=tmp_path / "absent"))
    with caplog.at_level(logging.INFO, logger="speech.service"):
        assert service.start() is SpeechMode.KEYPAD
    assert len(caplog.records) == 1 and "keypad mode" in caplog.records[0].getMessage()
    with pytest.raises(ModelUnavailable):
        service.open_call(CallProfile(elder=True, rate_wpm=175))


def test_start__corrupt_model_folder_runs_keypad_mode(tmp_path):
    for name in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("corrupt")
    service = RecognitionService(settings(model_path=tmp_path))
    assert service.start() is SpeechMode.KEYPAD
    assert "could not load" in service.store.status().line


def test_open_call__each_call_gets_its_own_recogniser_on_the_shared_model(service):
    profile = CallProfile(elder=False, rate_wpm=230)
    first, second = service.open_call(profile), service.open_call(profile)
    assert first is not second and first._model is second._model is service.store.get()


def test_open_call__mulaw_must_be_8khz(service):
    with pytest.raises(AudioFormatError, match="8000"):
        service.open_call(CallProfile(elder=False, rate_wpm=230), sample_rate=16000)


def test_close__leaves_no_decoding_thread_behind(service):
    import asyncio
    import threading

    def vosk_threads():
        return {t for t in threading.enumerate() if t.name.startswith("vosk")}

    before = vosk_threads()
    svc = RecognitionService(settings(), store=service.store)
    svc.start()
    call = svc.open_call(CallProfile(elder=False, rate_wpm=230))
    asyncio.run(call.feed(b"\x00" * 8000))  # loud enough to start an utterance and reach the decoder
    assert vosk_threads() - before
    svc.close()
    assert vosk_threads() - before == set()
