"""Pure helpers that turn recogniser text into values: no I/O, no Rasa imports.

- ``normalize_text``: what the NLU sees. Removes the spaces a recogniser puts between Chinese
  characters, turns full-width digits/letters into ASCII and spoken phone digits
  ("幺三八…") into digits. Chinese numerals elsewhere stay as they are: rewriting "一下" or
  "一个人" would hurt the NLU more than it helps; numbers become values below instead.
- ``resolve_datetime``: Chinese date/time expressions ("明天上午", "下礼拜二", "十五号") to an
  aware datetime in Asia/Shanghai, using jionlp's time parser plus the defaults a booking needs.
- ``parse_number`` / ``parse_coin_minutes`` / ``parse_rating`` / ``parse_phone`` /
  ``parse_choice``: amounts, star ratings, phone numbers, "第二个".
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}0-9])\s+(?=[{_CJK}0-9])|(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPOKEN_DIGIT = {"零": "0", "〇": "0", "幺": "1", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4",
                 "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_SPOKEN_DIGITS_RUN = re.compile("[零〇幺一二两三四五六七八九0-9]{7,}")


def _to_halfwidth(text: str) -> str:
    """Full-width digits, letters and the ideographic space become ASCII; Chinese punctuation stays."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def normalize_text(text: str | None) -> str:
    """Normalise one recogniser or chat turn for the NLU (idempotent)."""
    if not text:
        return ""
    text = _to_halfwidth(text)
    text = _SPACE_BETWEEN_CJK.sub("", text.strip())
    text = re.sub(r"\s+", " ", text)
    # A run of 7+ single spoken digits is a phone number read digit by digit.
    return _SPOKEN_DIGITS_RUN.sub(lambda m: "".join(_SPOKEN_DIGIT.get(c, c) for c in m.group()), text)


# --- numbers -----------------------------------------------------------------------------

_NUMERAL = re.compile(r"[0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万]+")


def parse_number(text: str | None) -> float | None:
    """The first number in ``text`` ("三百" → 300, "十五" → 15, "2" → 2, "半" → 0.5)."""
    if not text:
        return None
    text = normalize_text(text)
    match = _NUMERAL.search(text)
    if match is None:
        return 0.5 if "半" in text else None
    raw = match.group()
    if raw[0].isdigit():
        value = float(raw)
    else:
        import cn2an  # imported lazily: it is only needed when a number is spoken in Chinese

        try:
            value = float(cn2an.cn2an(raw.replace("两", "二").replace("〇", "零"), "smart"))
        except (ValueError, KeyError):
            return None
    if "半" in text[match.end():match.end() + 3]:
        value += 0.5
    return value


def parse_coin_minutes(text: str | None) -> int | None:
    """An amount of coins or hours to integer minutes ("两个" → 120, "一个半小时" → 90,
    "30分钟" → 30). One coin is one hour of ordinary service."""
    value = parse_number(text)
    if value is None or value <= 0:
        return None
    if text and "分钟" in text and "小时" not in text:
        return int(round(value))
    return int(round(value * 60))


def minutes_to_hours_words(minutes: int) -> str:
    """Integer minutes as hours: 90 → "1个半小时", 750 → "12个半小时", 20 → "20分钟"."""
    hours, rest = divmod(abs(int(minutes)), 60)
    if rest == 30:
        return f"{hours}个半小时" if hours else "半个小时"
    if rest == 0:
        return f"{hours}个小时"
    return f"{rest}分钟" if hours == 0 else f"{hours}个小时零{rest}分钟"


_RATING_WORDS = (("差评", 1), ("很不满意", 1), ("不太满意", 2), ("不满意", 2), ("一般", 3), ("凑合", 3),
                 ("还行", 4), ("不错", 4), ("满意", 5), ("好评", 5), ("满分", 5), ("很好", 5))
_RATING_NUMBER = re.compile(r"([1-5]|[一二两三四五])\s*(?:颗|个)?\s*(?:星|分)|^\s*([1-5])\s*$")


def parse_rating(text: str | None) -> int | None:
    """Stars 1–5 from "五颗星", "4星", "给个好评", "不太满意"."""
    if not text:
        return None
    match = _RATING_NUMBER.search(normalize_text(text))
    if match:
        return int(parse_number(match.group(1) or match.group(2)))
    for word, stars in _RATING_WORDS:
        if word in text:
            return stars
    return None


def parse_phone(text: str | None) -> str | None:
    """A mainland mobile number ("138 1234 5678", "幺三八…") as E.164 (+8613812345678)."""
    digits = re.sub(r"\D", "", normalize_text(text or "").replace(" ", ""))
    match = re.search(r"1[3-9]\d{9}", digits)
    return f"+86{match.group()}" if match else None


_ORDINALS = {"第一": 1, "头一": 1, "第二": 2, "第三": 3, "第四": 4, "第五": 5, "最后": -1}


def parse_choice(text: str | None, count: int) -> int | None:
    """A 0-based index into a list read to the caller ("第二个", "2", "最后那个")."""
    if not text or count <= 0:
        return None
    if count == 1 and re.search(r"就这个|这个|那个|对|是", text):
        return 0
    for word, position in _ORDINALS.items():
        if word in text:
            index = count - 1 if position == -1 else position - 1
            return index if 0 <= index < count else None
    value = parse_number(text)
    if value is not None and 1 <= value <= count:
        return int(value) - 1
    return None


# --- dates and times ---------------------------------------------------------------------

# Dialect and shorthand jionlp misreads ("明早" is read as this morning).
_DATE_REWRITES = (("明儿个", "明天"), ("明儿", "明天"), ("今儿个", "今天"), ("今儿", "今天"),
                  ("后儿个", "后天"), ("后儿", "后天"), ("明早", "明天早上"), ("明晚", "明天晚上"),
                  ("下礼拜天", "下周日"), ("礼拜天", "周日"), ("礼拜日", "周日"), ("星期天", "周日"),
                  ("礼拜", "周"), ("钟头", "小时"))
# Default clock time when only a part of the day is said (a booking needs a start time).
_PART_OF_DAY = (("凌晨", 6), ("早上", 8), ("早晨", 8), ("一早", 8), ("上午", 9), ("中午", 12),
                ("下午", 14), ("傍晚", 17), ("晚上", 19))
_PART_WORDS = re.compile(r"凌晨|早上|早晨|一早|上午|中午|下午|傍晚|晚上|夜里|半夜|晚")
_RELATIVE = re.compile(r"今|明|后天|这|本周|下(?!午)|上(?!午)|昨|前天")
_DAY_WORDS = re.compile(r"天|号|日|周|星期|礼拜|月|明|今|早|晚")
_WEEKDAY_ONLY = re.compile(r"(周|星期)[一二三四五六日天1-7]")
_DAY_OF_MONTH_ONLY = re.compile(r"^\D*?[0-9一二三四五六七八九十]+[号日]")
_DATE_HINT = re.compile(r"[天早晚午号日周月点钟]|礼拜|星期|凌晨|傍晚")
# A clock time ("3点", "十点半", "10:30"), but not "慢一点"/"快点"/"早点".
_CLOCK = re.compile(r"(?<![慢快大小多少好近远高低轻重早晚些])[0-9零一二两三四五六七八九十]{1,3}点|\d{1,2}[:：]\d{2}")
_SENTENCE_DATE_HINT = re.compile(r"今天|明天|后天|大后天|今儿|明儿|后儿|[0-9一二三四五六七八九十]+[号日]|"
                                 r"周[一二三四五六日天]|星期|礼拜|[0-9一二三四五六七八九十]+月|"
                                 r"凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|明早|明晚")
# "不对，不是后天，是大后天": the value being replaced is dropped, the new one is kept.
_NEGATED = re.compile(r"不对|不是[^，,。；;！!？?是]*|错了|说错了")


def correction_text(text: str | None) -> str:
    """What a correction says the value *is*: "不对，不是后天，是大后天" → "，，是大后天"."""
    return _NEGATED.sub("", normalize_text(text or ""))


def mentions_datetime(text: str | None) -> bool:
    """Whether a whole sentence names a day or a clock time (so it can fill the time of a booking
    said in one breath), not merely contains 点 as in "说慢一点"."""
    spoken = normalize_text(text or "")
    return bool(_SENTENCE_DATE_HINT.search(spoken) or _CLOCK.search(spoken))


def resolve_datetime(text: str | None, now: dt.datetime) -> dt.datetime | None:
    """Resolve a spoken date/time to the start of the appointment, aware, in Asia/Shanghai.

    ``now`` must be aware. Returns None when nothing date-like is found. Bare weekdays and
    days of the month that already passed roll forward ("星期四" said on Sunday is the coming
    Thursday); explicit past dates ("昨天", "上礼拜") are returned as they are so the caller
    can be told the day has passed. A bare clock hour from 1 to 6 is the afternoon ("3点" → 15:00:
    nobody books a visit at 3 at night without saying 凌晨), and a bare clock time already past
    today is tomorrow's.
    """
    if not text or not _DATE_HINT.search(text):
        return None
    now = now.astimezone(TZ)
    spoken = correction_text(text)
    for old, new in _DATE_REWRITES:
        spoken = spoken.replace(old, new)
    import jionlp  # heavy (~0.6 s): imported on first use, never at module import

    try:
        parsed = jionlp.parse_time(spoken, time_base=now.replace(tzinfo=None).timestamp())
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    if not parsed or parsed.get("type") not in ("time_point", "time_span"):
        return None
    start = dt.datetime.fromisoformat(parsed["time"][0]).replace(tzinfo=TZ)
    end = dt.datetime.fromisoformat(parsed["time"][1]).replace(tzinfo=TZ)
    if end - start > dt.timedelta(hours=1, minutes=1):
        hour = next((h for word, h in _PART_OF_DAY if word in spoken), 9)
        start = start.replace(hour=hour, minute=0, second=0)
    elif 1 <= start.hour <= 6 and not _PART_WORDS.search(spoken):
        start += dt.timedelta(hours=12)
    start = start.replace(second=0, microsecond=0)
    if start < now and not _RELATIVE.search(spoken):
        if _WEEKDAY_ONLY.search(spoken):
            start += dt.timedelta(days=7)
        elif _DAY_OF_MONTH_ONLY.search(spoken) and "月" not in spoken:
            start = _add_month(start)
        elif "月" in spoken and "年" not in spoken:
            start = start.replace(year=start.year + 1)
        elif not _DAY_WORDS.search(spoken.replace("点", "")):
            start += dt.timedelta(days=1)  # "9点" said at ten: tomorrow's nine o'clock
    return start


def _add_month(value: dt.datetime) -> dt.datetime:
    year, month = (value.year + 1, 1) if value.month == 12 else (value.year, value.month + 1)
    try:
        return value.replace(year=year, month=month)
    except ValueError:  # 31号 in a 30-day month: keep the next month that has that day
        return _add_month(value.replace(year=year, month=month, day=1)).replace(day=value.day)


_WEEKDAY_ZH = "一二三四五六日"


def datetime_to_words(value: dt.datetime, now: dt.datetime) -> str:
    """How the read-back says a start time: "明天上午9点", "11月24号星期二下午2点半"."""
    value = value.astimezone(TZ)
    days = (value.date() - now.astimezone(TZ).date()).days
    day = {0: "今天", 1: "明天", 2: "后天"}.get(days) or f"{value.month}月{value.day}号星期{_WEEKDAY_ZH[value.weekday()]}"
    hour = value.hour
    part = "早上" if hour < 9 else "上午" if hour < 12 else "中午" if hour < 13 else "下午" if hour < 18 else "晚上"
    clock = hour if hour <= 12 else hour - 12
    minute = "" if value.minute == 0 else "半" if value.minute == 30 else f"{value.minute}分"
    return f"{day}{part}{clock}点{minute}"
