"""Phrase lists for the restricted (grammar) mode the dialogue switches on for short answers.

Vosk only accepts words in the model's vocabulary; ``usable_phrases`` drops phrases with unknown
words (the recogniser logs them once), so a list written for one model degrades instead of
failing on another. Multi-word phrases are written with spaces, as the model's words.
"""
from __future__ import annotations

from typing import Any, Sequence

from speech.vosk_engine import model_knows

YES_NO_CN: tuple[str, ...] = ("是", "是的", "对", "对的", "好", "好的", "可以", "行", "嗯",
                              "不是", "不对", "不要", "不用", "不行", "不可以", "没有")
DIGITS_CN: tuple[str, ...] = ("零", "一", "幺", "二", "两", "三", "四", "五", "六", "七", "八", "九")


def usable_phrases(model: Any, phrases: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split ``phrases`` into (usable, dropped) for this model's vocabulary."""
    usable, dropped = [], []
    for phrase in phrases:
        (usable if all(model_knows(model, word) for word in phrase.split()) else dropped).append(phrase)
    return tuple(usable), tuple(dropped)
