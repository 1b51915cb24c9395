"""The telephone keypad: what a key means during a spoken conversation, and the keypad menu
used when recognition is unavailable or failed twice in a row. Pure functions, no I/O.

During the conversation: 1 yes, 2 no, * repeat, # slower, 0 a person; other digits are passed
on as the digit itself (choosing "第几个" in a list). The menu books a common service, reads the
balance, the star level or the last order, checks a volunteer in or out (5), or opens the mall (6): the goods
the caller can collect in their street by number, a read-back, 1 exchanges, 2 cancels, then the collection
code, again on 1. Every step repeats on *, slows on #, hands off on 0.
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


Step = Literal["menu", "service", "day", "part", "confirm", "goods", "redeem", "collect"]
MALL_KEY = "6"
MALL_MAX_GOODS = 5  # read briefly: the cheapest few, one key each


@dataclass(frozen=True)
class MenuState:
    """Where the caller is in the menu and what they chose so far (indexes into the settings'
    service list, ``prompts.DAYS`` and ``prompts.PARTS``)."""

    step: Step = "menu"
    service: int | None = None
    day: int | None = None
    part: int | None = None
    goods: int | None = None
    """Index into the goods list read out (the mall steps)."""


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
class OpenMall:
    """Fetch the goods near the caller and the balance, then read them (or say there are none)."""


@dataclass(frozen=True)
class Redeem:
    goods: int


@dataclass(frozen=True)
class Dropped:
    pass


@dataclass(frozen=True)
class Handoff:
    pass


@dataclass(frozen=True)
class Slower:
    pass


Outcome = Union[Ask, Query, Book, OpenMall, Redeem, Dropped, Handoff, Slower]
_QUERIES = {"2": "balance", "3": "stars", "4": "last_order", "5": "visit"}  # 5: a volunteer at the door


def _choice(digit: str, count: int) -> int | None:
    return int(digit) - 1 if digit.isdigit() and 1 <= int(digit) <= count else None


def menu_step(state: MenuState, digit: str, service_count: int, goods_count: int = 0) -> tuple[MenuState, Outcome]:
    """One key press in the menu → the new state and what to do (``goods_count``: goods read out in the mall)."""
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
        if digit == MALL_KEY:
            return MenuState(step="goods"), OpenMall()
        return state, Ask(invalid=True)
    if state.step in ("goods", "redeem", "collect"):
        return _mall_step(state, digit, goods_count)
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


def _mall_step(state: MenuState, digit: str, goods_count: int) -> tuple[MenuState, Outcome]:
    if state.step == "goods":
        choice = _choice(digit, min(goods_count, MALL_MAX_GOODS))
        if choice is None:
            return state, Ask(invalid=True)
        return replace(state, step="redeem", goods=choice), Ask()
    if state.step == "redeem":  # only an explicit 1 exchanges; 2 cancels and returns to the menu
        if digit == "1":
            assert state.goods is not None
            return replace(state, step="collect"), Redeem(state.goods)
        if digit == "2":
            return MenuState(), Dropped()
        return state, Ask(invalid=True)
    # collect: the code was said; 1 says it again (so does a retried 1), 2 back to the menu
    if digit == "1":
        return state, Ask()
    if digit == "2":
        return MenuState(), Ask()
    return state, Ask(invalid=True)


def spell_code(code: str) -> str:
    """A collection code key by key, as a partner's counter will type it: "AB2C-3456" → "A、B、2、C，3、4、5、6"."""
    return "，".join("、".join(group) for group in code.split("-") if group)


@dataclass(frozen=True)
class MallView:
    """What the mall steps read out: the goods (name, price in coin words), the balance in coin words,
    and the collection code and pickup place once an item is exchanged."""

    goods: tuple[tuple[str, str], ...] = ()
    balance: str = ""
    code: str = ""
    pickup: str = ""


def when_words(day: int, part: int) -> str:
    return f"{prompts.DAYS[day]}{prompts.PARTS[part][0]}"


def menu_prompt(state: MenuState, service_names: list[str], mall: MallView = MallView()) -> str:
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
    if state.step == "goods":
        choices = "；".join(f"{name}，{price}，按{i + 1}" for i, (name, price) in enumerate(mall.goods[:MALL_MAX_GOODS]))
        return prompts.KEYPAD_MALL_GOODS.format(balance=mall.balance, choices=choices)
    if state.step == "redeem":
        assert state.goods is not None
        name, price = mall.goods[state.goods]
        return prompts.KEYPAD_MALL_CONFIRM.format(name=name, price=price)
    if state.step == "collect":
        return prompts.KEYPAD_MALL_CODE.format(code=spell_code(mall.code), pickup=mall.pickup)
    return prompts.KEYPAD_MENU
