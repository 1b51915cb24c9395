"""Bare yes/no answers recognised from a word list, in every dialect a caller may answer in.

The statistical intent models learn yes and no from the training frames' words; an answer in a word no
frame had (Cantonese 系啊，啱晒, Wu 勿对，勿是格, Shaanxi 嫑) comes out as the wrong one, or as a request.
A read-back answer is short and made of a small closed set of words, so it is recognised here exactly:
every clause of the turn must be yes-words only (→ ``affirm``) or no-words only (→ ``deny``), ignoring
fillers and sentence-final particles. Anything else (要带病历本, 中不中, 是不是, 对，五十个) is left to
the models. ``answer_intent`` has no Rasa imports; ``AnswerLexicon`` is its pipeline component.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

# Longest first when matched (see _covered). Each a whole yes in some dialect or register.
YES_WORDS = (
    "对", "是", "好", "行", "中", "成", "嗯", "妥", "要得", "可以", "可不", "当然", "没错", "没问题", "没毛病", "对头",
    "对着哩", "一点没错", "确认", "确定", "同意", "得嘞", "好嘞", "行嘞", "中嘞", "嗯呐", "就是", "就这样",
    "就这么着", "就恁么着", "就这么办", "就这么弄", "就这么定", "这么着", "那就这样", "照这个办", "就按这个来",
    "ok", "好的", "对的", "是的", "行的", "巴适", "整吧", "约吧", "办吧",
    # Cantonese: 系 (是), 啱 / 啱晒 (对 / 全对), 冇错 (没错), 就系咁 (就是这样), 得 (行)
    "系", "啱", "啱晒", "冇错", "就系咁", "得",
    # Wu: 是格 / 对格 (是的 / 对的), 好格, 可以格
    "是格", "对格", "好格",
)
NO_WORDS = (
    "不", "不是", "不对", "不要", "不用", "不行", "不中", "不成", "不可以", "不需要", "不必", "不好", "不对头",
    "不得行", "不是这个", "不是那个", "错了", "搞错了", "弄错了", "说错了", "没有", "没有了", "没了", "没得",
    "莫得", "别", "别了", "甭", "算了", "拉倒", "不用了", "不要了",
    # Cantonese: 唔系 (不是), 唔啱 (不对), 唔要, 唔使 (不用), 冇 (没有)
    "唔系", "唔啱", "唔要", "唔使", "冇", "冇了",
    # Wu: 勿 (不), 勿对, 勿是, 勿要, 覅 (不要); Shaanxi/Gansu: 嫑 (不要)
    "勿", "勿对", "勿是", "勿要", "覅", "嫑",
)
# Said before or around an answer without changing it.
FILLERS = ("嗯", "哎", "呃", "啊", "哦", "噢", "喔", "诶", "欸", "唉", "那")
PARTICLES = "呀啊的嘛哇哈咧呗啦嘞噻哦喔吧了呢哩嘅咯喽哒滴格嗷昂"

_CLAUSES = re.compile(r"[，,。.！!？?、；;~～…\s]+")


def _covered(clause: str, words: tuple[str, ...]) -> bool:
    """Whether ``clause`` is a run of ``words`` with particles between them (longest word first)."""
    ordered = sorted(words, key=len, reverse=True)
    i = 0
    while i < len(clause):
        if clause[i] in PARTICLES and i > 0:
            i += 1
            continue
        for word in ordered:
            if clause.startswith(word, i):
                i += len(word)
                break
        else:
            return False
    return True


def _clauses(text: str) -> list[str]:
    out = []
    for clause in _CLAUSES.split(text.strip().lower()):
        for filler in sorted(FILLERS, key=len, reverse=True):
            if clause.startswith(filler) and len(clause) > len(filler):
                clause = clause[len(filler):]
                break
        if clause:
            out.append(clause)
    return out


def answer_intent(text: str) -> str | None:
    """``affirm`` or ``deny`` when every clause of ``text`` is a bare yes, or every one a bare no; else None."""
    clauses = _clauses(text)
    if not clauses or sum(len(c) for c in clauses) > 16:
        return None
    if all(_covered(c, YES_WORDS) for c in clauses):
        return "affirm"
    if all(_covered(c, NO_WORDS) for c in clauses):
        return "deny"
    return None


try:  # the component needs Rasa; the word lists above do not (the training-data tools import them)
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message
except ImportError:  # pragma: no cover - the app environment has no Rasa
    pass
else:
    @DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
    class AnswerLexicon(GraphComponent):
        """After the intent models: a bare yes/no answer (``answer_intent``) sets ``affirm``/``deny`` with
        confidence 1, the models' ranking kept below it at half its confidence."""

        @classmethod
        def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                   execution_context: ExecutionContext) -> "AnswerLexicon":
            return cls()

        def process(self, messages: List[Message]) -> List[Message]:
            for message in messages:
                found: Optional[str] = answer_intent(message.get(TEXT) or "")
                if found is None:
                    continue
                # The models' other intents at half their confidence, so the FallbackClassifier's ambiguity
                # rule (top two within 0.05) never overrules the list with a model's sure-but-wrong answer.
                ranking = [{**r, "confidence": float(r.get("confidence") or 0.0) * 0.5}
                           for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != found]
                top = {"name": found, "confidence": 1.0}
                message.set(INTENT, top, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
            return messages
