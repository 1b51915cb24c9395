import pytest

from speech.asr_text import answer_digits, chinese_to_int, normalise_transcript

CASES = [
    ("我 要 换 二十 个 时间币", "我要换20个时间币"),
    ("电话 是 一 三 八 一 二 三 四 五 六 七 八", "电话是13812345678"),
    ("幺 三 八", "138"),
    ("十一 月 二十四 号", "11月24号"),
    ("二零二六 年", "2026年"),
    ("一百零五", "105"),
    ("两百五十", "250"),
    ("一 个 人", "一个人"),
    ("我 一下 就 来", "我一下就来"),
    ("万一 下雨", "万一下雨"),
    ("千万 别 去", "千万别去"),
    ("乱七八糟", "乱七八糟"),
    ("十分 感谢", "十分感谢"),
    ("是 的", "是的"),
    ("ok 好 的", "ok好的"),
    ("hello world", "hello world"),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "text"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_normalise_transcript__table(raw, text):
    assert normalise_transcript(raw) == text


@pytest.mark.parametrize(("numeral", "value"), [("二十五", 25), ("十五", 15), ("两万三千", 23000), ("一三八", 138),
                                                ("十十", None), ("百", None), ("二三十", None)])
def test_chinese_to_int__values_and_refusals(numeral, value):
    assert chinese_to_int(numeral) == value


def test_answer_digits__single_numerals_become_digits():
    assert answer_digits("三") == "3" and answer_digits("幺 三 八") == "138" and answer_digits("是") == ""
