"""Unit tests of bot/actions/parsing.py: table-driven, dates against a fixed 'now'."""
import datetime as dt

import pytest

from backend.ledger.coin_words import coins_text
from bot.actions.parsing import (TZ, correction_text, datetime_to_words, mentions_datetime, minutes_to_hours_words,
                                 normalize_text, parse_choice, parse_coin_minutes, parse_phone, parse_rating,
                                 resolve_datetime)

# Wednesday 12 March 2025, 10:00 in Shanghai.
NOW = dt.datetime(2025, 3, 12, 10, 0, tzinfo=TZ)


def at(month, day, hour, minute=0, year=2025):
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize("spoken, expected", [
    ("明天上午", at(3, 13, 9)),
    ("下礼拜二", at(3, 18, 9)),
    ("后天下午三点", at(3, 14, 15)),
    ("十五号", at(3, 15, 9)),
    ("五号", at(4, 5, 9)),                     # already past this month: next month
    ("明早八点", at(3, 13, 8)),                 # jionlp alone reads 明早 as this morning
    ("星期一", at(3, 17, 9)),                   # bare weekday already past: the coming one
    ("星期五下午两点", at(3, 14, 14)),
    ("明儿个上午", at(3, 13, 9)),
    ("后天上午九点半", at(3, 14, 9, 30)),
    ("下个月三号", at(4, 3, 9)),
    ("今天晚上七点", at(3, 12, 19)),
    ("明天中午", at(3, 13, 12)),
    ("大后天", at(3, 15, 9)),
    ("3月5号", at(3, 5, 9, year=2026)),         # past date of the year: next year
    ("下礼拜天上午十点", at(3, 23, 10)),
    # issue 12: the forms people use, digits too
    ("后天上午10点", at(3, 14, 10)),
    ("明天下午3点", at(3, 13, 15)),
    ("下午3点半", at(3, 12, 15, 30)),
    ("十点半", at(3, 12, 10, 30)),
    ("12月5日", at(12, 5, 9)),
    ("12月5日上午10点", at(12, 5, 10)),
    ("5号", at(4, 5, 9)),
    ("大后天", at(3, 15, 9)),
    ("傍晚", at(3, 12, 17)),
    ("明早", at(3, 13, 8)),
    ("明天上午10:30", at(3, 13, 10, 30)),
    ("3点", at(3, 12, 15)),                     # a bare 1-6 o'clock is the afternoon
    ("明天两点", at(3, 13, 14)),
    ("9点", at(3, 13, 9)),                      # a bare clock time already past today: tomorrow's
    ("不对，不是后天，是大后天", at(3, 15, 9)),   # the corrected value, not the one replaced
    ("明天下午来个人教我用手机视频", at(3, 13, 14)),   # a whole sentence said in one breath
    ("麻烦后天上午10点来个人打扫一下卫生", at(3, 14, 10)),
])
def test_resolve_datetime__future_expressions(spoken, expected):
    assert resolve_datetime(spoken, NOW) == expected


@pytest.mark.parametrize("spoken, expected", [
    ("这礼拜一", at(3, 10, 9)),
    ("昨天下午", at(3, 11, 14)),
])
def test_resolve_datetime__explicit_past_is_kept_so_the_caller_can_be_told(spoken, expected):
    result = resolve_datetime(spoken, NOW)
    assert result == expected and result < NOW


@pytest.mark.parametrize("spoken", ["", None, "随便", "陪我看病", "呃呃呃"])
def test_resolve_datetime__nothing_date_like(spoken):
    assert resolve_datetime(spoken, NOW) is None


def test_resolve_datetime__result_is_aware_in_shanghai():
    result = resolve_datetime("明天上午", NOW)
    assert result.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize("value, expected", [
    (at(3, 13, 9), "明天上午9点"),
    (at(3, 12, 14, 30), "今天下午2点半"),
    (at(3, 14, 8), "后天早上8点"),
    (at(3, 18, 19), "3月18号星期二晚上7点"),
])
def test_datetime_to_words(value, expected):
    assert datetime_to_words(value, NOW) == expected


@pytest.mark.parametrize("raw, expected", [
    ("明 天 上 午 九 点", "明天上午九点"),
    ("我 要 约 ９ 点", "我要约9点"),
    ("ＡＢＣ", "ABC"),
    ("幺三八 一二三四 五六七八", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    ("hello  world", "hello world"),
    ("   ", ""),
    (None, ""),
    ("我想要一个人陪我，好吗？", "我想要一个人陪我，好吗？"),   # numerals and Chinese punctuation stay
])
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("raw", ["明 天 上 午", "幺三八 一二三四 五六七八", "我 要 ９ 点"])
def test_normalize_text__is_idempotent(raw):
    once = normalize_text(raw)
    assert normalize_text(once) == once


@pytest.mark.parametrize("spoken, minutes", [
    ("两个", 120), ("三百个", 18000), ("一个半", 90), ("半个", 30), ("30分钟", 30), ("5个", 300),
    ("十二个", 720), ("２个", 120), ("啥", None), ("", None), ("零个", None),
])
def test_parse_coin_minutes(spoken, minutes):
    assert parse_coin_minutes(spoken) == minutes


@pytest.mark.parametrize("minutes, coins, hours", [
    (750, "12个半时间币", "12个半小时"), (60, "1个时间币", "1个小时"), (30, "半个时间币", "半个小时"),
    (125, "2个时间币5分钟", "2个小时零5分钟"), (20, "20分钟", "20分钟"),
])
def test_coins_text_and_hours_words(minutes, coins, hours):
    assert coins_text(minutes) == coins
    assert minutes_to_hours_words(minutes) == hours


def test_coins_text__a_negative_amount_says_fu_as_on_the_console():
    assert coins_text(-90) == "负1个半时间币"


@pytest.mark.parametrize("said, expected", [
    ("不对，不是后天，是大后天", "，，是大后天"), ("改成下午三点", "改成下午三点"), ("说错了，是陪诊", "，是陪诊"),
])
def test_correction_text__drops_the_value_being_replaced(said, expected):
    assert correction_text(said) == expected


@pytest.mark.parametrize("said, named", [
    ("明天下午来个人教我用手机视频", True), ("12月5日上午10点", True), ("十点半吧", True), ("下礼拜二", True),
    ("说慢一点", False), ("要带病历本", False), ("我要三百个时间币", False), ("快点", False),
])
def test_mentions_datetime__a_day_or_a_clock_time_not_any_dian(said, named):
    assert mentions_datetime(said) is named


@pytest.mark.parametrize("spoken, stars", [
    ("五颗星", 5), ("4星", 4), ("打两分", 2), ("3", 3), ("给个好评", 5), ("不太满意", 2), ("一般般吧", 3),
    ("差评", 1), ("不知道", None), ("十颗星", None),
])
def test_parse_rating(spoken, stars):
    assert parse_rating(spoken) == stars


@pytest.mark.parametrize("spoken, e164", [
    ("138 1234 5678", "+8613812345678"), ("幺三八一二三四五六七八", "+8613812345678"),
    ("我的号是13912340001", "+8613912340001"), ("12345", None), ("", None),
])
def test_parse_phone(spoken, e164):
    assert parse_phone(spoken) == e164


@pytest.mark.parametrize("spoken, count, index", [
    ("第二个", 3, 1), ("第一个", 3, 0), ("最后那个", 3, 2), ("3", 3, 2), ("第五个", 3, None), ("随便", 3, None),
    ("就这个", 1, 0),
])
def test_parse_choice(spoken, count, index):
    assert parse_choice(spoken, count) == index
