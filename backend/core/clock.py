"""Time in the deployment's zone. Ages and "today" are local; stored instants are UTC."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def local_now(tz: str) -> datetime:
    return datetime.now(ZoneInfo(tz))


def local_today(tz: str) -> date:
    return local_now(tz).date()
