"""The telephone keypad: what a key means during a spoken conversation, and the keypad menu
used when recognition is unavailable or failed twice in a row. Pure functions, no I/O.

During the conversation: 1 yes, 2 no, * repeat, # slower, 0 a person; other digits are passed
on as the digit itself (choosing "第几个" in a list). The menu books a common service, reads the
balance, the star level or the last order, checks a volunteer in or out (5); every step repeats on *, slows on #, hands off on 0.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, Union

from ivr import prompts

HANDOFF_KEY = "0"
SLOWER_KEY = "#"
REPEAT_KEY = "*"
# Sent to the assistant as Rasa intent messages, so the same dialogue answers voice and keys.
CONVERSATION_KEYS = {"1": "/affirm", "2": "/deny", REPEAT_KEY: "/repeat", SLOWER_KEY: "/slow_down"}
KEY_WORDS = {"1": "对", "2": "不对", REPEAT_KEY: "再说一遍", SLOWER_KEY: "慢一点", HANDOFF_KEY: "转人工"}


def conversation_message(digit: str) -> str:
    """What a key pressed during the spoken conversation tells the assistant."""
    return CONVERSATION_KEYS.get(digit, digit)


Step = Literal["menu", "service", "day", "part", "confirm"]


@dataclass(frozen=True)
class MenuState:
    """Where the caller is in the menu and what they chose so far (indexes into the settings'
    service list, ``prompts.DAYS`` and ``prompts.PARTS``)."""

    step: Step = "menu"
    service: int | None = None
    day: int | None = None
    part: int | None = None


@dataclass(frozen=True)
class Ask:
    """Say the prompt of the (new) current step; ``invalid``: say "no such option" first."""

    invalid: bool = False


@dataclass(frozen=True)
class Query:
    kind: Literal["balance", "stars", "last_order", "visit"]


@dataclass(frozen=True)
class Book:
    service: int
    day: int
    part: int


@dataclass(frozen=True)
class Dropped:
    pass


@dataclass(frozen=True)
class Handoff:
    pass


@dataclass(frozen=True)
class Slower:
    pass


Outcome = Union[Ask, Query, Book, Dropped, Handoff, Slower]
_QUERIES = {"2": "balance", "3": "stars", "4": "last_order", "5": "visit"}  # 5: a volunteer at the door


def _choice(digit: str, count: int) -> int | None:
    return int(digit) - 1 if digit.isdigit() and 1 <= int(digit) <= count else None


def menu_step(state: MenuState, digit: str, service_count: int) -> tuple[MenuState, Outcome]:
    """One key press in the menu → the new state and what to do."""
    if digit == HANDOFF_KEY:
        return state, Handoff()
    if digit == SLOWER_KEY:
        return state, Slower()
    if digit == REPEAT_KEY:
        return state, Ask()
    if state.step == "menu":
        if digit == "1":
            return MenuState(step="service"), Ask()
        if digit in _QUERIES:
            return state, Query(_QUERIES[digit])  # type: ignore[arg-type]
        return state, Ask(invalid=True)
    if state.step == "service":
        choice = _choice(digit, service_count)
        return (replace(state, step="day", service=choice), Ask()) if choice is not None else (state, Ask(invalid=True))
    if state.step == "day":
        choice = _choice(digit, len(prompts.DAYS))
        return (replace(state, step="part", day=choice), Ask()) if choice is not None else (state, Ask(invalid=True))
    if state.step == "part":
        choice = _choice(digit, len(prompts.PARTS))
        if choice is None:
            return state, Ask(invalid=True)
        return replace(state, step="confirm", part=choice), Ask()
    # confirm: only an explicit 1 books; 2 drops the request and returns to the menu
    if digit == "1":
        assert state.service is not None and state.day is not None and state.part is not None
        return MenuState(), Book(state.service, state.day, state.part)
    if digit == "2":
        return MenuState(), Dropped()
    return state, Ask(invalid=True)


def when_words(day: int, part: int) -> str:
    return f"{prompts.DAYS[day]}{prompts.PARTS[part][0]}"


def menu_prompt(state: MenuState, service_names: list[str]) -> str:
    """The sentence for the current step."""
    if state.step == "service":
        choices = "，".join(f"{name}按{i + 1}" for i, name in enumerate(service_names))
        return prompts.KEYPAD_PICK_SERVICE.format(choices=choices)
    if state.step == "day":
        return prompts.KEYPAD_PICK_DAY
    if state.step == "part":
        return prompts.KEYPAD_PICK_PART
    if state.step == "confirm":
        assert state.service is not None and state.day is not None and state.part is not None
        return prompts.KEYPAD_CONFIRM.format(when=when_words(state.day, state.part),
                                             service=service_names[state.service])
    return prompts.KEYPAD_MENU
