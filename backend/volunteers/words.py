"""How times, durations and distances read on a volunteer's screen, in a text message and on the phone."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

WEEKDAYS = "一二三四五六日"


def when_text(moment: datetime, timezone: str) -> str:
    """12月4日（周五）09:00 in the local time zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def duration_text(minutes: int) -> str:
    """90 → '1小时30分钟', 120 → '2小时', 45 → '45分钟'."""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{hours}小时{rest}分钟"
    return f"{hours}小时" if hours else f"{rest}分钟"


def distance_text(metres: float | None) -> str:
    """640 → '约650米', 1234 → '约1.2公里', None → '距离未知'. Rounded: a position is not that exact."""
    if metres is None:
        return "距离未知"
    if metres < 1000:
        return f"约{max(50, int(round(metres / 50.0)) * 50)}米"
    return f"约{metres / 1000:.1f}公里"
