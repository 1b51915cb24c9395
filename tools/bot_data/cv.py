"""Leave-templates-out cross-validation of the service classifier (bot/nlu/service_model.py).

The generated held-out split shares the catalogue's phrases with training, so it cannot show
whether a need said in new words is understood. Here each fold holds out a third of the sentence
frames AND a third of every service's catalogue phrases: the test utterances are held-out frames
filled with held-out phrases, and neither the frames nor the phrases are seen in training (not as
examples, not as standalone phrases). Utterances without a service ("none") come from the other
intents' frames, split the same way.

    PYTHONPATH=. .venv-bot/bin/python -m tools.bot_data.cv      # prints the per-fold accuracy

Used by tests/bot/test_service_cv.py (floor) and bench/bot_bench.py.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from bot.nlu.intent_blender import CHAR_MODEL
from bot.nlu.service_classifier import decide, ServiceClassifier
from bot.nlu.service_model import NONE, catalogue_examples, train
from bot.nlu.text import normalize_utterance
from tools.bot_data import frames_everyday, frames_situations, frames_talk, frames_train, vocab
from tools.bot_data.render import plain_of, render

FOLDS = 3
PER_FRAME_AND_SERVICE = 2


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    frame: str   # "<intent>:<module>:<index>"
    phrase: str  # the catalogue phrase in it ("" for none)


def _fill(frame: str, phrase: str, rng: random.Random) -> str:
    """Put ``phrase`` in the frame's first {svc}/{need} slot, render the rest, return plain text."""
    frame = re.sub(r"\{(svc|need)\}", lambda m: phrase.replace("{", "").replace("}", ""), frame, count=1)
    return normalize_utterance(plain_of(render(frame, rng)[0]))


def _frames_of(module, name: str) -> list[str]:
    """A module's frames for one list; for frames_everyday's yes/no answers only the hand-written ones
    (the rest are every core word with every particle: one "frame" each would split 对呀/对啊 across folds)."""
    return getattr(module, f"{name}_WRITTEN", None) or getattr(module, name, [])


def examples(rng: random.Random) -> list[Example]:
    out = []
    service_frames = [(f"request_service:train:{i}", f) for i, f in enumerate(frames_train.REQUEST_SERVICE)]
    service_frames += [(f"request_service:talk:{i}", f) for i, f in enumerate(frames_talk.REQUEST_SERVICE)]
    service_frames += [(f"request_service:everyday:{i}", f) for i, f in enumerate(frames_everyday.REQUEST_SERVICE)]
    service_frames += [(f"request_service:situations:{i}", f) for i, f in enumerate(frames_situations.REQUEST_SERVICE)]
    for slug in sorted(vocab.SERVICES):
        for frame_id, frame in service_frames:
            pool = vocab.NEEDS[slug] if "{need}" in frame else vocab.SERVICES[slug]
            for phrase in rng.sample(pool, min(PER_FRAME_AND_SERVICE, len(pool))):
                out.append(Example(_fill(frame, phrase, rng), slug, frame_id, phrase))
    intents = [name for name in dir(frames_train) if name.isupper() and not name.startswith("REQUEST_SERVICE")]
    for intent in intents:
        for module_name, module in (("train", frames_train), ("talk", frames_talk), ("everyday", frames_everyday),
                                    ("situations", frames_situations)):
            for i, frame in enumerate(_frames_of(module, intent)):
                # Other intents may name a service in passing (cancel the 送饭); only "none" is labelled here.
                if "{svc" not in frame:
                    out.append(Example(_fill(frame, "", rng), NONE, f"{intent.lower()}:{module_name}:{i}", ""))
    return out


def _group(keys: list[str], rng: random.Random) -> dict[str, int]:
    shuffled = sorted(set(keys))
    rng.shuffle(shuffled)
    return {key: index % FOLDS for index, key in enumerate(shuffled)}


def fold_rankings(seed: int = 12) -> list[list[tuple[str, list[tuple[str, float]]]]]:
    """For each fold, (gold label, ranking) of every held-out utterance."""
    rng = random.Random(seed)
    data = examples(rng)
    frame_fold = _group([e.frame for e in data], rng)
    phrases = {slug: sorted(set(vocab.SERVICES[slug]) | set(vocab.NEEDS[slug])) for slug in vocab.SERVICES}
    phrase_fold = {p: i for slug in sorted(phrases) for p, i in _group(phrases[slug], rng).items()}
    folds = []
    for fold in range(FOLDS):
        def held(e: Example) -> bool:
            return frame_fold[e.frame] == fold or bool(e.phrase and phrase_fold[e.phrase] == fold)
        train_set = [e for e in data if not held(e)]
        test_set = [e for e in data if frame_fold[e.frame] == fold and (not e.phrase or phrase_fold[e.phrase] == fold)]
        known = {slug: [p for p in words if phrase_fold[p] != fold] for slug, words in phrases.items()}
        extra_texts, extra_labels = catalogue_examples(known)
        model = train([e.text for e in train_set] + extra_texts, [e.label for e in train_set] + extra_labels, known)
        folds.append([(e.label, model.ranking(e.text)) for e in test_set])
    return folds


def summarise(folds: list[list[tuple[str, list[tuple[str, float]]]]], config: dict | None = None) -> dict:
    """Top-1 service accuracy, the share the component would report correctly (``decided``: a
    request with no span tagged by DIET), and the share of "none" utterances left without a service."""
    config = config or ServiceClassifier.get_default_config()
    rows = []
    for index, fold in enumerate(folds):
        services = [(gold, r) for gold, r in fold if gold != NONE]
        nones = [r for gold, r in fold if gold == NONE]
        top = sum(next(slug for slug, _ in r if slug != NONE) == gold for gold, r in services)
        decided = sum(decide(r, set(), "request_service", config)[0] == gold for gold, r in services)
        quiet = sum(decide(r, set(), "request_service", config)[0] is None for r in nones)
        rows.append({"fold": index, "service_examples": len(services), "top1": top / len(services),
                     "decided": decided / len(services), "none_examples": len(nones),
                     "none_kept": quiet / max(1, len(nones))})
    total = sum(r["service_examples"] for r in rows)
    none_total = max(1, sum(r["none_examples"] for r in rows))
    return {"folds": rows, "service_examples": total,
            "top1": sum(r["top1"] * r["service_examples"] for r in rows) / total,
            "decided": sum(r["decided"] * r["service_examples"] for r in rows) / total,
            "none_kept": sum(r["none_kept"] * r["none_examples"] for r in rows) / none_total}


def run(seed: int = 12) -> dict:
    return summarise(fold_rankings(seed))


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))


# -- intents ------------------------------------------------------------------------------------
# The same idea for the intent model of bot/nlu/intent_blender.py: every intent's frames (training
# and talk frames) split in three; a request frame is filled with services' phrases, held out with
# the frame. The character model alone (DIET is trained on every frame; its held-out figure is the
# old split's).

def intent_examples(rng: random.Random, per_frame: int = 3) -> list[Example]:
    out = []
    modules = (("train", frames_train), ("talk", frames_talk), ("everyday", frames_everyday),
               ("situations", frames_situations))
    names = sorted({name for _, module in modules for name in dir(module)
                    if name.isupper() and not name.startswith("_") and not name.endswith("_WRITTEN")})
    for name in names:
        intent = "request_service" if name.startswith("REQUEST_SERVICE") else name.lower()
        if intent.endswith("_consent"):
            intent = intent[: -len("_consent")]
        for module_name, module in modules:
            for i, frame in enumerate(_frames_of(module, name)):
                frame_id = f"{name.lower()}:{module_name}:{i}"
                for _ in range(per_frame if "{" in frame else 1):
                    plain = normalize_utterance(plain_of(render(frame, rng)[0]))
                    out.append(Example(plain, intent, frame_id, ""))
    return out


def intent_run(seed: int = 12) -> dict:
    """Accuracy of the character intent model on held-out frames, per fold and overall."""
    rng = random.Random(seed)
    data = list({e.text: e for e in intent_examples(rng)}.values())
    frame_fold = _group([e.frame for e in data], rng)
    rows, hits, total = [], 0, 0
    for fold in range(FOLDS):
        train_set = [e for e in data if frame_fold[e.frame] != fold]
        test_set = [e for e in data if frame_fold[e.frame] == fold]
        model = train([e.text for e in train_set], [e.label for e in train_set], {}, **CHAR_MODEL)
        right = sum(model.ranking(e.text)[0][0] == e.label for e in test_set)
        rows.append({"fold": fold, "examples": len(test_set), "accuracy": right / len(test_set)})
        hits, total = hits + right, total + len(test_set)
    return {"folds": rows, "examples": total, "accuracy": hits / total}
