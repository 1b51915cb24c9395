"""The text the NLU sees (``normalize_utterance``), without Rasa imports so the training-data
generator and the evaluations can use it cheaply. Steps:

1. ``bot.actions.parsing.normalize_text``: spaces between Chinese characters, full-width digits,
   spoken phone digits;
2. traditional characters to simplified (約個人來 → 约个人来) with jionlp's converter (``tra2sim``,
   word mode: OpenCC-style phrase tables, so 乾淨 → 干净 while simplified text is left as it is);
   jionlp is already in the bot environment for dates;
3. the recogniser's common near-homophones, only in contexts where they cannot be meant:
   时间必/时间比 → 时间币 (not 时间比较), 想爷个/不爷了/预月 → 约 (not 爷爷, 大爷, 老爷子, 月底),
   救是/救行/陪同救医 → 就 (not 救命, 救护车), 收机 → 手机, 住册 → 注册; and what Whisper base
   heard on the hotline's test voice over the phone channel (docs/benchmarks.md, "Mandarin speech";
   docs/speech.md): 转人工 as 再研工/再衍公主/这人公主, 几星级 as 紧心急/茶心急, 时间币 as 时间地,
   预约 as 一夜 (before a date or a service), 订单 as 电单 (not 电单车), 取消 as 使效, 上午 as 笑舞,
   打扫卫生 as 大嫂卫生, 查 as 茶 (before 时间币, 余额, 星级, 订单), 对的 as a bare 对等.
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
    # 转人工: the syllables zhuan-ren-gong heard as zai-yan-gong(-zhu) / zhe-ren-gong-zhu.
    (re.compile(r"[再在][研衍言沿严延][工公]主?(?![作程])|这人公主|转人公主?"), "转人工"),
    (re.compile(r"[紧几]心急"), "几星级"),
    (re.compile(r"[茶查]心急"), "查星级"),
    (re.compile(r"时间地(?![点址方])"), "时间币"),
    (re.compile(r"(?<=[想要再帮我])一夜(?=明天|明早|明儿|后天|后儿|今天|大后天|下礼拜|下周|下星期|下个月|这礼拜|这周|"
                r"周[一二三四五六日天]|礼拜|星期|服务|个|一下|送|陪|打扫)"), "预约"),
    (re.compile(r"电单(?!车)"), "订单"),
    (re.compile(r"使效"), "取消"),
    (re.compile(r"(?<=[天早今明后])笑舞"), "上午"),
    (re.compile(r"大嫂卫生"), "打扫卫生"),
    (re.compile(r"茶(?=时间|余额|星级|几星|订单|一下我的)"), "查"),
    (re.compile(r"^对等(?=$|\s|没|，|,|。)"), "对的"),
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
