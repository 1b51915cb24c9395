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


def spoken_when(moment: datetime, timezone: str) -> str:
    """What a voice says: 12月4日上午9点, 12月4日下午3点半, 12月4日晚上7点10分."""
    local = moment.astimezone(ZoneInfo(timezone))
    hour = local.hour
    part = "凌晨" if hour < 6 else "上午" if hour < 12 else "中午" if hour < 13 else "下午" if hour < 18 else "晚上"
    twelve = hour if hour <= 12 else hour - 12
    minutes = "" if local.minute == 0 else "半" if local.minute == 30 else f"{local.minute}分"
    return f"{local.month}月{local.day}日{part}{twelve}点{minutes}"
