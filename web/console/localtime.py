"""Showing stored UTC instants in the deployment's time zone, and reading local dates from forms."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.core.errors import InvalidInput


def show(value: datetime | None, tz: str, with_seconds: bool = False) -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def parse_day(raw: str | None, label: str) -> date | None:
    """A YYYY-MM-DD form value, or None when empty; InvalidInput with a Chinese message otherwise."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(f"{label}: not a date: {raw!r}", code="invalid_date",
                           message=f"{label}格式不对，请按 年-月-日 填写。") from exc


def day_start(day: date, tz: str) -> datetime:
    """The UTC instant a local calendar day begins."""
    return datetime.combine(day, time(0), ZoneInfo(tz))


def day_end(day: date, tz: str) -> datetime:
    """The UTC instant the local day after ``day`` begins (an exclusive upper bound)."""
    return day_start(day + timedelta(days=1), tz)
