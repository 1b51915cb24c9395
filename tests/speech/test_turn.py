"""The end-of-turn policy's pure parts: what the words say, the silence that ends the turn, the step."""
from __future__ import annotations

import pytest

from speech.endpointing import Boundary
from speech.turn import TurnConfig, TurnHint, TurnState, hold_ms, step, words_say

CONFIG = TurnConfig()


@pytest.mark.parametrize("text, expect_yes_no, said", [
    ("对", True, "yes"), ("对的", True, "yes"), ("好", True, "yes"), ("不对", True, "no"), ("不是的", True, "no"),
    ("我想预约", False, "continues"), ("我要取消", False, "continues"), ("那个", False, "continues"),
    ("我还有多少", False, "unknown"), ("我的余额还有多少", False, "complete"), ("明天上午", False, "continues"), ("请帮我", False, "continues"),
    ("我还有多少时间币", False, "complete"), ("我现在几星了", False, "complete"), ("请帮我转人工", False, "complete"),
    ("明天中午吧", False, "complete"), ("对", False, "unknown"), ("", False, "unknown"), ("네", True, "unknown"),
])
def test_words_say__judges_the_words_so_far(text, expect_yes_no, said):
    assert words_say(text, expect_yes_no) == said


def test_hold_ms__a_yes_at_a_read_back_ends_sooner_than_a_request_and_mid_phrase_waits_longest():
    yes = hold_ms(TurnHint(True, "对"), 300, CONFIG)
    request = hold_ms(TurnHint(False, "我还有多少时间币"), 1500, CONFIG)
    unknown = hold_ms(TurnHint(False, ""), 1500, CONFIG)
    mid = hold_ms(TurnHint(False, "我想预约"), 800, CONFIG)
    assert yes < request < unknown < mid
    assert unknown > 1200  # longer than the longest thinking pause an elder makes mid-sentence


def test_hold_ms__no_words_at_a_read_back_short_speech_is_an_answer_long_speech_is_not():
    assert hold_ms(TurnHint(True, ""), 400, CONFIG) == CONFIG.quick_ms
    assert hold_ms(TurnHint(True, ""), 2000, CONFIG) == CONFIG.elder_ms


def test_step__starts_after_start_ms_of_voice_and_ends_after_the_hold():
    state, boundaries = TurnState(), []
    for voiced in [True] * (CONFIG.start_ms // 20) + [False] * 10:
        state, boundary = step(state, voiced, 300, CONFIG)
        boundaries.append(boundary)
    assert boundaries[CONFIG.start_ms // 20 - 1] is Boundary.STARTED
    assert boundaries.count(Boundary.ENDED) == 0  # 200 ms of silence is less than the 300 ms hold
    for _ in range(5):
        state, boundary = step(state, False, 300, CONFIG)
        boundaries.append(boundary)
    assert boundaries.count(Boundary.ENDED) == 1


def test_step__loud_frames_before_the_vad_says_voice_count_as_the_onset_of_a_short_yes():
    # A bare 对 (250 ms): Silero scores its first 120 ms as silence, then 4 frames as voice.
    frames = [(False, True)] * 6 + [(True, True)] * 4
    state, boundaries = TurnState(), []
    for voiced, loud in frames:
        state, boundary = step(state, voiced, 300, CONFIG, expect_yes_no=True, above_room=loud)
        boundaries.append(boundary)
    assert Boundary.STARTED in boundaries
    state, boundaries = TurnState(), []
    for voiced, loud in frames[:6] + [(False, False)] * 10:  # loud but never voice (a door, a cough)
        state, boundary = step(state, voiced, 300, CONFIG, expect_yes_no=True, above_room=loud)
        boundaries.append(boundary)
    assert Boundary.STARTED not in boundaries
