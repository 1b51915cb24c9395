"""Importing an existing city's ledger: its old platform's records appended through the same
validators and hash chain as every other write, all or nothing.

The file is JSON Lines, one transaction per line, in the order they happened::

    {"ref": "GL-2019-000123", "kind": "service_credit", "at": "2019-03-01T10:00:00+08:00",
     "postings": [["clearing:4", -60], ["person:12", 60]], "service_minutes": 60,
     "memo": "陪同就医", "channel": "paper", "order_id": null}

ref: the record's id on the old platform, unique in the file. It becomes the entry's idempotency
key ``import:<ref>``, so importing a file again (after a crash, or by mistake) adds nothing.
kind: any transaction kind but ``reversal`` (import the corrected records instead).
at: when it happened, with its UTC offset; it becomes the entry's ``created_at``.
postings: [account, minutes] pairs; an account is ``person:<person id>``, ``clearing:<station id>``
(that station's district clearing account) or ``fund``; people and stations must exist already.
service_minutes, memo, channel (default ``paper``), order_id: as on ``Transaction``.

The file is read twice: first every line's form is checked (nothing is written if one line is
malformed), then the records are appended in batches inside one database transaction
(``journal.write_stream``: rows written per batch, balances carried in memory and written to the
accounts once at the end), so a
record the validators refuse (an overdraft, a frozen account …) rolls back the whole import and
the error names its line. The head lock is held for the whole import: run it before the city
goes live, or at a quiet hour.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput, LedgerError, YinlingError
from backend.ledger.accounts import clearing_account, fund_account, person_account
from backend.ledger.journal import Request, write_stream
from backend.ledger.records import Kind, Posting, Transaction
from backend.models import Account, LedgerHead

BATCH = 5_000
KEY_PREFIX = "import:"
IMPORTABLE = frozenset(Kind.ALL) - {Kind.REVERSAL}
_FIELDS = {"ref", "kind", "at", "postings", "service_minutes", "memo", "channel", "order_id"}


class ImportRefused(InvalidInput):
    """A line of the import file is malformed or its record was refused; nothing was imported."""

    code, message = "import_refused", "导入文件有错误，没有导入任何记录。"


@dataclass(frozen=True)
class ImportReport:
    new: int        # entries appended by this import
    existing: int   # records an earlier import of the same refs already appended
    head_seq: int   # the chain head afterwards


@dataclass(frozen=True)
class _Record:
    line: int
    ref: str
    kind: str
    at: datetime
    postings: tuple[tuple[str, int], ...]
    service_minutes: int
    memo: str
    channel: str
    order_id: int | None


def _refuse(line: int, ref: str | None, detail: str) -> ImportRefused:
    where = f"line {line}" + (f" (ref {ref})" if ref else "")
    return ImportRefused(f"{where}: {detail}; nothing was imported",
                         message=f"导入文件第{line}行有错误，没有导入任何记录。")


def _bad_account(ref: str, detail: str) -> ImportRefused:
    return ImportRefused(f"account {ref!r}: {detail}; nothing was imported",
                         message="导入文件里有找不到的账户，没有导入任何记录。")


def _parse(line_no: int, text: str) -> _Record:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refuse(line_no, None, f"not JSON ({exc.msg})") from exc
    if not isinstance(raw, dict):
        raise _refuse(line_no, None, "not a JSON object")
    ref = raw.get("ref")
    if not isinstance(ref, str) or not ref.strip():
        raise _refuse(line_no, None, "ref missing")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise _refuse(line_no, ref, f"unknown fields {sorted(unknown)}")
    if raw.get("kind") not in IMPORTABLE:
        raise _refuse(line_no, ref, f"kind {raw.get('kind')!r} cannot be imported")
    try:
        at = datetime.fromisoformat(raw.get("at") or "")
    except (TypeError, ValueError):
        raise _refuse(line_no, ref, f"at {raw.get('at')!r} is not an ISO date-time") from None
    if at.tzinfo is None:
        raise _refuse(line_no, ref, f"at {raw['at']!r} has no UTC offset")
    legs = raw.get("postings")
    if not isinstance(legs, list) or not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str)
                                             for p in legs):
        raise _refuse(line_no, ref, "postings must be [account, minutes] pairs")
    served, order_id = raw.get("service_minutes", 0), raw.get("order_id")
    if not isinstance(served, int) or isinstance(served, bool) or not (order_id is None or isinstance(order_id, int)):
        raise _refuse(line_no, ref, "service_minutes and order_id must be whole numbers")
    return _Record(line_no, ref, raw["kind"], at.astimezone(timezone.utc), tuple((a, m) for a, m in legs), served,
                   str(raw.get("memo") or ""), str(raw.get("channel") or "paper"), order_id)


def _records(path: Path) -> Iterator[_Record]:
    with path.open(encoding="utf-8") as f:
        for line_no, text in enumerate(f, start=1):
            if text.strip():
                yield _parse(line_no, text)


def _check_form(path: Path) -> set[str]:
    """Pass one: every line well-formed, refs unique; returns the account references used."""
    refs: set[str] = set()
    accounts: set[str] = set()
    for record in _records(path):
        if record.ref in refs:
            raise _refuse(record.line, record.ref, "ref appears twice in the file")
        refs.add(record.ref)
        accounts.update(a for a, _ in record.postings)
    return accounts


def _resolve(session: Session, refs: set[str]) -> dict[str, int]:
    """Account ids for the file's account references (opening missing accounts of existing people)."""
    ids: dict[str, int] = {}
    people: dict[int, str] = {}
    for ref in refs:
        kind, _, number = ref.partition(":")
        if ref == "fund":
            ids[ref] = fund_account(session).id
        elif kind in ("person", "clearing") and number.isdigit():
            if kind == "clearing":
                try:
                    ids[ref] = clearing_account(session, int(number)).id
                except YinlingError as exc:
                    raise _bad_account(ref, exc.detail) from exc
            else:
                people[int(number)] = ref
        else:
            raise _bad_account(ref, "is not person:<id>, clearing:<station id> or fund")
    found = dict(session.execute(select(Account.person_id, Account.id)
                                 .where(Account.person_id.in_(list(people)))).all()) if people else {}
    for person_id, ref in people.items():
        try:
            ids[ref] = found[person_id] if person_id in found else person_account(session, person_id).id
        except YinlingError as exc:
            raise _bad_account(ref, exc.detail) from exc
    return ids


def _request(record: _Record, ids: dict[str, int]) -> Request:
    return Request(Transaction(
        kind=record.kind, postings=tuple(Posting(ids[a], m) for a, m in record.postings),
        actor="import", channel=record.channel, memo=record.memo, order_id=record.order_id,
        service_minutes=record.service_minutes, idempotency_key=KEY_PREFIX + record.ref), at=record.at)


def import_ledger(session: Session, path: Path) -> ImportReport:
    """Append every record of ``path`` in the session's transaction, or raise ``ImportRefused``."""
    ids = _resolve(session, _check_form(path))
    start_seq = _head_seq(session)
    new = existing = 0
    head_seq = start_seq
    current: list[_Record] = []

    def batches() -> Iterator[list[Request]]:
        records = _records(path)
        while chunk := list(islice(records, BATCH)):  # the file's records, BATCH at a time
            current[:] = chunk
            yield [_request(r, ids) for r in chunk]

    for results in write_stream(session, batches()):
        for record, outcome in zip(current, results):
            if isinstance(outcome, YinlingError):
                detail = outcome.detail if isinstance(outcome, LedgerError) else f"{outcome.code}: {outcome.detail}"
                raise _refuse(record.line, record.ref, detail) from outcome
            if outcome[0].seq > start_seq:
                new += 1
            else:
                existing += 1
            head_seq = max(head_seq, outcome[-1].seq)
    return ImportReport(new, existing, head_seq)


def _head_seq(session: Session) -> int:
    return session.scalar(select(LedgerHead.seq).where(LedgerHead.id == 1)) or 0
