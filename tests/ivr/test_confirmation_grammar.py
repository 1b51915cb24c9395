"""Grammar mode during read-backs: while the assistant waits for 对 / 不对, the call's recogniser
is restricted to yes/no phrases, and free speech comes back with the next question. The real
Vosk engine (Korean test model, so Korean yes/no phrases) shows the grammar really decodes the
answer; the scripted Mandarin recogniser shows when the switches happen in a Mandarin call."""
from __future__ import annotations

import asyncio

import pytest

from ivr.assistant import Reply
from speech import FinalUtterance, mulaw
from speech.grammars import YES_NO_CN
from tests.ivr.conftest import place_call
from tests.ivr.scripted import ScriptedAssistant, ScriptedTranscriptRecogniser
from tests.ivr.simulator import silence, tone
from tests.speech import factories as speech_factories

pytestmark = pytest.mark.anyio
READ_BACK = [Reply(text="您要预约明天上午9点陪同就医，"), Reply(text="到您家，对吗？")]
BOOKED = [Reply(text="约好了。"), Reply(text="还有别的要帮忙的吗？")]
KOREAN_YES_NO = ("네", "아니요")


class InTurnAssistant:
    """Answers the n-th message with the n-th canned turn (Vosk's Korean words are not known in advance)."""

    def __init__(self, turns: list[list[Reply]]):
        self.turns, self.received = list(turns), []

    async def send(self, sender: str, text: str, metadata: dict) -> list[Reply]:
        self.received.append(text)
        return self.turns[len(self.received) - 1] if len(self.received) <= len(self.turns) else [Reply(text="好的。")]

    async def aclose(self) -> None:
        pass


class WatchedRecogniser:
    """The real call recogniser, with a record of the grammars it was given and the finals it gave."""

    def __init__(self, inner):  # noqa: ANN001
        self.inner, self.grammars, self.finals = inner, [], []

    def use_grammar(self, phrases) -> None:  # noqa: ANN001
        self.grammars.append((len(self.finals), tuple(phrases) if phrases else None))
        self.inner.use_grammar(phrases)

    async def feed(self, chunk: bytes) -> list:
        events = await self.inner.feed(chunk)
        self.finals += [e for e in events if isinstance(e, FinalUtterance)]
        return events

    def __getattr__(self, name: str):  # noqa: ANN204 - in_speech, finish, set_profile, close
        return getattr(self.inner, name)


async def test_vosk_decodes_the_answer_to_a_read_back_with_the_grammar_and_free_speech_after(
        backend, hotline_factory, vosk, tmp_path):
    def korean(text: str) -> bytes:
        # Line silence first: Twilio streams the line from the moment the call connects.
        return silence(0.5) + mulaw.encode(speech_factories.espeak_phone_pcm(text, tmp_path)) + silence(2.0)

    watched: list[WatchedRecogniser] = []

    def open_recogniser(profile):  # noqa: ANN001, ANN202
        watched.append(WatchedRecogniser(vosk.open_call(profile)))
        return watched[-1]

    assistant = InTurnAssistant([[Reply(text="您好。")], READ_BACK, BOOKED])
    async with hotline_factory(assistant=assistant, open_recogniser=open_recogniser, min_confidence=0.0,
                               confirm_grammar=KOREAN_YES_NO) as line:
        stream = await place_call(line, backend.new_elder()["phone"], "CA" + "4a" * 16)
        await stream.wait_for(lambda: stream.marks, what="greeting")
        for said, (turns, marks) in zip(["감사합니다 좋은 하루 되세요", "네", "내일 아침 아홉 시에 와 주세요"],
                                        [(2, 3), (3, 5), (4, 6)]):
            await stream.audio(korean(said), realtime=True, speed=4)
            await stream.wait_for(lambda: len(assistant.received) >= turns and len(stream.marks) >= marks,
                                  timeout=40, what=f"the answer to {said}")
        await stream.stop()

    [recogniser] = watched
    assert recogniser.grammars == [(1, KOREAN_YES_NO), (2, None)]  # set by the read-back, lifted by the answer
    assert [f.grammar for f in recogniser.finals] == [False, True, False]
    assert recogniser.finals[1].text == "네" and assistant.received[2] == "네"


async def test_default_grammar_is_mandarin_yes_no_and_a_key_answer_lifts_it_too(backend, hotline_factory):
    recogniser = ScriptedTranscriptRecogniser(["我要约明天上午陪同就医", "我还有多少时间币"])
    assistant = ScriptedAssistant({"/greet": [Reply(text="您好。")], "我要约明天上午陪同就医": READ_BACK,
                                   "/affirm": BOOKED, "我还有多少时间币": [Reply(text="您还有两个时间币。")]})
    async with hotline_factory(assistant=assistant, open_recogniser=lambda _p: recogniser) as line:
        stream = await place_call(line, backend.new_elder()["phone"], "CA" + "4b" * 16)
        await stream.wait_for(lambda: stream.marks, what="greeting")
        await stream.audio(tone(0.8) + silence(1.0))
        await stream.wait_for(lambda: len(stream.marks) >= 3, what="read-back")
        assert recogniser.grammars == [(1, YES_NO_CN)]
        await stream.dtmf("1")  # 对, by key
        await stream.wait_for(lambda: len(stream.marks) >= 5, what="booked")
        await stream.audio(tone(0.8) + silence(1.0))
        await stream.wait_for(lambda: len(assistant.received) == 4 and len(stream.marks) >= 6, what="balance")
        await stream.stop()
    assert [m for _, m, _ in assistant.received] == ["/greet", "我要约明天上午陪同就医", "/affirm", "我还有多少时间币"]
    assert recogniser.grammars == [(1, YES_NO_CN), (1, None)]  # lifted after the key, before the next utterance


async def test_a_read_back_asked_again_keeps_the_grammar_and_assistant_down_lifts_it(backend, hotline_factory):
    recogniser = ScriptedTranscriptRecogniser(["我要约明天上午陪同就医"])
    assistant = ScriptedAssistant({"/greet": [Reply(text="您好。")], "我要约明天上午陪同就医": READ_BACK,
                                   "/repeat": READ_BACK})
    async with hotline_factory(assistant=assistant, open_recogniser=lambda _p: recogniser) as line:
        stream = await place_call(line, backend.new_elder()["phone"], "CA" + "4c" * 16)
        await stream.wait_for(lambda: stream.marks, what="greeting")
        await stream.audio(tone(0.8) + silence(1.0))
        await stream.wait_for(lambda: len(stream.marks) >= 3, what="read-back")
        await stream.dtmf("*")  # 再说一遍: the same read-back, still waiting for yes/no
        await stream.wait_for(lambda: len(stream.marks) >= 5, what="read-back again")
        assert recogniser.grammars == [(1, YES_NO_CN)]

        async def down(*_args) -> list[Reply]:
            from ivr.errors import AssistantUnavailable
            raise AssistantUnavailable("test: Rasa stopped")

        assistant.send = down  # the assistant stops answering
        await stream.dtmf("1")
        await stream.wait_for(lambda: len(stream.marks) >= 6, what="apology")
        await asyncio.sleep(0.1)
        await stream.stop()
    assert recogniser.grammars == [(1, YES_NO_CN), (1, None)]
