"""The text the NLU sees (``normalize_utterance``), without Rasa imports so the training-data
generator and the evaluations can use it cheaply. Steps:

1. ``bot.actions.parsing.normalize_text``: spaces between Chinese characters, full-width digits,
   spoken phone digits;
2. traditional characters to simplified (約個人來 → 约个人来) with jionlp's converter (``tra2sim``,
   word mode: OpenCC-style phrase tables, so 乾淨 → 干净 while simplified text is left as it is);
   jionlp is already in the bot environment for dates;
3. the recogniser's common near-homophones, only in contexts where they cannot be meant:
   时间必/时间比 → 时间币 (not 时间比较), 想爷个/不爷了/预月 → 约 (not 爷爷, 大爷, 老爷子, 月底),
   救是/救行/陪同救医 → 就 (not 救命, 救护车), 收机 → 手机, 住册 → 注册.
"""
from __future__ import annotations

import re

from bot.actions.parsing import normalize_text

# (pattern, replacement): only where the heard word cannot be what was meant.
_HOMOPHONES = [
    (re.compile(r"时间[必比笔](?![较如赛起])"), "时间币"),
    (re.compile(r"(?<=[想要能不再预帮给去来得])爷(?![爷们子])"), "约"),
    (re.compile(r"(?<=[想要不再预])月(?![份底初中号末饼])"), "约"),
    (re.compile(r"收机"), "手机"),
    (re.compile(r"住册"), "注册"),
    (re.compile(r"救(?=[是行算对医]|这样|那样|可以|不用|在家|要)"), "就"),
]


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (idempotent on simplified text)."""
    if not text or text.isascii():
        return text
    import jionlp  # lazy: a second of start-up only for the process that parses text

    return jionlp.tra2sim(text, mode="word")


def fix_homophones(text: str) -> str:
    for pattern, replacement in _HOMOPHONES:
        text = pattern.sub(replacement, text)
    return text


def normalize_utterance(text: str | None) -> str:
    """The text the NLU sees: normalised, simplified, known mishearings repaired (idempotent)."""
    return fix_homophones(to_simplified(normalize_text(text)))
