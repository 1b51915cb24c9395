"""Understanding measured on the independent evaluation set (tests/bot/eval/independent.yml:
written from situations by another hand, never trained on; clear items only), with the real model.

The floors guard against regressions a few points under the figures in docs/benchmarks.md (section
"Bot understanding (issue 12)"); the issue's targets (intent ≥ 95 %, service ≥ 92 %) are benchmark
figures, reported there. Never add a missed sentence or its frame to the training data: that would
turn this set into a second copy of the generator's split (tests/bot/eval/README.md).
"""
import json
from pathlib import Path

import pytest

from bot.nlu.evaluation import INDEPENDENT, independent_items, score

REPORT = Path(__file__).resolve().parents[2] / "var" / "reports" / "bot_independent.json"
INTENT_FLOOR = 0.91
SERVICE_FLOOR = 0.87
# Set B (independent_b.yml, a third hand; nobody tuning the model reads it): measured 90.0 % / 90.1 %
# on the model of fd95c3b (docs/benchmarks.md); floors a few points under, as for set A.
B_INTENT_FLOOR = 0.87
B_SERVICE_FLOOR = 0.86


@pytest.fixture(scope="module")
def evaluation(parser):
    result = score(parser.parse, independent_items())
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


def test_independent_set__is_large_enough_to_mean_something(evaluation):
    assert evaluation["examples"] >= 400 and evaluation["service_examples"] >= 17 * 10


def test_independent_set__intent_accuracy(evaluation):
    assert evaluation["intent_accuracy"] >= INTENT_FLOOR, evaluation["intent_confusions"]


def test_independent_set__service_accuracy(evaluation):
    assert evaluation["service_accuracy"] >= SERVICE_FLOOR, len(evaluation["service_misses"])


@pytest.fixture(scope="module")
def evaluation_b(parser):
    return score(parser.parse, independent_items(INDEPENDENT.with_name("independent_b.yml")))


def test_independent_set_b__is_large_enough_to_mean_something(evaluation_b):
    assert evaluation_b["examples"] >= 320 and evaluation_b["service_examples"] >= 17 * 8


def test_independent_set_b__intent_accuracy(evaluation_b):
    # Only counts are shown on failure: set B's sentences stay unread by whoever tunes the model.
    assert evaluation_b["intent_accuracy"] >= B_INTENT_FLOOR, len(evaluation_b["intent_misses"])


def test_independent_set_b__service_accuracy(evaluation_b):
    assert evaluation_b["service_accuracy"] >= B_SERVICE_FLOOR, len(evaluation_b["service_misses"])
