"""Read-back normalisation, table-driven: display text → what the elder hears."""
from datetime import date

import pytest

from speech.readback import cardinal, readback, say_coins

TODAY = date(2026, 11, 22)  # a Sunday

CASES = [
    # time-bank amounts
    ("2.5个时间币", "两个半时间币"),
    ("1个时间币", "一个时间币"),
    ("2个时间币", "两个时间币"),
    ("0.5个时间币", "半个时间币"),
    ("10个时间币", "十个时间币"),
    ("1.5时间币", "一个半时间币"),
    ("2.25个时间币", "二点二五个时间币"),
    ("-3个时间币", "负三个时间币"),
    ("余额：12.5个时间币", "余额：十二个半时间币"),
    # hours of service
    ("1.5小时", "一个半小时"),
    ("2小时", "两个小时"),
    ("0.5小时", "半个小时"),
    ("2.25小时", "两小时十五分钟"),
    ("服务3个小时", "服务三个小时"),
    ("30分钟", "三十分钟"),
    ("2分钟", "两分钟"),
    # clock times
    ("09:00", "上午九点"),
    ("9:00", "上午九点"),
    ("14:30", "下午两点半"),
    ("08:05", "早上八点零五分"),
    ("12:00", "中午十二点"),
    ("00:00", "凌晨十二点"),
    ("19:45", "晚上七点四十五分"),
    ("9:00-11:00", "上午九点到十一点"),
    ("11:30~14:00", "上午十一点半到下午两点"),
    # dates
    ("2026-11-24", "十一月二十四号（星期二）"),
    ("2026/12/1", "十二月一号（星期二）"),
    ("2026年11月22日", "十一月二十二号（星期天）"),
    ("2027-01-05", "二零二七年一月五号（星期二）"),
    ("11月24日", "十一月二十四号"),
    ("2026-11-24 09:00", "十一月二十四号（星期二） 上午九点"),
    # phone numbers, codes and masked identifiers
    ("13812345678", "幺三八，幺二三四，五六七八"),
    ("电话13900001111", "电话幺三九，零零零零，幺幺幺幺"),
    ("010-62345678", "零幺零，六二三四，五六七八"),
    ("400-123-4567", "四零零，幺二三，四五六七"),
    ("请拨打110", "请拨打幺幺零"),
    ("热线12345", "热线幺二三四五"),
    ("138****5678", "尾号五六七八"),
    ("110101********123X", "尾号幺二三叉"),
    ("张**", "张某某"),
    ("订单号20261124001", "订单号二零二六幺幺二四零零幺"),
    # counts, ordinals, plain numbers
    ("2位志愿者", "两位志愿者"),
    ("3人", "三人"),
    ("第2次", "第二次"),
    ("12", "十二"),
    ("20", "二十"),
    ("102", "一百零二"),
    ("1500", "一千五百"),
    ("2000", "两千"),
    ("10000元", "一万元"),
    ("222", "两百二十二"),
    ("3.14", "三点一四"),
    ("50%", "百分之五十"),
    ("没有数字的句子。", "没有数字的句子。"),
]


@pytest.mark.parametrize(("text", "spoken"), CASES, ids=[c[0] for c in CASES])
def test_readback__table(text, spoken):
    assert readback(text, today=TODAY) == spoken


def test_readback__table_is_large_enough():
    assert len(CASES) >= 40


def test_readback__impossible_date_gets_no_weekday():
    assert "星期" not in readback("2026-02-30", today=TODAY)


def test_readback__output_has_no_ascii_digits_left():
    for text, _ in CASES:
        assert not any(ch.isascii() and ch.isdigit() for ch in readback(text, today=TODAY)), text


@pytest.mark.parametrize(("minutes", "spoken"), [(150, "两个半时间币"), (60, "一个时间币"), (30, "半个时间币"),
                                                 (45, "四十五分钟"), (600, "十个时间币"),
                                                 (125, "两个时间币五分钟"), (-90, "负一个半时间币")])
def test_say_coins__integer_minutes(minutes, spoken):
    assert say_coins(minutes) == spoken


@pytest.mark.parametrize(("n", "words"), [(0, "零"), (10, "十"), (15, "十五"), (110, "一百一十"), (1005, "一千零五"),
                                          (20500, "两万零五百"), (100000000, "一亿"), (12345, "一万两千三百四十五")])
def test_cardinal__values(n, words):
    assert cardinal(n) == words
