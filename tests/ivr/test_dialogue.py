"""Turn-taking steps: silence, barge-in, misrecognition."""
from __future__ import annotations

from ivr.dialogue import Floor, Limits, on_audio, on_final, on_played, on_sent, on_speech_started

LIMITS = Limits(silence_ms=1000, max_reprompts=2, min_confidence=0.3)


def silent(floor: Floor, ms: int):
    actions = []
    for _ in range(ms // 20):
        floor, action = on_audio(floor, 20, False, LIMITS)
        if action:
            actions.append(action)
    return floor, actions


def test_on_audio__silence_reprompts_twice_then_offers_then_says_goodbye():
    _, actions = silent(Floor(), 4000)
    assert actions == ["reprompt", "reprompt", "offer", "goodbye"]


def test_on_audio__no_silence_counted_while_playing_or_busy():
    for floor in (Floor(playing=1), Floor(busy=True)):
        _, actions = silent(floor, 5000)
        assert actions == []


def test_on_audio__caller_speaking_resets_silence():
    floor, _ = silent(Floor(), 900)
    floor, action = on_audio(floor, 20, True, LIMITS)
    assert floor.silence_ms == 0 and action is None


def test_on_speech_started__clears_only_while_playing():
    assert on_speech_started(Floor(playing=2)) == (Floor(playing=0), True)
    assert on_speech_started(Floor())[1] is False


def test_on_final__two_misrecognitions_in_a_row_switch_to_keypad():
    floor, first = on_final(Floor(), "", 0.0, LIMITS)
    floor, second = on_final(floor, "嗯", 0.1, LIMITS)
    assert (first, second) == ("misheard", "keypad")


def test_on_final__a_good_utterance_resets_the_counters():
    floor, action = on_final(Floor(misheard=1, reprompts=2, offered=True), "查时间币", 0.8, LIMITS)
    assert action == "send" and floor == Floor()


def test_marks__sent_and_played_balance():
    floor = on_sent(on_sent(Floor()))
    assert on_played(on_played(floor)).playing == 0 and on_played(floor).playing == 1


def test_asks_yes_no__a_turn_ending_with_a_read_back_question_waits_for_yes_or_no():
    from ivr.dialogue import asks_yes_no
    assert asks_yes_no(["您要预约明天上午9点陪同就医，到您家，对吗？"])
    assert asks_yes_no(["好的。", "您要把2个时间币送给王小明，对吗? "])
    assert not asks_yes_no(["您要哪天几点？比如明天上午九点。"])
    assert not asks_yes_no(["您要预约明天陪同就医，对吗？", "还有别的要帮忙的吗？"])  # the last question counts
    assert not asks_yes_no([])
