"""The intent blend of bot/nlu/intent_blender.py (pure parts) and the character intent model on
held-out sentence frames (tools/bot_data/cv.py: leave-templates-out, no Rasa training). The trained
component is exercised through the real model in test_nlu.py and test_independent_set.py."""
import pytest

from bot.nlu.intent_blender import blend
from tools.bot_data.cv import intent_run

# A few points under the figure in docs/benchmarks.md (deterministic: seeded folds and data).
INTENT_CV_FLOOR = 0.83


def test_blend__agreement_lifts_a_diffident_diet_over_the_fallback_threshold():
    diet = [{"name": "request_service", "confidence": 0.4}, {"name": "help", "confidence": 0.35},
            {"name": "out_of_scope", "confidence": 0.25}]
    ranking = blend(diet, [("request_service", 0.8), ("help", 0.1), ("check_order", 0.1)], 0.5)
    assert ranking[0]["name"] == "request_service"
    assert ranking[0]["confidence"] == pytest.approx(0.6)
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_blend__the_surer_model_wins_a_disagreement():
    diet = [{"name": "help", "confidence": 0.55}, {"name": "request_service", "confidence": 0.45}]
    assert blend(diet, [("request_service", 0.9), ("help", 0.1)], 0.5)[0]["name"] == "request_service"
    assert blend(diet, [("request_service", 0.9), ("help", 0.1)], 0.0)[0]["name"] == "help"


def test_blend__an_intent_missing_from_diets_truncated_ranking_counts_as_zero():
    ranking = blend([{"name": "greet", "confidence": 1.0}], [("greet", 0.5), ("goodbye", 0.5)], 0.5)
    assert [(r["name"], r["confidence"]) for r in ranking] == [("greet", 0.75), ("goodbye", 0.25)]


def test_character_intent_model__held_out_frames_get_the_right_intent():
    result = intent_run()
    assert result["examples"] >= 1500
    assert result["accuracy"] >= INTENT_CV_FLOOR, result["folds"]
