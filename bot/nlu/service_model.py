"""Which service an utterance asks for, decided from the whole utterance (no Rasa imports here).

A logistic regression over character 1–2-grams of the normalised text, each present n-gram
weighted by its inverse document frequency over the training utterances (TF-IDF with binary term
counts, L2-normalised). The labels are the
service slugs and ``NONE`` (the utterance names no service: "帮我约个服务", "我还有多少时间币").
It is trained on the NLU examples (labelled by their ``service_type``) and on every catalogue
phrase on its own (backend/catalogue/services.yml: synonyms, asks, needs), so "送个热乎饭" can
lean on 饭 even if that exact phrase is nowhere.

Why IDF: an elder's request is mostly frame (fillers, a ramble about the family, 麻烦你们了) around
a short need ("水池的水下不去"); with plain binary n-grams every frame gram weighs as much as a need
gram, so the L2 normalisation dilutes the need in a long sentence. Grams that occur in most training
utterances (了, 我, 你们, 帮) get a small IDF and the need's rarer grams dominate. On the
leave-templates-out cross-validation (mean of seeds 12–15, same catalogue) this moved top-1 from
86.4 % to 89.3 % and "no service kept" from 91.9 % to 94.3 % (with C 32 → 64; docs/bot.md).

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
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

NONE = "none"
NGRAMS = (1, 2)
_WHITESPACE = re.compile(r"\s\s+")
C = 64.0


@dataclass
class ServiceModel:
    """A trained model: n-gram vocabulary and IDF weights, the phrases per label, and the regression
    weights."""
    vocabulary: dict[str, int]
    phrases: dict[str, list[str]]
    classes: list[str]
    coef: np.ndarray       # (classes, features)
    intercept: np.ndarray  # (classes,)
    idf: np.ndarray        # (features,): the weight of a present n-gram before L2 normalisation

    # -- prediction ----------------------------------------------------------------------------
    def _scores(self, text: str) -> np.ndarray:
        # The same features TfidfVectorizer(analyzer="char", binary=True) gives at training time
        # (IDF of each present n-gram, L2-normalised), computed directly: a parse must stay within a
        # few milliseconds.
        text = _WHITESPACE.sub(" ", text.lower())
        grams = {text[i:i + n] for n in range(NGRAMS[0], NGRAMS[1] + 1) for i in range(len(text) - n + 1)}
        columns = [self.vocabulary[g] for g in grams if g in self.vocabulary]
        if not columns:
            return self.intercept.copy()
        weights = self.idf[columns]
        return self.coef[:, columns] @ weights / np.sqrt(weights @ weights) + self.intercept

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
        np.save(folder / "service_idf.npy", self.idf)

    @classmethod
    def load(cls, folder: Path) -> "ServiceModel":
        meta = json.loads((folder / "service_model.json").read_text(encoding="utf-8"))
        coef = np.load(folder / "service_coef.npy")
        idf_file = folder / "service_idf.npy"  # absent in models saved before IDF weighting (all 1)
        idf = np.load(idf_file) if idf_file.exists() else np.ones(coef.shape[1])
        return cls(meta["vocabulary"], meta["phrases"], meta["classes"], coef,
                   np.load(folder / "service_intercept.npy"), idf)


def train(texts: Sequence[str], labels: Sequence[str], phrases: Mapping[str, Iterable[str]],
          c: float = C, idf: bool = True) -> ServiceModel:
    """Fit on (text, label) pairs; ``phrases`` are the catalogue phrases per service slug; ``c`` is
    the inverse regularisation strength; ``idf=False`` weighs every present n-gram 1 (plain binary
    n-grams, L2-normalised)."""
    phrase_lists = {slug: sorted({p for p in words if len(p) >= 2}) for slug, words in phrases.items()}
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, binary=True, use_idf=idf)
    x = vectorizer.fit_transform(texts)
    regression = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    regression.fit(x, list(labels))
    vocabulary = {gram: int(index) for gram, index in vectorizer.vocabulary_.items()}
    return ServiceModel(vocabulary, phrase_lists, [str(c) for c in regression.classes_],
                        regression.coef_.astype(np.float64), regression.intercept_.astype(np.float64),
                        vectorizer.idf_.astype(np.float64) if idf else np.ones(len(vocabulary)))


def catalogue_examples(phrases: Mapping[str, Iterable[str]]) -> tuple[list[str], list[str]]:
    """Each catalogue phrase on its own is also an utterance ("送个饭", "下水道堵了")."""
    texts, labels = [], []
    for slug, words in sorted(phrases.items()):
        for phrase in sorted(set(words)):
            texts.append(phrase)
            labels.append(slug)
    return texts, labels
