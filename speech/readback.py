"""Read-back normalisation: turn display text into what an elder expects to hear.

espeak-ng reads "2.5个时间币" as "二点五个时间币" and "13812345678" as one huge number; an elder
expects "两个半时间币" and a phone number digit by digit with 幺 for 1, in groups. Each rule is
a regex plus a pure function; ``readback`` applies them in a fixed order (masked IDs, dates,
times, phone numbers and codes before plain numbers, so digits are consumed by the most
specific rule first). Everything is deterministic given ``today`` (used for weekday and year).
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Callable

from backend.ledger.coin_words import coins_text

_DIGIT = "零一二三四五六七八九"
_YAO_DIGIT = "零幺二三四五六七八九"
_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期天")
_MEASURES = "个位次天件名张本年周岁块元条项户人双层栋"


def spell_digits(digits: str, *, yao: bool = True) -> str:
    """Digit by digit: "1380" → "幺三八零" (yao) or "一三八零"; X (ID check digit) → 叉."""
    table = _YAO_DIGIT if yao else _DIGIT
    return "".join(table[int(c)] if c.isdigit() else "叉" if c in "Xx" else c for c in digits)


def _four(n: int, *, liang: bool) -> str:
    """0 < n < 10000 without the leading '一' of 十 handled by the caller."""
    out, zero_gap = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, value)
        if d == 0:
            zero_gap = bool(out)
            continue
        if zero_gap:
            out += "零"
            zero_gap = False
        word = "两" if d == 2 and liang and unit in ("千", "百") else _DIGIT[d]
        out += word + unit
    return out


def cardinal(n: int, *, liang: bool = True) -> str:
    """Chinese cardinal: 25 → 二十五, 105 → 一百零五, 2000 → 两千, 12 → 十二, 20500 → 两万零五百."""
    if n < 0:
        return "负" + cardinal(-n, liang=liang)
    if n == 0:
        return "零"
    parts, unit_index, need_zero = [], 0, False
    units = ("", "万", "亿", "万亿")
    while n:
        n, section = divmod(n, 10000)
        if section:
            text = _four(section, liang=liang) + units[unit_index]
            if need_zero:
                text += "零"
            parts.append(text)
            need_zero = section < 1000 and n > 0
        else:
            need_zero = bool(parts)
        unit_index += 1
    text = "".join(reversed(parts)).replace("零零", "零").rstrip("零")
    if text.startswith("二万") or text.startswith("二亿"):
        text = ("两" if liang else "二") + text[1:]
    if text.startswith("一十"):
        text = text[1:]
    return text


def quantity(n: int) -> str:
    """A count before a measure word: 2 → 两 (两个, 两位), otherwise the cardinal."""
    return "两" if n == 2 else cardinal(n)


def decimal_words(number: str) -> str:
    """"3.14" → 三点一四, "0.75" → 零点七五; an integer string → cardinal."""
    whole, _, frac = number.partition(".")
    head = cardinal(int(whole or "0"), liang=False)
    return head + ("点" + spell_digits(frac, yao=False) if frac.strip("0") else "")


def _amount(number: str, unit: str, counter: str = "个") -> str:
    """Counted amounts with halves: 2.5 → 两个半<unit>, 0.5 → 半个<unit>, 3 → 三个<unit>."""
    try:
        value = Decimal(number)
    except InvalidOperation:
        return number + unit
    sign = "负" if value < 0 else ""
    value = abs(value)
    whole, frac = int(value), value - int(value)
    if frac == 0:
        return f"{sign}{quantity(whole)}{counter}{unit}"
    if frac == Decimal("0.5"):
        return f"{sign}半{counter}{unit}" if whole == 0 else f"{sign}{quantity(whole)}{counter}半{unit}"
    return f"{sign}{decimal_words(str(value))}{counter}{unit}"


def say_coins(minutes: int) -> str:
    """A balance stored as integer minutes read aloud in the one wording every channel uses
    (``backend.ledger.coin_words.coins_text``): 150 → 两个半时间币, 45 → 四十五分钟."""
    return readback(coins_text(minutes))


def _hours(number: str) -> str:
    value = Decimal(number)
    whole, frac = int(value), value - int(value)
    minutes = frac * 60
    if frac in (0, Decimal("0.5")) or minutes != int(minutes):
        return _amount(number, "小时")
    head = f"{quantity(whole)}小时" if whole else ""
    return f"{head}{cardinal(int(minutes))}分钟"


def _period(hour: int) -> str:
    if hour < 5:
        return "凌晨"
    if hour < 9:
        return "早上"
    if hour < 12:
        return "上午"
    if hour < 13:
        return "中午"
    if hour < 18:
        return "下午"
    return "晚上"


def say_time(hour: int, minute: int, *, with_period: bool = True) -> str:
    """"09:00" → 上午九点, 14:30 → 下午两点半, 08:05 → 早上八点零五分, 00:00 → 凌晨十二点."""
    twelve = hour % 12 or 12
    clock = ("两" if twelve == 2 else cardinal(twelve)) + "点"
    if minute == 30:
        clock += "半"
    elif minute:
        clock += ("零" if minute < 10 else "") + cardinal(minute) + "分"
    return (_period(hour) if with_period else "") + clock


def say_date(day: date, today: date, *, weekday: bool = True) -> str:
    """2026-11-24 → 十一月二十四号（星期二）; another year gets its year read digit by digit."""
    year = "" if day.year == today.year else spell_digits(str(day.year), yao=False) + "年"
    text = f"{year}{cardinal(day.month)}月{cardinal(day.day)}号"
    return text + (f"（{_WEEKDAYS[day.weekday()]}）" if weekday else "")


def _phone_groups(digits: str) -> list[str]:
    if len(digits) == 11 and digits.startswith("1"):
        return [digits[:3], digits[3:7], digits[7:]]
    if len(digits) == 8:
        return [digits[:4], digits[4:]]
    return [digits]


def say_phone(number: str) -> str:
    """13812345678 → 幺三八，幺二三四，五六七八; 010-62345678 → 零幺零，六二三四，五六七八."""
    groups = [g for part in re.split(r"[-\s]", number) if part for g in _phone_groups(part)]
    return "，".join(spell_digits(g) for g in groups)


_TIME = r"([01]?\d|2[0-3])[:：]([0-5]\d)"
Rule = tuple[re.Pattern[str], Callable[[re.Match[str], date], str]]


def _time_range(m: re.Match[str], _: date) -> str:
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    same = _period(h1) == _period(h2)
    return f"{say_time(h1, m1)}到{say_time(h2, m2, with_period=not same)}"


def _full_date(m: re.Match[str], today: date) -> str:
    try:
        return say_date(date(int(m[1]), int(m[2]), int(m[3])), today)
    except ValueError:
        return m[0]  # not a real date (2026-02-30): leave it for the number rules


RULES: tuple[Rule, ...] = (
    (re.compile(r"(?<![\d*])[0-9]*\*{2,}([0-9Xx]+)(?![\d*])"), lambda m, _: "尾号" + spell_digits(m[1])),
    (re.compile(r"([\u4e00-\u9fff])\*{1,3}(?![\d*])"), lambda m, _: m[1] + "某某"),
    (re.compile(r"(?<!\d)(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})[日号]?(?!\d)"), _full_date),
    (re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})[日号](?!\d)"), lambda m, _: f"{cardinal(int(m[1]))}月{cardinal(int(m[2]))}号"),
    (re.compile(rf"(?<!\d){_TIME}\s*[-~～至到]\s*{_TIME}(?!\d)"), _time_range),
    (re.compile(rf"(?<!\d){_TIME}(?!\d)"), lambda m, _: say_time(int(m[1]), int(m[2]))),
    (re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-\d{7,8}|[48]00-?\d{3}-?\d{4})(?!\d)"), lambda m, _: say_phone(m[1])),
    (re.compile(r"(拨打|电话|热线|号码|分机)([是为:：]?\s*)(\d{3,})"), lambda m, _: m[1] + m[2] + spell_digits(m[3])),
    (re.compile(r"(-?\d+(?:\.\d+)?)\s*个?\s*时间币"), lambda m, _: _amount(m[1], "时间币")),
    (re.compile(r"(\d+(?:\.\d+)?)\s*个?\s*(?:小时|钟头)"), lambda m, _: _hours(m[1])),
    (re.compile(r"(\d+(?:\.\d+)?)\s*%"), lambda m, _: "百分之" + decimal_words(m[1])),
    (re.compile(r"第\s*(\d+)"), lambda m, _: "第" + cardinal(int(m[1]), liang=False)),
    (re.compile(rf"(?<![\d.])(\d+)(?=\s*(?:分钟|[{_MEASURES}]))"), lambda m, _: quantity(int(m[1]))),
    (re.compile(r"(?<!\d)(\d{5,})(?!\d)"), lambda m, _: spell_digits(m[1])),
    (re.compile(r"(\d+\.\d+)"), lambda m, _: decimal_words(m[1])),
    (re.compile(r"(\d+)"), lambda m, _: cardinal(int(m[1]), liang=len(m[1]) > 1)),
)


def readback(text: str, *, today: date | None = None) -> str:
    """Display text → text for the synthesiser (see module docstring)."""
    today = today or date.today()
    for pattern, render in RULES:
        text = pattern.sub(lambda m: render(m, today), text)
    return text
