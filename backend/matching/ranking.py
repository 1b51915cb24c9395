"""Scoring eligible volunteers for one order. Pure: the same candidates always rank the same way.

The score mixes nearness (travel is the elder's wait and the volunteer's time), fairness (spread
work instead of sending everything to the same star volunteer), the volunteer's ratings, and the
policy's preference for "60后帮扶80后" pairs. Weights sum to 1 before the pair bonus.
"""
from __future__ import annotations

from dataclasses import dataclass

W_DISTANCE, W_FAIRNESS, W_RATING = 0.5, 0.35, 0.15
PAIR_BONUS = 0.1
UNRATED = 4.0  # a newcomer is treated as a good volunteer, not a bad one


@dataclass(frozen=True)
class Candidate:
    person_id: int
    distance_km: float
    radius_km: float
    age: int
    recent_minutes: int  # work accepted or done in the last 30 days
    rating_avg: float | None


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float


def score(c: Candidate, *, recipient_age: int, prefer_pairs: bool) -> float:
    nearness = max(0.0, 1.0 - c.distance_km / max(c.radius_km, 0.1))
    fairness = 1.0 / (1.0 + c.recent_minutes / 600.0)  # 10 h of recent work halves the term
    rating = ((c.rating_avg if c.rating_avg is not None else UNRATED) - 1.0) / 4.0
    total = W_DISTANCE * nearness + W_FAIRNESS * fairness + W_RATING * rating
    if prefer_pairs and 60 <= c.age < 80 and recipient_age >= 80:
        total += PAIR_BONUS
    return round(total, 6)


def rank(candidates: list[Candidate], *, recipient_age: int, prefer_pairs: bool) -> list[Ranked]:
    ranked = [Ranked(c, score(c, recipient_age=recipient_age, prefer_pairs=prefer_pairs)) for c in candidates]
    return sorted(ranked, key=lambda r: (-r.score, r.candidate.distance_km, r.candidate.person_id))


def match_points(total: float) -> int:
    """The score as whole points out of 100 (a young-old pair can reach 110)."""
    return round(total * 100)


def in_words(ranked: Ranked) -> str:
    """Why this volunteer ranks where they do, in the words an operator reads on the order page."""
    c = ranked.candidate
    rating = f"平均评分{c.rating_avg:.1f}" if c.rating_avg is not None else "还没有评分"
    return (f"离服务地址{c.distance_km:.1f}公里，近30天服务{c.recent_minutes / 60:.1f}小时，{rating}，"
            f"匹配度{match_points(ranked.score)}分")
