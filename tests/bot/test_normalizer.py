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
])
def test_normalize_utterance__repairs(heard, meant):
    assert normalize_utterance(heard) == meant


@pytest.mark.parametrize("text", ["时间比较紧", "给我爷爷约个陪诊", "我大爷想唠嗑", "救命啊", "叫救护车",
                                  "下个月底", "十二月五号", "著名的大夫", "干干净净", "我还有多少时间币"])
def test_normalize_utterance__leaves_what_was_meant(text):
    assert normalize_utterance(text) == text


def test_normalize_utterance__is_idempotent():
    once = normalize_utterance("我想約個人來，時間必還有 幾 個")
    assert normalize_utterance(once) == once
