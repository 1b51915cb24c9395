"""Make a generated sentence sound more like a real turn: dialect words, dropped punctuation
(recognisers give none), fillers, and the recogniser's mishearings (就→救, 约→爷/月, 手机→收机).

Only the text outside entity markup is touched, so the annotations stay valid; afterwards the
text is put through the pipeline's own normaliser (bot.nlu.normalizer.normalize_utterance), so
training sees what the model will see at run time (a mishearing the normaliser repairs is
repaired here too; the others stay, as noise to learn from).
"""
from __future__ import annotations

import random
import re

from bot.nlu.text import normalize_utterance

_MARKUP = re.compile(r"(\[[^\]]+\](?:\([^)]*\)|\{[^}]*\}))")
# (word, replacement, probability per occurrence); dialect first, then mishearings.
_SWAPS = [
    ("我", "俺", 0.25), ("什么", "啥", 0.6), ("怎么", "咋", 0.6), ("知道", "晓得", 0.6), ("可以吗", "中不中", 0.3),
    ("没有", "冇", 0.05), ("找", "揾", 0.05), ("你们", "恁", 0.1), ("不要", "勿要", 0.05), ("吗", "伐", 0.05),
    ("这个", "这", 0.3), ("一下", "一哈", 0.05), ("那个", "那啥", 0.2),
    ("就", "救", 0.15), ("约", "爷", 0.1), ("约", "月", 0.05), ("手机", "收机", 0.2), ("注册", "住册", 0.2),
    ("时间币", "时间必", 0.15), ("时间币", "时间比", 0.1),
]
_FILLERS = ["嗯", "那个", "就是", "呃", "啊", "这个", "就是说"]


def _swap(segment: str, rng: random.Random) -> str:
    for word, replacement, probability in _SWAPS:
        if word in segment:
            parts = segment.split(word)
            segment = parts[0] + "".join((replacement if rng.random() < probability else word) + rest
                                         for rest in parts[1:])
    return segment


def roughen(annotated: str, rng: random.Random) -> str | None:
    """A rougher variant of one annotated example, or None if normalising would move its entities."""
    drop_punctuation = rng.random() < 0.5
    pieces = []
    for piece in _MARKUP.split(annotated):
        if _MARKUP.fullmatch(piece) or not piece:
            pieces.append(piece)
            continue
        piece = _swap(piece, rng)
        if rng.random() < 0.2:
            piece = re.sub(r"[，,]", lambda m: "，" + rng.choice(_FILLERS) + "，", piece, count=1)
        if drop_punctuation:
            piece = re.sub(r"[，。？！,.?!]", "", piece)
        pieces.append(normalize_utterance(piece) if piece.strip() else piece)
    rough = re.sub(r"\s+", " ", "".join(pieces)).strip()
    plain = _MARKUP.sub(lambda m: m.group(0)[1:m.group(0).index("]")], rough)
    return rough if plain and normalize_utterance(plain) == plain else None


def normalised(annotated: str) -> str | None:
    """The example as the pipeline's normaliser would give it (text outside the markup rewritten),
    or None if that cannot be done without moving its entities."""
    pieces = [piece if _MARKUP.fullmatch(piece) or not piece.strip() else normalize_utterance(piece)
              for piece in _MARKUP.split(annotated)]
    result = "".join(pieces)
    plain = _MARKUP.sub(lambda m: m.group(0)[1:m.group(0).index("]")], result)
    return result if plain and normalize_utterance(plain) == plain else None
