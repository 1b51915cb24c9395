"""Whether a volunteer's weekly pattern and exceptions cover a requested local time span."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

Window = tuple[int, time, time]                      # weekday (0 = Monday), start, end
Exception_ = tuple[date, bool, time | None, time | None]  # day, available, start, end


def covers(windows: Iterable[Window], exceptions: Iterable[Exception_], start: datetime, end: datetime) -> bool:
    """``start``/``end`` are local times within one day. An exception on that day replaces the pattern."""
    day = start.date()
    if end <= start:
        return False
    if end.date() == day:
        t1 = end.time()
    elif end.date() == day + timedelta(days=1) and end.time() == time(0):
        t1 = time.max
    else:
        return False
    t0 = start.time()
    todays = [e for e in exceptions if e[0] == day]
    if todays:
        return any(ok and s is not None and e is not None and s <= t0 and t1 <= e for _d, ok, s, e in todays)
    return any(wd == start.weekday() and s <= t0 and t1 <= e for wd, s, e in windows)
