"""The recogniser end to end with the real Vosk engine and the Korean test model:
espeak-ng WAV → 8 kHz → μ-law → 20 ms chunks → μ-law decoding → resampling → Vosk → events."""
from __future__ import annotations

import asyncio
import re
import time

import numpy as np
import pytest

from speech import mulaw
from speech.errors import AudioFormatError, RecogniserClosed
from speech.events import FinalUtterance, PartialResult, SpeechStarted
from speech.profile import CallProfile
from speech.service import RecognitionService
from tests.speech.factories import as_mulaw, chunks, clipping_noise, espeak_phone_pcm, settings, silence

HANGUL = re.compile("[가-힣]")
GREETING = "안녕하세요 오늘 날씨가 좋네요"
YES_NO = ["네", "아니요"]


@pytest.fixture(scope="module")
def service(service: RecognitionService) -> RecognitionService:
    """These tests pin the recogniser's mechanics under the fixed-silence energy endpointer (exact
    silences, speech from the first frame); the VAD turn-taking has its own tests (test_turn_taking)."""
    svc = RecognitionService(settings(turn_taking="energy"), store=service.store)
    svc.start()
    yield svc
    svc.close()


def _normal(service: RecognitionService) -> CallProfile:
    return CallProfile.for_call(service.settings, elder=False)


def _elder(service: RecognitionService) -> CallProfile:
    return CallProfile.for_call(service.settings, elder=True)


async def _run_call(service, audio: bytes, profile, *, grammar=None, chunk=160, finish=True):
    call = service.open_call(profile)
    call.use_grammar(grammar)
    events = []
    for piece in chunks(audio, chunk):
        events += await call.feed(piece)
        await asyncio.sleep(0)  # let other calls' tasks interleave, as on a real event loop
    if finish:
        events += await call.finish()
    return events


def _finals(events):
    return [e for e in events if isinstance(e, FinalUtterance)]


def test_call__korean_speech_in_mulaw_chunks_comes_out_as_text_ended_by_silence(service, audio_dir):
    speech = espeak_phone_pcm(GREETING, audio_dir)
    audio = as_mulaw(silence(0.5), speech, silence(1.2))

    async def scenario():
        call = service.open_call(_normal(service))
        events = []
        for piece in chunks(audio):
            events += await call.feed(piece)
        return events, await call.finish()

    events, at_finish = asyncio.run(scenario())
    assert at_finish == []  # the silence ended the utterance, not the end of the stream
    assert isinstance(events[0], SpeechStarted) and events[0].at_s == pytest.approx(0.5, abs=0.15)
    assert any(isinstance(e, PartialResult) for e in events)
    [final] = _finals(events)
    assert final.reason == "silence" and not final.grammar
    assert HANGUL.search(final.text) and len(final.words) >= 2
    assert final.start_s < 0.5 < final.end_s
    assert final.end_s == pytest.approx(0.5 + len(speech) / 8000, abs=0.35)
    starts = [w.start_s for w in final.words]
    assert starts == sorted(starts)
    assert all(final.start_s - 0.05 <= w.start_s < w.end_s <= final.end_s + 0.3 for w in final.words)
    assert all(0.0 <= w.confidence <= 1.0 for w in final.words)


def test_call__pause_of_1_1s_splits_an_ordinary_call_but_not_an_elder_call(service, audio_dir):
    speech = espeak_phone_pcm("감사합니다", audio_dir)
    audio = as_mulaw(speech, silence(1.1), speech, silence(2.0))
    ordinary = _finals(asyncio.run(_run_call(service, audio, _normal(service))))
    elder = _finals(asyncio.run(_run_call(service, audio, _elder(service))))
    assert [f.reason for f in ordinary] == ["silence", "silence"]
    assert [f.reason for f in elder] == ["silence"]
    assert len(elder[0].words) > max(len(f.words) for f in ordinary)


def test_call__grammar_mode_hears_yes_and_no(service, audio_dir):
    audio = as_mulaw(silence(0.3), espeak_phone_pcm("네", audio_dir), silence(1.0),
                     espeak_phone_pcm("아니요", audio_dir), silence(1.0))
    finals = _finals(asyncio.run(_run_call(service, audio, _normal(service), grammar=YES_NO)))
    assert [(f.text, f.grammar) for f in finals] == [("네", True), ("아니요", True)]
    assert all(f.confidence > 0.5 for f in finals)


def test_call__grammar_switch_takes_effect_at_the_next_utterance(service, audio_dir):
    async def scenario():
        call = service.open_call(_normal(service))
        first = await call.feed(as_mulaw(espeak_phone_pcm("감사합니다", audio_dir), silence(1.0)))
        call.use_grammar(YES_NO)
        second = await call.feed(as_mulaw(espeak_phone_pcm("네", audio_dir), silence(1.0)))
        return _finals(first), _finals(second)

    first, second = asyncio.run(scenario())
    assert not first[0].grammar and HANGUL.search(first[0].text)
    assert second[0].grammar and second[0].text == "네"


def test_calls__four_concurrent_calls_share_one_model_without_crosstalk(service, audio_dir):
    # Grammar calls give exact, checkable text; the free-speech call checks that its words stay
    # inside its own audio. (Free-speech text itself is not compared run to run: Vosk's float
    # arithmetic makes low-confidence words of this foreign-accented test audio vary slightly.)
    said = [["네"], ["아니요"], ["아니요", "네"]]
    audios = [as_mulaw(*[part for w in words for part in (espeak_phone_pcm(w, audio_dir), silence(1.0))])
              for words in said]
    free = espeak_phone_pcm(GREETING, audio_dir)
    audios.append(as_mulaw(silence(0.2), free, silence(1.0)))
    grammars = [YES_NO, YES_NO, YES_NO, None]

    async def concurrent():
        return await asyncio.gather(*(_run_call(service, a, _normal(service), grammar=g) for a, g in zip(audios, grammars)))

    results = [_finals(events) for events in asyncio.run(concurrent())]
    assert [[f.text for f in finals] for finals in results[:3]] == said
    [free_final] = results[3]
    assert HANGUL.search(free_final.text) and free_final.words[-1].end_s <= 0.2 + len(free) / 8000 + 0.3
    assert service.store.get() is service.store.get()


# --- bad input -------------------------------------------------------------------------

def test_call__empty_audio_gives_no_events(service):
    events = asyncio.run(_run_call(service, b"", _normal(service)))
    assert events == []


def test_call__a_minute_of_silence_gives_no_events_and_no_decoding(service):
    started = time.perf_counter()
    events = asyncio.run(_run_call(service, as_mulaw(silence(60.0)), _normal(service), chunk=1600))
    assert events == []
    assert time.perf_counter() - started < 5.0  # the model is not fed while the line is quiet


def test_call__clipping_noise_gives_bounded_utterances_not_an_error(service):
    profile = _normal(service)
    svc = service
    events = asyncio.run(_run_call(svc, as_mulaw(clipping_noise(5.0)), profile, chunk=800))
    finals = _finals(events)
    assert isinstance(events[0], SpeechStarted)
    # max_utterance_ms is 20 s by default: 5 s of noise is one utterance ended by the stream end
    assert [f.reason for f in finals] == ["end_of_stream"]
    assert all(f.end_s - f.start_s <= 5.1 for f in finals)


def test_call__stream_stopping_mid_frame_finishes_the_utterance(service, audio_dir):
    audio = as_mulaw(silence(0.3), espeak_phone_pcm("감사합니다 좋은 하루", audio_dir))
    cut = audio[: len(audio) - 1000 - 77]  # stop mid-speech and mid-frame

    async def scenario():
        call = service.open_call(_normal(service))
        events = await call.feed(cut)
        events += await call.finish()
        with pytest.raises(RecogniserClosed):
            await call.feed(b"\xff" * 160)
        return events

    [final] = _finals(asyncio.run(scenario()))
    assert final.reason == "end_of_stream" and HANGUL.search(final.text)
    assert final.end_s == pytest.approx(len(cut) / 8000, abs=0.01)


@pytest.mark.parametrize(("encoding", "rate"), [("mulaw", 16000), ("mulaw", 0), ("linear16", 96000), ("alaw", 8000)])
def test_open_call__wrong_declared_format_is_refused(service, encoding, rate):
    with pytest.raises(AudioFormatError):
        service.open_call(_normal(service), encoding=encoding, sample_rate=rate)


def test_call__16khz_audio_declared_as_8khz_gives_a_defined_result(service, audio_dir):
    from speech.resample import resample

    wide = resample(espeak_phone_pcm("감사합니다", audio_dir), 8000, 16000)
    audio = np.concatenate([wide, silence(2.0)]).astype("<i2").tobytes()

    async def scenario():
        call = service.open_call(_normal(service), encoding="linear16", sample_rate=8000)
        return await call.feed(audio) + await call.finish()

    events = asyncio.run(scenario())
    assert all(isinstance(e, (SpeechStarted, PartialResult, FinalUtterance)) for e in events)
    assert [f.reason for f in _finals(events)] == ["silence"]


def test_call__linear16_at_16khz_is_accepted(service, audio_dir):
    from speech.resample import resample

    wide = resample(espeak_phone_pcm("네", audio_dir), 8000, 16000)
    audio = np.concatenate([silence(0.2), wide, np.zeros(32000, np.int16)]).astype("<i2").tobytes()

    async def scenario():
        call = service.open_call(_normal(service), encoding="linear16", sample_rate=16000)
        call.use_grammar(YES_NO)
        return await call.feed(audio)

    assert [f.text for f in _finals(asyncio.run(scenario()))] == ["네"]


def test_use_grammar__unknown_words_are_dropped_and_all_unknown_means_free_speech(service, audio_dir, caplog):
    async def scenario():
        call = service.open_call(_normal(service))
        call.use_grammar(["네", "zzqx"])
        first = await call.feed(as_mulaw(espeak_phone_pcm("네", audio_dir), silence(1.0)))
        call.use_grammar(["zzqx"])
        second = await call.feed(as_mulaw(espeak_phone_pcm("네", audio_dir), silence(1.0)))
        return _finals(first), _finals(second)

    first, second = asyncio.run(scenario())
    assert first[0].grammar and first[0].text == "네"
    assert not second[0].grammar
    assert "zzqx" in caplog.text


def test_set_profile__switching_to_elder_mid_call_lengthens_the_endpoint(service, audio_dir):
    speech = espeak_phone_pcm("감사합니다", audio_dir)

    async def scenario():
        call = service.open_call(_normal(service))
        call.set_profile(_elder(service))
        return _finals(await call.feed(as_mulaw(speech, silence(1.1), speech, silence(2.0))))

    assert [f.reason for f in asyncio.run(scenario())] == ["silence"]


def test_call_recogniser__satisfies_the_ivr_protocol(service):
    from speech.interface import CallRecognition

    call: CallRecognition = service.open_call(_normal(service))
    assert all(callable(getattr(call, name)) for name in ("feed", "finish", "use_grammar", "set_profile", "close"))


def test_call__service_stopped_under_a_live_call_closes_it_cleanly(service, audio_dir):
    svc = RecognitionService(settings(turn_taking="energy"), store=service.store)
    svc.start()

    async def scenario():
        call = svc.open_call(_normal(service))
        await call.feed(as_mulaw(silence(0.2)))
        svc.close()
        with pytest.raises(RecogniserClosed, match="stopped"):
            await call.feed(as_mulaw(espeak_phone_pcm("네", audio_dir), silence(1.0)))
        with pytest.raises(RecogniserClosed):
            await call.feed(b"\xff" * 160)

    asyncio.run(scenario())
