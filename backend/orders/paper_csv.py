"""Reading a paper back-fill sheet (CSV) into PaperRecords, reporting every bad row at once.

Columns: volunteer_phone, recipient_phone, service, date (YYYY-MM-DD), start (HH:MM), end (HH:MM),
reason. Times are local to the deployment. A sheet with any bad row imports nothing; the error
raised then carries ``rows``: (line number, Chinese message, English detail) for every bad row.
"""
from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput, YinlingError
from backend.models import Order
from backend.orders.backfill import PaperRecord, backfill
from backend.people.registry import find_by_phone
from backend.policy import PolicyProfile

BAD_VALUE_ZH = "日期、时间或号码格式不对。"
COLUMNS = ("volunteer_phone", "recipient_phone", "service", "date", "start", "end", "reason")


def import_sheet(session: Session, path: Path, *, tz: str, recorded_by: str, policy: PolicyProfile,
                 now: datetime) -> list[Order]:
    """Back-fill every row in the caller's transaction; raise (so it rolls back) if any row fails."""
    orders, problems, rows = [], [], []
    today = now.astimezone(ZoneInfo(tz)).date()
    for line, parsed in _rows(session, path, tz, recorded_by):
        try:
            if isinstance(parsed, Exception):
                raise parsed
            with session.begin_nested():
                orders.append(backfill(session, parsed, policy=policy, now=now, today=today))
        except (YinlingError, ValueError) as exc:
            problems.append(f"line {line}: {getattr(exc, 'detail', exc)}")
            rows.append((line, exc.message if isinstance(exc, YinlingError) else BAD_VALUE_ZH,
                         str(getattr(exc, "detail", exc))))
    if problems:
        error = InvalidInput(f"{path}: {len(problems)} bad row(s), nothing imported: " + "; ".join(problems),
                             code="invalid_sheet", message="补登表格有错误，没有导入。")
        error.rows = rows
        raise error
    return orders


def _rows(session: Session, path: Path, tz: str, recorded_by: str):
    """Yield (line number, PaperRecord or the exception that row raised)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(f"{path}: missing columns {missing}; expected {list(COLUMNS)}",
                               code="invalid_sheet", message="补登表格的列不对。")
        for line, row in enumerate(reader, start=2):
            try:
                yield line, _record(session, row, tz, recorded_by)
            except (YinlingError, ValueError) as exc:
                yield line, exc


def _record(session: Session, row: dict, tz: str, recorded_by: str) -> PaperRecord:
    zone = ZoneInfo(tz)
    day = row["date"].strip()
    started = datetime.fromisoformat(f"{day}T{row['start'].strip()}").replace(tzinfo=zone)
    ended = datetime.fromisoformat(f"{day}T{row['end'].strip()}").replace(tzinfo=zone)
    return PaperRecord(
        volunteer_id=find_by_phone(session, row["volunteer_phone"]).id,
        recipient_id=find_by_phone(session, row["recipient_phone"]).id,
        service_slug=row["service"].strip(), started_at=started, ended_at=ended,
        reason=row["reason"].strip(), recorded_by=recorded_by)
