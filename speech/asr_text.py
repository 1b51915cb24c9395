"""Normalisation of recogniser output into the text the dialogue parses.

Vosk's Chinese models put spaces between words ("我 要 换 二十 个 时间币"); the dialogue expects
"我要换20个时间币". Spaces stay only between two Latin/digit tokens. Chinese numerals become
digits when that is unambiguous: runs of two or more numeral characters ("一 三 八" → "138",
"二十五" → "25"); a single numeral character stays ("一个", "两位") and a fixed list of idioms
that contain numerals is left alone ("一下", "万一", "乱七八糟").
"""
from __future__ import annotations

import re

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")

DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4,
          "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_NUMERAL_RUN = re.compile("[零〇一幺二两三四五六七八九十百千万亿]{2,}")

# Fixed expressions whose numerals are not numbers. Longest first so they win over parts.
IDIOMS = sorted(
    ["一下", "一起", "一样", "一定", "一直", "一些", "一会", "一点儿", "一般", "一边", "一共",
     "万一", "千万", "一一", "一五一十", "三三两两", "乱七八糟", "七上八下", "十全十美",
     "一心一意", "四面八方", "五颜六色", "千千万万", "一模一样", "接二连三", "三心二意",
     "一干二净", "一清二楚", "七嘴八舌", "不三不四", "十分", "一切", "统一", "唯一", "万万"],
    key=len, reverse=True,
)


def collapse_spaces(text: str) -> str:
    """Drop whitespace that touches a Chinese character; squeeze the rest to single spaces."""
    return re.sub(r"\s+", " ", _SPACE_NEXT_TO_CJK.sub("", text)).strip()


def chinese_to_int(numeral: str) -> int | None:
    """Value of a Chinese numeral ("二十五" → 25, "一百零五" → 105, "两万三" is not handled and
    gives None). Digit strings without units are read digit by digit ("一三八" → 138)."""
    if not numeral or any(ch not in DIGITS and ch not in _SMALL_UNITS and ch not in _BIG_UNITS for ch in numeral):
        return None
    if all(ch in DIGITS for ch in numeral):
        return int("".join(str(DIGITS[ch]) for ch in numeral))
    total, section, digit = 0, 0, None
    last_unit = None
    for ch in numeral:
        if ch in DIGITS:
            if digit is not None and DIGITS[ch] != 0:
                return None  # two digits in a row inside a unit numeral ("二三十")
            digit = DIGITS[ch] if DIGITS[ch] != 0 else None
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if last_unit is not None and unit >= last_unit and section:
                return None  # "十十", "百千"
            section += (1 if digit is None and unit == 10 else digit or 0) * unit
            if digit is None and unit != 10:
                return None  # "百" without a digit
            digit, last_unit = None, unit
        else:
            big = _BIG_UNITS[ch]
            section += digit or 0
            if section == 0:
                return None
            total += section * big
            section, digit, last_unit = 0, None, None
    return total + section + (digit or 0)


def _convert_run(run: str) -> str:
    value = chinese_to_int(run)
    if value is None or run[0] in "十百千万亿" and run[0] != "十":
        return run
    if all(ch in DIGITS for ch in run):
        return "".join(str(DIGITS[ch]) for ch in run)
    return str(value)


def numerals_to_digits(text: str) -> str:
    """Replace unambiguous numeral runs with Arabic digits (see module docstring)."""
    protected: list[str] = []

    def protect(match: re.Match[str]) -> str:
        protected.append(match.group(0))
        return f"\x00{len(protected) - 1}\x00"

    guarded = re.sub("|".join(map(re.escape, IDIOMS)), protect, text)
    converted = _NUMERAL_RUN.sub(lambda m: _convert_run(m.group(0)), guarded)
    return re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m.group(1))], converted)


def normalise_transcript(text: str) -> str:
    """Recogniser text → dialogue text."""
    return numerals_to_digits(collapse_spaces(text))


def answer_digits(text: str) -> str:
    """For keypad-like answers in grammar mode: every numeral character becomes a digit
    ("三" → "3", "幺 三 八" → "138"); other characters are dropped."""
    return "".join(str(DIGITS[ch]) if ch in DIGITS else ch for ch in collapse_spaces(text) if ch in DIGITS or ch.isdigit())
