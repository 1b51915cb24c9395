"""Bare yes/no answers from the closed word list (bot/nlu/answers.py), in the dialects callers answer in,
and what the list must leave to the models."""
import pytest

from bot.nlu.answers import answer_intent


@pytest.mark.parametrize("text", [
    "对", "对对对", "嗯", "好的呀", "行嘞", "得嘞", "中中中", "要得要得", "没问题", "ok，就这样", "嗯，对的",
    "系", "系呀，冇错", "啱", "啱晒啱晒", "就系咁啦",     # Cantonese
    "是格", "对格，对格",                                # Wu
    "中，就这么着", "那就这样吧", "对头对头，就恁么着",
])
def test_a_bare_yes_in_any_dialect_is_affirm(text):
    assert answer_intent(text) == "affirm"


@pytest.mark.parametrize("text", [
    "不", "不对", "不是不是", "不要了", "错了错了", "没有", "别别别",
    "唔系", "唔啱，唔系咯", "冇",          # Cantonese
    "勿对", "勿是格", "覅",              # Wu
    "嫑", "嫑嫑嫑",                       # Shaanxi
])
def test_a_bare_no_in_any_dialect_is_deny(text):
    assert answer_intent(text) == "deny"


@pytest.mark.parametrize("text", [
    "中不中", "是不是", "行不行", "对不对",          # questions made of a yes and a no
    "要带病历本", "对，三十个，给我儿子", "不对，是下礼拜三",  # an answer with something more: the models decide
    "是我", "不是我叫的", "好久没人来了", "中午", "成都", "对了，我还想问个事", "不得了了",
    "嗯，我想约个人来打扫", "好的，谢谢你", "",
    "对对对对对对对对对对对对对对对对对",            # longer than any answer: not taken on words alone
])
def test_anything_more_than_a_bare_answer_is_left_to_the_models(text):
    assert answer_intent(text) is None


def test_the_component_puts_the_answer_first_and_far_enough_ahead_for_the_fallback_rule():
    """A model sure of the opposite (affirm 0.95 for a Wu no) must not make the turn ambiguous: the
    FallbackClassifier falls back when the top two are within its ambiguity threshold (0.05)."""
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.answers import AnswerLexicon

    ranking = [{"name": "affirm", "confidence": 0.95}, {"name": "deny", "confidence": 0.04},
               {"name": "request_service", "confidence": 0.01}]
    no, other = Message(data={TEXT: "勿对，勿是格"}), Message(data={TEXT: "我想约个人来打扫"})
    for message in (no, other):
        message.set(INTENT, dict(ranking[0]))
        message.set(INTENT_RANKING_KEY, [dict(r) for r in ranking])
    AnswerLexicon().process([no, other])
    assert no.get(INTENT) == {"name": "deny", "confidence": 1.0}
    names = [r["name"] for r in no.get(INTENT_RANKING_KEY)]
    assert names == ["deny", "affirm", "request_service"]
    assert no.get(INTENT_RANKING_KEY)[0]["confidence"] - no.get(INTENT_RANKING_KEY)[1]["confidence"] > 0.05
    assert other.get(INTENT)["name"] == "affirm" and other.get(INTENT_RANKING_KEY) == ranking  # untouched
