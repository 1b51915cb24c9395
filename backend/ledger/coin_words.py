"""The one wording of a time-coin amount, for every channel: the API's ``coins_text``, the
operator console, the family pages, the phone and the chat assistant all say an amount with
``coins_text`` (the assistant imports this module too: it is pure and has no dependencies).

    90 → "1个半时间币"   30 → "半个时间币"   125 → "2个时间币5分钟"   20 → "20分钟"   -90 → "负1个半时间币"
"""
from __future__ import annotations


def coins_text(minutes: int) -> str:
    """Plain Chinese for an amount stored as integer minutes (60 minutes = one coin)."""
    minutes = int(minutes)
    hours, rest = divmod(abs(minutes), 60)
    sign = "负" if minutes < 0 else ""
    if rest == 0:
        return f"{sign}{hours}个时间币"
    if rest == 30:
        return f"{sign}{hours}个半时间币" if hours else f"{sign}半个时间币"
    if hours == 0:
        return f"{sign}{rest}分钟"
    return f"{sign}{hours}个时间币{rest}分钟"
