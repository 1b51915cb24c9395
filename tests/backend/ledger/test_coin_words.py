"""One wording for coins (issue 12, point 5): every channel says an amount with coin_words.coins_text."""
import re
from pathlib import Path

import pytest

from backend.ledger.coin_words import coins_text
from speech.readback import say_coins
from web.console.pagekit import coins as console_coins

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("minutes, text", [
    (0, "0个时间币"), (60, "1个时间币"), (90, "1个半时间币"), (30, "半个时间币"), (20, "20分钟"),
    (125, "2个时间币5分钟"), (750, "12个半时间币"), (-90, "负1个半时间币"), (-20, "负20分钟"),
])
def test_coins_text__plain_chinese_for_each_kind_of_amount(minutes, text):
    assert coins_text(minutes) == text


@pytest.mark.parametrize("minutes", [750, 125, -90, 20])
def test_coins_text__console_and_phone_say_the_same_amount(minutes):
    assert console_coins(minutes) == coins_text(minutes)
    # The phone reads the same words aloud (digits spelled out): a negative is 负 on both.
    assert say_coins(minutes).startswith("负") == coins_text(minutes).startswith("负")


def test_coins_text__no_other_module_words_a_coin_amount():
    """A coin amount is worded in one function: no other source builds "…个时间币" or says 欠."""
    builder = re.compile(r"""f["'][^"'\n]*\}个(半)?时间币|["']欠["']""")
    offenders = [str(path.relative_to(ROOT)) for folder in ("backend", "bot", "ivr", "web", "speech", "yinling")
                 for path in (ROOT / folder).rglob("*.py")
                 if path.name != "coin_words.py" and builder.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
