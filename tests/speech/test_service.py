import asyncio
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
    assert first is not second and first._engine is second._engine is service.store.get()


def test_open_call__mulaw_must_be_8khz(service):
    with pytest.raises(AudioFormatError, match="8000"):
        service.open_call(CallProfile(elder=False, rate_wpm=230), sample_rate=16000)


def test_close__leaves_no_decoding_thread_behind(service):
    import asyncio
    import threading

    def decode_threads():
        return {t for t in threading.enumerate() if t.name.startswith("decode")}

    before = decode_threads()
    svc = RecognitionService(settings(turn_taking="energy"), store=service.store)  # a tone is speech to it
    svc.start()
    call = svc.open_call(CallProfile(elder=False, rate_wpm=230))
    asyncio.run(call.feed(b"\x00" * 8000))  # loud enough to start an utterance and reach the decoder
    assert decode_threads() - before
    svc.close()
    assert decode_threads() - before == set()


def _final_of(call, audio: bytes):
    import asyncio

    from speech.events import FinalUtterance

    async def run():
        events = await call.feed(audio)
        return [e for e in events + await call.finish() if isinstance(e, FinalUtterance)]
    return asyncio.run(run())


def test_open_call__an_ended_calls_decoder_serves_the_next_call_with_its_own_times(service, audio_dir):
    from tests.speech.factories import as_mulaw, espeak_phone_pcm, silence

    svc = RecognitionService(settings(), store=service.store)
    svc.start()
    profile = CallProfile(elder=False, rate_wpm=230)
    audio = as_mulaw(silence(0.5), espeak_phone_pcm("네", audio_dir), silence(1.2))
    first = svc.open_call(profile)
    decoder = first._free
    [heard_first] = _final_of(first, audio)
    second = svc.open_call(profile)
    assert second._free is decoder  # warm: its lookahead cache is already built
    [heard_second] = _final_of(second, audio)
    assert heard_second.text == heard_first.text
    # Times are the second call's own, though the decoder has heard the first call's audio too.
    assert abs(heard_second.start_s - heard_first.start_s) < 0.05 and heard_second.start_s < 1.0
    assert [round(w.start_s, 1) for w in heard_second.words] == [round(w.start_s, 1) for w in heard_first.words]
    svc.close()


def test_close__a_decoder_left_mid_utterance_or_beyond_the_limit_is_not_kept(service, audio_dir):
    import asyncio

    from tests.speech.factories import as_mulaw, espeak_phone_pcm, silence

    # energy endpointing: the VAD's quick end of turn may already have closed this short sentence
    svc = RecognitionService(settings(spare_decoders=1, turn_taking="energy"), store=service.store)
    svc.start()
    profile = CallProfile(elder=False, rate_wpm=230)
    talking = svc.open_call(profile)
    half = talking._free
    asyncio.run(talking.feed(as_mulaw(silence(0.2), espeak_phone_pcm("안녕하세요 오늘 날씨가 좋네요", audio_dir))))
    assert talking.in_speech
    talking.close()  # dropped mid-utterance: Vosk holds half a sentence
    assert svc._spare == [] and svc.open_call(profile)._free is not half
    a, b = svc.open_call(profile), svc.open_call(profile)
    kept = a._free
    a.close()
    b.close()  # one spare at most
    assert svc._spare == [kept]
    svc.close()
    assert svc._spare == []


def test_warm__spare_decoders_have_decoded_speech_and_serve_the_next_calls(service, audio_dir):
    from tests.speech.factories import espeak_phone_pcm

    svc = RecognitionService(settings(warm_decoders=2, spare_decoders=4), store=service.store)
    svc.start()
    try:
        assert svc.warm([espeak_phone_pcm("네 아니요 네", audio_dir), espeak_phone_pcm("아니요", audio_dir)]) == 2
        warmed = list(svc._spare)
        assert len(warmed) == 2 and all(d.fed_seconds > 1.0 and not d.in_utterance for d in warmed)
        assert svc.open_call(CallProfile(elder=False, rate_wpm=230))._free in warmed
    finally:
        svc.close()


def test_warm__keypad_mode_or_none_wanted_warms_nothing(service, tmp_path, audio_dir):
    from tests.speech.factories import espeak_phone_pcm

    keypad = RecognitionService(settings(model_path=tmp_path / "none"))
    keypad.start()
    assert keypad.warm([espeak_phone_pcm("네", audio_dir)]) == 0
    none_wanted = RecognitionService(settings(warm_decoders=0), store=service.store)
    none_wanted.start()
    try:
        assert none_wanted.warm([espeak_phone_pcm("네", audio_dir)]) == 0 and none_wanted._spare == []
    finally:
        none_wanted.close()


def test_warm_up__renders_with_the_product_voice_and_warms_spares(service, synthesiser):
    from speech.warmup import warm_up

    svc = RecognitionService(settings(warm_decoders=1), store=service.store)
    svc.start()
    try:
        assert asyncio.run(warm_up(svc, synthesiser, svc.settings)) == 1
        assert svc._spare[0].fed_seconds > 2.0  # all four sentences were decoded on it
    finally:
        svc.close()
