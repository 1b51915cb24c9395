"""Scoring the NLU on labelled utterances: the old generated split (tests/bot/nlu_test.yml) and
the independent evaluation set (tests/bot/eval/independent.yml, written by another hand, never
trained on). Used by tests/bot and bench/bot_bench.py; no Rasa imports beyond loading the split.

``parse`` is any function text -> Rasa parse result (``bot.parse_batch.Parser.parse``).
Service accuracy follows the set's README: over the clear ``request_service`` items, the predicted
``service_type`` must be exactly the labelled slug, and a wrong intent counts as a service miss.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Callable, Iterable

import yaml

ROOT = Path(__file__).resolve().parents[2]
INDEPENDENT = ROOT / "tests" / "bot" / "eval" / "independent.yml"
OLD_SPLIT = ROOT / "tests" / "bot" / "nlu_test.yml"

Parse = Callable[[str], dict]


def independent_items(path: Path = INDEPENDENT) -> list[dict]:
    """The clear items ({text, intent, service?}); ambiguous ones are reported apart, not scored."""
    return [item for item in yaml.safe_load(path.read_text(encoding="utf-8")) if not item.get("ambiguous")]


def old_split_items(path: Path = OLD_SPLIT) -> list[dict]:
    """The generated held-out split as items; ``service`` only where exactly one slug is labelled."""
    from rasa.shared.nlu.training_data.loading import load_data

    items = []
    for example in load_data(str(path)).intent_examples:
        services = sorted({e["value"] for e in example.get("entities") or [] if e["entity"] == "service_type"})
        item = {"text": example.get("text"), "intent": example.get("intent")}
        if len(services) == 1:
            item["service"] = services[0]
        items.append(item)
    return items


def predicted_services(parsed: dict) -> list[str]:
    return sorted({e["value"] for e in parsed.get("entities") or [] if e["entity"] == "service_type"})


def score(parse: Parse, items: Iterable[dict]) -> dict:
    """Intent and service accuracy, and the misses grouped by (gold → predicted) intent pair."""
    rows = []
    for item in items:
        parsed = parse(item["text"])
        rows.append({"text": item["text"], "intent": item["intent"], "service": item.get("service"),
                     "predicted": (parsed.get("intent") or {}).get("name"),
                     "predicted_services": predicted_services(parsed)})
    with_service = [r for r in rows if r["service"] and r["intent"] == "request_service"]
    service_hits = [r for r in with_service
                    if r["predicted"] == "request_service" and r["predicted_services"] == [r["service"]]]
    intent_misses = [r for r in rows if r["predicted"] != r["intent"]]
    return {
        "examples": len(rows),
        "intent_accuracy": (len(rows) - len(intent_misses)) / len(rows),
        "service_examples": len(with_service),
        "service_accuracy": len(service_hits) / len(with_service) if with_service else 0.0,
        "intent_confusions": Counter(f"{r['intent']}→{r['predicted']}" for r in intent_misses).most_common(),
        "service_misses": [r for r in with_service if r not in service_hits],
        "intent_misses": intent_misses,
    }
