"""Importing an existing city's records (``yinling ledger import FILE``): through the validators and
the hash chain, all or nothing, and a second import of the same file adds nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.ledger.accounts import person_account
from backend.ledger.importer import ImportRefused, import_ledger
from backend.ledger.journal import COPY_FROM
from backend.models import LedgerEntry
from tests import factories
from tests.backend.ledger.invariants import assert_ledger_sound, snapshot

YINLING = Path(sys.executable).parent / "yinling"


def _city(state):
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        a, b = (factories.person(s, state.policy, tree["comm_a"], name=f"老人{x}").id for x in "AB")
    return tree, a, b


def _records(tree, a, b):
    clearing = f"clearing:{tree['comm_a']}"
    return [
        {"ref": "r1", "kind": "service_credit", "at": "2019-03-01T10:00:00+08:00",
         "postings": [[clearing, -120], [f"person:{a}", 120]], "service_minutes": 120, "memo": "陪同就医"},
        {"ref": "r2", "kind": "service_credit", "at": "2019-03-02T09:30:00+08:00",
         "postings": [[clearing, -60], [f"person:{b}", 60]], "service_minutes": 60, "order_id": 77},
        {"ref": "r3", "kind": "gift", "at": "2019-03-03T12:00:00+08:00",
         "postings": [[f"person:{a}", -30], [f"person:{b}", 30]], "memo": "给老伴"},
        {"ref": "r4", "kind": "donation", "at": "2019-03-04T08:00:00+08:00",
         "postings": [[f"person:{b}", -90], ["fund", 90]], "channel": "operator"},
        {"ref": "r5", "kind": "redemption", "at": "2019-03-05T15:00:00+08:00",
         "postings": [[f"person:{a}", -90], [clearing, 90]]},
    ]


def _write(path: Path, records: list, *, raw_lines: dict[int, str] | None = None) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    for index, text in (raw_lines or {}).items():
        lines[index] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cli(state, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(YINLING), "ledger", "import", str(path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DATABASE_URL": state.settings.database_url})


def test_ledger_import__records_join_the_chain_and_a_second_import_adds_nothing(state, tmp_path):
    tree, a, b = _city(state)
    path = _write(tmp_path / "old.jsonl", _records(tree, a, b))
    done = _cli(state, path)
    assert done.returncode == 0, done.stderr
    assert "imported 5 entries (0 already imported); ledger head at entry 5" in done.stdout
    with unit_of_work(state.sessions) as s:
        rows = s.execute(select(LedgerEntry.seq, LedgerEntry.kind, LedgerEntry.created_at, LedgerEntry.idempotency_key)
                         .order_by(LedgerEntry.seq)).all()
        assert [(r.kind, r.idempotency_key) for r in rows] == [
            ("service_credit", "import:r1"), ("service_credit", "import:r2"), ("gift", "import:r3"),
            ("donation", "import:r4"), ("redemption", "import:r5")]
        assert rows[0].created_at == datetime(2019, 3, 1, 2, 0, tzinfo=timezone.utc)
        assert person_account(s, a).balance == 0 and person_account(s, b).balance == 0
        assert person_account(s, a).service_minutes == 120
        assert_ledger_sound(s)
        before = snapshot(s)
    again = _cli(state, path)
    assert again.returncode == 0, again.stderr
    assert "imported 0 entries (5 already imported)" in again.stdout
    with unit_of_work(state.sessions) as s:
        assert snapshot(s) == before


BAD_FILES = {
    "malformed_line": ({3: '{"ref": "r4", "kind": '}, "line 4: not JSON"),
    "overdraft": ({4: json.dumps({"ref": "r5", "kind": "redemption", "at": "2019-03-05T15:00:00+08:00",
                                  "postings": [["person:{a}", -600], ["fund", 600]]})},
                  "line 5 (ref r5): account"),
    "unknown_person": ({2: json.dumps({"ref": "r3", "kind": "gift", "at": "2019-03-03T12:00:00+08:00",
                                       "postings": [["person:{a}", -30], ["person:999999", 30]]})},
                       "account 'person:999999'"),
    "no_offset": ({1: json.dumps({"ref": "r2", "kind": "service_credit", "at": "2019-03-02T09:30:00",
                                  "postings": [["fund", -60], ["person:{b}", 60]], "service_minutes": 60})},
                  "line 2 (ref r2): at '2019-03-02T09:30:00' has no UTC offset"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_ledger_import__a_bad_record_imports_nothing(state, tmp_path, case):
    tree, a, b = _city(state)
    replacements, expected = BAD_FILES[case]
    raw = {i: text.replace("{a}", str(a)).replace("{b}", str(b)) for i, text in replacements.items()}
    path = _write(tmp_path / "old.jsonl", _records(tree, a, b), raw_lines=raw)
    with unit_of_work(state.sessions) as s:
        before = snapshot(s)
    with pytest.raises(ImportRefused) as refused, unit_of_work(state.sessions) as s:
        import_ledger(s, path)
    assert expected in refused.value.detail and "nothing was imported" in refused.value.detail
    assert "没有导入任何记录" in refused.value.message
    with unit_of_work(state.sessions) as s:
        assert snapshot(s).entries == before.entries == 0
        assert snapshot(s).head == before.head


def test_ledger_import__cli_names_the_refused_line(state, tmp_path):
    tree, a, b = _city(state)
    records = _records(tree, a, b)
    records[2]["postings"] = [[f"person:{a}", -3000], [f"person:{b}", 3000]]  # A holds 120 then
    done = _cli(state, _write(tmp_path / "old.jsonl", records))
    assert done.returncode == 1
    assert "line 3 (ref r3): account" in done.stderr and "cannot pay 3000 min" in done.stderr
    assert "导入文件第3行有错误，没有导入任何记录。" in done.stderr
    with unit_of_work(state.sessions) as s:
        assert snapshot(s).entries == 0


def test_import_ledger__a_batch_big_enough_for_copy_chains_like_any_other(state, tmp_path):
    """On PostgreSQL a batch of COPY_FROM entries or more is written with COPY: same rows, same chain."""
    tree, a, b = _city(state)
    clearing = f"clearing:{tree['comm_a']}"
    records = []
    for i in range(COPY_FROM + 100):
        if i % 3 == 2:  # a gift back and forth, each covered by the credits before it
            giver, taker = (a, b) if i % 2 else (b, a)
            records.append({"ref": f"big-{i}", "kind": "gift", "at": "2020-01-01T08:00:00+08:00",
                            "postings": [[f"person:{giver}", -10], [f"person:{taker}", 10]], "memo": "互助"})
        else:
            who = a if i % 2 else b
            records.append({"ref": f"big-{i}", "kind": "service_credit", "at": f"2020-01-01T{8 + i % 10:02d}:00:00+08:00",
                            "postings": [[clearing, -30], [f"person:{who}", 30]], "service_minutes": 30})
    path = _write(tmp_path / "big.jsonl", records)
    with unit_of_work(state.sessions) as s:
        report = import_ledger(s, path)
    assert (report.new, report.existing, report.head_seq) == (len(records), 0, len(records))
    with unit_of_work(state.sessions) as s:
        rows = s.execute(select(LedgerEntry.seq, LedgerEntry.idempotency_key, LedgerEntry.created_at, LedgerEntry.memo)
                         .order_by(LedgerEntry.seq)).all()
        assert [r.idempotency_key for r in rows] == [f"import:big-{i}" for i in range(len(records))]
        assert rows[2].memo == "互助"
        assert rows[4].created_at == datetime(2020, 1, 1, 4, 0, tzinfo=timezone.utc)  # 12:00 in Beijing
        assert_ledger_sound(s)
        before = snapshot(s)
    with unit_of_work(state.sessions) as s:
        again = import_ledger(s, path)
    assert (again.new, again.existing) == (0, len(records))
    with unit_of_work(state.sessions) as s:
        assert snapshot(s) == before


def test_import_ledger__balances_carry_from_batch_to_batch_and_accounts_are_written_once(state, tmp_path, monkeypatch):
    """Batches of two: a record spends what a record two batches earlier credited (the balance is carried in
    memory), the accounts' balances are written by one statement after the last batch rather than one per
    batch, and an overdraft in the last batch is refused on that record's line with nothing stored."""
    from sqlalchemy import event

    from backend.ledger import importer
    monkeypatch.setattr(importer, "BATCH", 2)
    tree, a, b = _city(state)
    records = _records(tree, a, b)   # r5 (batch 3) redeems 90 of A's 120 credited by r1 (batch 1)
    updates = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE ACCOUNTS"):
            updates.append(statement)

    event.listen(state.engine, "before_cursor_execute", count)
    try:
        with unit_of_work(state.sessions) as s:
            report = import_ledger(s, _write(tmp_path / "old.jsonl", records))
    finally:
        event.remove(state.engine, "before_cursor_execute", count)
    assert (report.new, report.existing, report.head_seq) == (5, 0, 5)
    assert len(updates) == 1, updates
    with unit_of_work(state.sessions) as s:
        assert (person_account(s, a).balance, person_account(s, b).balance) == (0, 0)
        assert person_account(s, a).service_minutes == 120
        assert_ledger_sound(s)
        before = snapshot(s)
    # The same file again with one more record that overdraws A (now at 0), in the last batch.
    records.append({"ref": "r6", "kind": "gift", "at": "2019-03-06T08:00:00+08:00",
                    "postings": [[f"person:{a}", -10], [f"person:{b}", 10]]})
    with pytest.raises(ImportRefused) as refused, unit_of_work(state.sessions) as s:
        import_ledger(s, _write(tmp_path / "more.jsonl", records))
    assert "line 6 (ref r6): account" in refused.value.detail
    with unit_of_work(state.sessions) as s:
        assert snapshot(s) == before
