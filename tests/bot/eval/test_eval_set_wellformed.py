"""The independent evaluation sets (tests/bot/eval/independent.yml and independent_b.yml) are
well formed.

Pure stdlib + PyYAML, no model: runs in either environment. For each set it checks that every
label is a real intent of bot/domain.yml or a real service of backend/catalogue/services.yml,
that the set is large and spread enough (issue 12), that nothing is duplicated, and that no
utterance of the set has been copied into the training data. Set B, written later by another
hand, must also not copy set A.
"""
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
# Each set: its file and its minimum size (README.md: set A 400+, set B 320+).
EVAL_SETS = {"independent.yml": 400, "independent_b.yml": 320}
TRAINING_FILES = [*sorted((ROOT / "bot" / "data").rglob("*.yml"))]

ANNOTATION = re.compile(r"\]\([^)]*\)|\]\{[^}]*\}")
KEYS = {"text", "intent", "service", "when", "speaker", "situation", "ambiguous", "note"}
SPEAKERS = {"elder", "elder_hearing", "elder_memory", "child", "grandchild", "spouse", "volunteer"}
MIN_PER_SERVICE = 6
MIN_PER_INTENT = 5
# Intents added to bot/domain.yml after both sets were written: the sets cannot cover them, and the
# author of the training data must not write items for them (that is the independence these sets keep).
# complain (issue 15) is measured by the generated split and the live complaint conversations instead.
NEWER_THAN_THE_SETS = {"complain"}
# Copy guard: utterances of at least this many characters (no punctuation) must not occur in a
# training example. Shorter ones are everyday phrases ("查一下我的预约") that a generator may
# produce on its own. Coincidences found when the set was first checked against bot/data,
# written independently before that check (README "Overlap with training data"):
GUARD_MIN_CHARS = 8
KNOWN_COINCIDENCES = {"我的时间必还剩多少"}  # set A


def _load(path: Path):
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _key(text: str) -> str:
    """Comparison form: NFKC, no whitespace or punctuation."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch).startswith("P")))


def _items(name: str):
    data = _load(HERE / name)
    assert isinstance(data, list)
    return data


@pytest.fixture(scope="module", params=sorted(EVAL_SETS))
def eval_set(request):
    return request.param


@pytest.fixture(scope="module")
def items(eval_set):
    return _items(eval_set)


@pytest.fixture(scope="module")
def intents():
    return set(_load(ROOT / "bot" / "domain.yml")["intents"])


@pytest.fixture(scope="module")
def services():
    return {row["slug"] for row in _load(ROOT / "backend" / "catalogue" / "services.yml")}


def test_every_item_has_known_labels(items, intents, services):
    problems = []
    for n, item in enumerate(items):
        where = f"item {n} {item.get('text')!r}"
        if not isinstance(item, dict) or set(item) - KEYS:
            problems.append(f"{where}: unknown keys {set(item) - KEYS}")
            continue
        for field in ("text", "intent", "speaker", "situation"):
            if not isinstance(item.get(field), str) or not item[field].strip():
                problems.append(f"{where}: missing {field}")
        if item.get("intent") not in intents:
            problems.append(f"{where}: intent {item.get('intent')!r} not in bot/domain.yml")
        if item.get("speaker") not in SPEAKERS:
            problems.append(f"{where}: speaker {item.get('speaker')!r} not one of {sorted(SPEAKERS)}")
        ambiguous = item.get("ambiguous", False)
        if ambiguous is not True and "ambiguous" in item:
            problems.append(f"{where}: ambiguous must be true or absent")
        if ambiguous and not item.get("note"):
            problems.append(f"{where}: an ambiguous item needs a note")
        if "note" in item and not ambiguous:
            problems.append(f"{where}: note only on ambiguous items")
        if "service" in item:
            if item["intent"] != "request_service":
                problems.append(f"{where}: service only on request_service")
            if item["service"] not in services:
                problems.append(f"{where}: service {item['service']!r} not in services.yml")
        elif item.get("intent") == "request_service" and not ambiguous:
            problems.append(f"{where}: request_service without service")
        if "when" in item and item["when"] not in item["text"]:
            problems.append(f"{where}: when {item['when']!r} is not a span of the text")
    assert not problems, "\n".join(problems)


def test_size_and_spread(eval_set, items, intents, services):
    clear = [i for i in items if not i.get("ambiguous")]
    assert len(items) >= EVAL_SETS[eval_set]
    per_service = Counter(i["service"] for i in clear if i["intent"] == "request_service")
    thin = {s: per_service.get(s, 0) for s in services if per_service.get(s, 0) < MIN_PER_SERVICE}
    assert not thin, f"services with fewer than {MIN_PER_SERVICE} examples: {thin}"
    per_intent = Counter(i["intent"] for i in clear)
    thin = {i: per_intent.get(i, 0) for i in intents - NEWER_THAN_THE_SETS if per_intent.get(i, 0) < MIN_PER_INTENT}
    assert not thin, f"intents with fewer than {MIN_PER_INTENT} examples: {thin}"
    share = per_intent["request_service"] / len(clear)
    assert 0.35 <= share <= 0.55, f"service requests are {share:.0%} of the set"


def test_no_duplicates(items):
    seen = Counter(_key(i["text"]) for i in items)
    dups = [t for t, n in seen.items() if n > 1]
    assert not dups, f"duplicated utterances: {dups}"


def _training_lines():
    """Each line of the training files in comparison form, entity annotations removed."""
    lines = []
    for path in TRAINING_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = ANNOTATION.sub("]", line)
            if key := _key(line):
                lines.append(key)
    return lines


def test_nothing_copied_into_training_data(items):
    """No longer utterance occurs in a training example (the set is never trained on)."""
    lines = _training_lines()
    assert lines, "no training data found under bot/data"
    leaked = [
        i["text"] for i in items
        if len(key := _key(i["text"])) >= GUARD_MIN_CHARS
        and key not in KNOWN_COINCIDENCES
        and any(key in line for line in lines)
    ]
    assert not leaked, f"evaluation utterances found in bot/data: {leaked}"


def test_set_b_does_not_copy_set_a():
    """Set B is a second, independent hand: no longer utterance of one set occurs in the other."""
    a = {_key(i["text"]) for i in _items("independent.yml")}
    b = {_key(i["text"]) for i in _items("independent_b.yml")}
    shared = sorted(
        kb for kb in b if len(kb) >= GUARD_MIN_CHARS and any(kb in ka or ka in kb for ka in a if len(ka) >= GUARD_MIN_CHARS)
    )
    assert not shared, f"set B utterances that overlap set A: {shared}"
