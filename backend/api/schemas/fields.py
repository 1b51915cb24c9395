"""Field types every request schema shares: ids, money, dates, booleans. Text types live in
``backend.core.text`` (the console's forms use them too).

JSON numbers only where money and ids are concerned: ``true`` or ``"60"`` is refused, not read as 1
or 60 (``StrictInt``). Ids are 1..2**31-1 (PostgreSQL's ``integer``); any other id names nothing, so
the API answers it like a missing record (404, see ``backend.api.errors``) instead of letting the
database overflow. Dates must fall in a window that makes sense for what they date; the error type
``date_out_of_range`` is answered with a Chinese message.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, StrictInt
from pydantic_core import PydanticCustomError

from backend.core.text import Name, Note, Reason, ShortText, Text, Utterance

MAX_ID = 2**31 - 1
MAX_MINUTES = 600_000  # 10,000 hours: more than anyone earns in a lifetime of service
EARLIEST = date(2000, 1, 1)  # nothing in a time bank happened before this
EARLIEST_BIRTH = date(1900, 1, 1)
BOOKING_AHEAD = timedelta(days=366)
CALENDAR_AHEAD = timedelta(days=366 * 10)  # qualification expiry, availability days
CLOCK_SKEW = timedelta(days=1)  # "now" on the caller's device may run ahead of ours


def _id_in_range(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise PydanticCustomError("id_out_of_range", "id {value} is outside 1..{max}", {"value": value, "max": MAX_ID})
    return value


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _out_of_range(value, lo, hi):
    return PydanticCustomError("date_out_of_range", "{value} is outside {lo} .. {hi}",
                               {"value": str(value), "lo": str(lo), "hi": str(hi)})


def _datetime_window(ahead: timedelta):
    def check(value: datetime) -> datetime:
        lo = datetime.combine(EARLIEST, datetime.min.time(), tzinfo=timezone.utc)
        hi = datetime.now(timezone.utc) + ahead
        if not lo <= _utc(value) <= hi:
            raise _out_of_range(value, lo.date(), hi.replace(microsecond=0).isoformat())
        return value
    return check


def _date_window(earliest: date, ahead: timedelta):
    def check(value: date) -> date:
        hi = datetime.now(timezone.utc).date() + ahead
        if not earliest <= value <= hi:
            raise _out_of_range(value, earliest, hi)
        return value
    return check


Id = Annotated[StrictInt, AfterValidator(_id_in_range)]
Minutes = Annotated[StrictInt, Field(gt=0, le=MAX_MINUTES)]
Count = StrictInt  # small counters (stars, seq numbers); bounds given per field
Flag = StrictBool

ServiceTime = Annotated[datetime, AfterValidator(_datetime_window(BOOKING_AHEAD))]
"""When a service starts or is checked in or out: from 2000 to a year ahead. The order and fulfilment
rules decide what is too early or too late for that order; tests and demos run services on a simulated
clock, so "now" is not the upper bound here."""
PastTime = Annotated[datetime, AfterValidator(_datetime_window(CLOCK_SKEW))]
"""When something happened: from 2000 to now (plus a day of clock skew)."""
BirthDate = Annotated[date, AfterValidator(_date_window(EARLIEST_BIRTH, timedelta(0)))]
CalendarDay = Annotated[date, AfterValidator(_date_window(EARLIEST, CALENDAR_AHEAD))]

__all__ = ["MAX_ID", "MAX_MINUTES", "Id", "Minutes", "Count", "Flag", "ServiceTime", "PastTime", "BirthDate",
           "CalendarDay", "Name", "Note", "Reason", "ShortText", "Text", "Utterance"]
