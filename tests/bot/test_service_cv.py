"""Leave-templates-out cross-validation of the service classifier (tools/bot_data/cv.py): held-out
sentence frames filled with held-out catalogue phrases, neither seen in training. No Rasa model
is trained (the classifier alone, three folds, about 20 s of CPU)."""
import json
from pathlib import Path

import pytest

from tools.bot_data.cv import run

REPORT = Path(__file__).resolve().parents[2] / "var" / "reports" / "bot_service_cv.json"
# Floors a few points under the figures in docs/benchmarks.md (deterministic: seeded folds and data;
# a catalogue edit reshuffles which phrases are held out, about ±1.5 points). Seed 12 on main before
# IDF weighting: 87.7 / 86.7 / 91.5 %; with it 89.4 / 88.6 / 93.9 %.
TOP1_FLOOR = 0.87
DECIDED_FLOOR = 0.86
NONE_KEPT_FLOOR = 0.92


@pytest.fixture(scope="module")
def cv():
    result = run()
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def test_service_cv__held_out_templates_and_phrases_get_the_right_service(cv):
    assert cv["service_examples"] >= 600
    assert cv["top1"] >= TOP1_FLOOR, cv["folds"]
    assert cv["decided"] >= DECIDED_FLOOR, cv["folds"]


def test_service_cv__utterances_naming_no_service_get_none(cv):
    assert cv["none_kept"] >= NONE_KEPT_FLOOR, cv["folds"]
