"""The text the NLU sees (bot/nlu/text.py): traditional characters, recogniser mishearings."""
import pytest

from bot.nlu.text import normalize_utterance


@pytest.mark.parametrize("heard, meant", [
    ("我想約個人來幫我打掃衛生", "我想约个人来帮我打扫卫生"),
    ("我那個時間幣還剩多少", "我那个时间币还剩多少"),
    ("我 还 有 多 少 时 间 必", "我还有多少时间币"),
    ("我的时间比还有几个", "我的时间币还有几个"),
    ("我想爷个送饭", "我想约个送饭"),
    ("不爷了", "不约了"),
    ("我想预月一下", "我想预约一下"),
    ("救是想问问", "就是想问问"),
    ("陪同救医", "陪同就医"),
    ("教我用收机", "教我用手机"),
    ("我想住册", "我想注册"),
    # What Whisper base heard on the hotline's test voice (docs/benchmarks.md, "Mandarin speech").
    ("帮我再衍公主", "帮我转人工"),
    ("帮我再研工", "帮我转人工"),
    ("这人公主", "转人工"),
    ("我现在是紧心急", "我现在是几星级"),
    ("茶心急", "查星级"),
    ("我的时间地还有多少", "我的时间币还有多少"),
    ("茶时间必", "查时间币"),
    ("我想一夜明天中午送饭", "我想预约明天中午送饭"),
    ("我要取消刚才的电单", "我要取消刚才的订单"),
    ("我要使效刚才的订单", "我要取消刚才的订单"),
    ("后天笑舞帮我买菜", "后天上午帮我买菜"),
    ("比如大嫂卫生", "比如打扫卫生"),
    ("对等 没错", "对的没错"),
])
def test_normalize_utterance__repairs(heard, meant):
    assert normalize_utterance(heard) == meant


@pytest.mark.parametrize("text", ["时间比较紧", "给我爷爷约个陪诊", "我大爷想唠嗑", "救命啊", "叫救护车",
                                  "下个月底", "十二月五号", "著名的大夫", "干干净净", "我还有多少时间币",
                                  "时间地点定了吗", "我一夜没睡好", "电单车没电了", "人工智能", "茶余饭后",
                                  "给我泡杯茶", "我心急啊", "权利对等", "我大嫂来了"])
def test_normalize_utterance__leaves_what_was_meant(text):
    assert normalize_utterance(text) == text


def test_normalize_utterance__is_idempotent():
    once = normalize_utterance("我想約個人來，時間必還有 幾 個")
    assert normalize_utterance(once) == once
