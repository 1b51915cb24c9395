"""Which service an utterance asks for, decided from the whole utterance (no Rasa imports here).

A logistic regression over character 1–3-grams of the normalised text. The labels are the
service slugs and ``NONE`` (the utterance names no service: "帮我约个服务", "我还有多少时间币").
It is trained on the NLU examples (labelled by their ``service_type``) and on every catalogue
phrase on its own (backend/catalogue/services.yml: synonyms, asks, needs), so "送个热乎饭" can
lean on 饭 even if that exact phrase is nowhere.

There is deliberately no "catalogue phrase occurs" feature: every training sentence contains
one, so the regression learned to trust only that feature and was helpless (flat probabilities)
on needs described in other words; the leave-templates-out cross-validation, which also holds
out phrases, showed it. The phrases are kept for ``phrase_span`` (where the entity is).

Used by the Rasa component (bot/nlu/service_classifier.py) and, without Rasa, by the
leave-templates-out cross-validation (tests/bot/test_service_cv.py, bench/bot_bench.py).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

NONE = "none"
NGRAMS = (1, 2)
_WHITESPACE = re.compile(r"\s\s+")
C = 32.0


@dataclass
class ServiceModel:
    """A trained model: n-gram vocabulary, the phrases per label, and the regression weights."""
    vocabulary: dict[str, int]
    phrases: dict[str, list[str]]
    classes: list[str]
    coef: np.ndarray       # (classes, features)
    intercept: np.ndarray  # (classes,)

    # -- prediction ----------------------------------------------------------------------------
    def _scores(self, text: str) -> np.ndarray:
        # The same features CountVectorizer(analyzer="char", binary=True) + L2 normalisation gives
        # at training time, computed directly: a parse must stay within a few milliseconds.
        text = _WHITESPACE.sub(" ", text.lower())
        grams = {text[i:i + n] for n in range(NGRAMS[0], NGRAMS[1] + 1) for i in range(len(text) - n + 1)}
        columns = [self.vocabulary[g] for g in grams if g in self.vocabulary]
        if not columns:
            return self.intercept.copy()
        return self.coef[:, columns].sum(axis=1) / np.sqrt(len(columns)) + self.intercept

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        scores = np.vstack([self._scores(text) for text in texts])
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def ranking(self, text: str) -> list[tuple[str, float]]:
        """Every label with its probability, best first (``NONE`` included)."""
        probs = self.probabilities([text])[0]
        return sorted(zip(self.classes, (float(p) for p in probs)), key=lambda pair: -pair[1])

    def phrase_span(self, text: str, slug: str) -> tuple[int, int] | None:
        """Where the longest catalogue phrase of ``slug`` occurs in ``text``, if any."""
        found = [(len(p), text.find(p)) for p in self.phrases.get(slug, ()) if p in text]
        if not found:
            return None
        length, start = max(found)
        return start, start + length

    # -- persistence (plain JSON + NumPy, no pickle) --------------------------------------------
    def save(self, folder: Path) -> None:
        (folder / "service_model.json").write_text(json.dumps(
            {"vocabulary": self.vocabulary, "phrases": self.phrases, "classes": self.classes},
            ensure_ascii=False), encoding="utf-8")
        np.save(folder / "service_coef.npy", self.coef)
        np.save(folder / "service_intercept.npy", self.intercept)

    @classmethod
    def load(cls, folder: Path) -> "ServiceModel":
        meta = json.loads((folder / "service_model.json").read_text(encoding="utf-8"))
        return cls(meta["vocabulary"], meta["phrases"], meta["classes"],
                   np.load(folder / "service_coef.npy"), np.load(folder / "service_intercept.npy"))


def train(texts: Sequence[str], labels: Sequence[str], phrases: Mapping[str, Iterable[str]],
          c: float = C) -> ServiceModel:
    """Fit on (text, label) pairs; ``phrases`` are the catalogue phrases per service slug; ``c`` is
    the inverse regularisation strength."""
    phrase_lists = {slug: sorted({p for p in words if len(p) >= 2}) for slug, words in phrases.items()}
    vectorizer = CountVectorizer(analyzer="char", ngram_range=NGRAMS, binary=True)
    vectorizer.fit(texts)
    x = normalize(vectorizer.transform(texts).astype(np.float64))
    regression = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    regression.fit(x, list(labels))
    vocabulary = {gram: int(index) for gram, index in vectorizer.vocabulary_.items()}
    return ServiceModel(vocabulary, phrase_lists, [str(c) for c in regression.classes_],
                        regression.coef_.astype(np.float64), regression.intercept_.astype(np.float64))


def catalogue_examples(phrases: Mapping[str, Iterable[str]]) -> tuple[list[str], list[str]]:
    """Each catalogue phrase on its own is also an utterance ("送个饭", "下水道堵了")."""
    texts, labels = [], []
    for slug, words in sorted(phrases.items()):
        for phrase in sorted(set(words)):
            texts.append(phrase)
            labels.append(slug)
    return texts, labels
