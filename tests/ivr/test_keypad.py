"""The keypad: conversation keys and the menu's pure step function."""
from __future__ import annotations

from ivr import keypad
from ivr.keypad import Ask, Book, Dropped, Handoff, MenuState, Query, Slower, menu_step

NAMES = ["陪同就医", "送餐", "家政保洁", "陪伴聊天"]


def run(digits: str, state: MenuState = MenuState()):
    outcomes = []
    for digit in digits:
        state, outcome = menu_step(state, digit, len(NAMES))
        outcomes.append(outcome)
    return state, outcomes


def test_conversation_message__confirmation_keys_are_rasa_intents():
    assert [keypad.conversation_message(d) for d in "12*#"] == ["/affirm", "/deny", "/repeat", "/slow_down"]
    assert keypad.conversation_message("3") == "3"


def test_menu_step__full_booking_books_only_on_the_final_1():
    state, outcomes = run("1231")
    assert state.step == "confirm" and all(isinstance(o, Ask) for o in outcomes)
    assert "后天上午送餐" in keypad.menu_prompt(state, NAMES)
    state, [outcome] = run("1", state)
    assert outcome == Book(service=1, day=2, part=0) and state == MenuState()


def test_menu_step__2_at_the_read_back_drops_the_request():
    state, outcomes = run("11122")
    assert outcomes[-1] == Dropped() and state == MenuState()


def test_menu_step__invalid_choice_keeps_the_step():
    state, outcomes = run("19")
    assert state.step == "service" and outcomes[-1] == Ask(invalid=True)


def test_menu_step__queries():
    assert [o for _, [o] in (run(d) for d in "234")] == [Query("balance"), Query("stars"), Query("last_order")]


def test_menu_step__0_hash_and_star_work_at_every_step():
    for prefix in ("", "1", "11", "111", "1111"):
        state, _ = run(prefix)
        assert menu_step(state, "0", 4) == (state, Handoff())
        assert menu_step(state, "#", 4) == (state, Slower())
        assert menu_step(state, "*", 4) == (state, Ask())
