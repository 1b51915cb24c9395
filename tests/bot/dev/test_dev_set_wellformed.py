"""The development set C (tests/bot/dev/dev_c.yml) is well formed and stays out of training data.

Set C is read and tuned against by the team (README.md here), unlike the independent sets A and B
(tests/bot/eval/). Pure stdlib + PyYAML, no model: runs in either environment in about a second.
The label checks, the duplicate check and the copy guard are the independent sets' own
(tests/bot/eval/test_eval_set_wellformed.py), called on set C so both are held to one definition.
"""
import re
from collections import Counter
from pathlib import Path

import pytest

# Imported as a module, not by name, so that pytest does not collect its tests a second time here.
from tests.bot.eval import test_eval_set_wellformed as eval_checks

HERE = Path(__file__).resolve().parent
DEV_SET = HERE / "dev_c.yml"
EVAL_DIR = eval_checks.HERE
MIN_ITEMS = 320
MIN_PER_SERVICE = 8
MIN_PER_INTENT = 4  # every intent of bot/domain.yml, complain included


@pytest.fixture(scope="module")
def items():
    data = eval_checks._load(DEV_SET)
    assert isinstance(data, list)
    return data


@pytest.fixture(scope="module")
def intents():
    return set(eval_checks._load(eval_checks.ROOT / "bot" / "domain.yml")["intents"])


@pytest.fixture(scope="module")
def services():
    return {row["slug"] for row in eval_checks._load(eval_checks.ROOT / "backend" / "catalogue" / "services.yml")}


def _clear(items):
    return [i for i in items if not i.get("ambiguous")]


def test_every_item_has_known_labels(items, intents, services):
    """Known intent and service slug, a speaker, a situation, `when` a span of the text, notes on ambiguous items."""
    eval_checks.test_every_item_has_known_labels(items, intents, services)


def test_no_duplicates(items):
    eval_checks.test_no_duplicates(items)


def test_size_and_spread(items, intents, services):
    clear = _clear(items)
    assert len(items) >= MIN_ITEMS
    per_service = Counter(i["service"] for i in clear if i["intent"] == "request_service")
    thin = {s: per_service.get(s, 0) for s in services if per_service.get(s, 0) < MIN_PER_SERVICE}
    assert not thin, f"services with fewer than {MIN_PER_SERVICE} clear examples: {thin}"
    per_intent = Counter(i["intent"] for i in clear)
    thin = {i: per_intent.get(i, 0) for i in intents if per_intent.get(i, 0) < MIN_PER_INTENT}
    assert not thin, f"intents with fewer than {MIN_PER_INTENT} clear examples: {thin}"
    share = per_intent["request_service"] / len(clear)
    assert 0.35 <= share <= 0.55, f"service requests are {share:.0%} of the set"


def test_nothing_copied_into_training_data(items):
    """No utterance of 8+ characters occurs inside a training example of bot/data."""
    eval_checks.test_nothing_copied_into_training_data(items)


@pytest.mark.parametrize("held_out", sorted(eval_checks.EVAL_SETS))
def test_does_not_overlap_the_independent_sets(items, held_out):
    """Set C is read by the team: none of its longer utterances may contain or be contained in one of
    set A or B, or reading C would leak A and B."""
    mine = {eval_checks._key(i["text"]) for i in items}
    theirs = [k for i in eval_checks._items(held_out) if len(k := eval_checks._key(i["text"])) >= eval_checks.GUARD_MIN_CHARS]
    shared = sorted(
        k for k in mine if len(k) >= eval_checks.GUARD_MIN_CHARS and any(k in t or t in k for t in theirs)
    )
    assert not shared, f"set C utterances that overlap {held_out}: {shared}"


NAME = re.compile(r"[a-z_]+")


def test_readme_counts_match_the_set(items):
    """The count tables of README.md (cells "| name | n |") are the set's: a change to the set must update them."""
    clear = _clear(items)
    expected = Counter(i["intent"] for i in clear) + Counter(
        i["service"] for i in clear if i["intent"] == "request_service"
    )
    written = {}
    for line in (HERE / "README.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for name, count in zip(cells, cells[1:]):
            if NAME.fullmatch(name) and count.isdigit():
                written[name] = int(count)
    assert written == dict(expected)
