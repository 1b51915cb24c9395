"""NLU evaluation on the held-out split with the real trained model, and bad input."""
import json
from pathlib import Path

import pytest

from bot.nlu.evaluation import old_split_items, score

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "var" / "reports" / "bot_nlu.json"


@pytest.fixture(scope="module")
def evaluation(parser):
    result = score(parser.parse, old_split_items())
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


# A regression guard, not the target: issue 4's target (95 %) is a benchmark figure (docs/benchmarks.md).
# Retraining the same data from scratch moves the held-out score by an utterance or two (94.9–95.5 %
# measured), so a gate at the target itself would fail at random.
INTENT_ACCURACY_FLOOR = 0.94


def test_nlu__intent_accuracy_on_held_out_split(evaluation):
    assert evaluation["intent_accuracy"] >= INTENT_ACCURACY_FLOOR, evaluation["intent_misses"][:20]


def test_nlu__service_type_accuracy_on_held_out_split(evaluation):
    assert evaluation["service_examples"] >= 17 * 5
    assert evaluation["service_accuracy"] >= 0.90, evaluation["service_misses"][:20]


@pytest.mark.parametrize("text, intent", [
    ("嗯那个我下礼拜二要去医院复查，能不能找个人陪我去", "request_service"),
    ("我还有多少时间币", "check_balance"),
    ("我现在是几星了", "check_stars"),
    ("我 还 有 多 少 时 间 币", "check_balance"),           # recogniser spaces
])
def test_nlu__issue_examples(parser, text, intent):
    assert parser.parse(text)["intent"]["name"] == intent


def test_nlu__issue_example_entities(parser):
    entities = {e["entity"]: e["value"] for e in parser.parse("嗯那个我下礼拜二要去医院复查，能不能找个人陪我去")["entities"]}
    assert entities.get("service_type") == "escort_medical"
    assert entities.get("date_time") == "下礼拜二"


@pytest.mark.parametrize("text", ["", "   ", "呃呃呃", "😀😀", "hello how are you",
                                  "嗯那个就是" * 100])
def test_nlu__bad_input_is_parsed_without_error(parser, text):
    parsed = parser.parse(text)
    assert "intent" in parsed and isinstance(parsed.get("entities", []), list)


@pytest.mark.parametrize("text", ["呃呃呃", "😀😀", "hello how are you", "今天天气怎么样"])
def test_nlu__noise_and_other_languages_are_not_taken_for_a_task(parser, text):
    assert parser.parse(text)["intent"]["name"] in ("out_of_scope", "nlu_fallback", "greet")


@pytest.mark.parametrize("text, slug", [
    ("中午能不能给我送个饭", "meal_delivery"),          # no span names the service
    ("我家下水道堵了，你们能来个人吗", "repair"),
    ("我想約個人來幫我打掃衛生", "cleaning"),            # traditional characters
])
def test_nlu__service_from_the_whole_utterance(parser, text, slug):
    parsed = parser.parse(text)
    assert parsed["intent"]["name"] == "request_service"
    assert [e["value"] for e in parsed["entities"] if e["entity"] == "service_type"] == [slug]
    assert parsed["service_ranking"][0]["name"] == slug
    assert isinstance(parsed["service_alternatives"], list)


def test_nlu__no_service_named_gives_no_service(parser):
    parsed = parser.parse("我还有多少时间币")
    assert [e for e in parsed["entities"] if e["entity"] == "service_type"] == []
    assert parsed["service_ranking"] == [] and parsed["service_alternatives"] == []
