"""Backup then restore: into an empty database of either kind the copy is identical row for row,
balances and chain included, and the restored ledger keeps working; into a database that holds
data, restore is refused and changes nothing. Both in-process and through the `yinling` script."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.core.db import is_postgres, unit_of_work
from backend.core.errors import Conflict
from backend.ledger import operations as ops
from backend.ledger.verify import verify
from backend.maintenance.backup import backup, restore
from backend.models import Account, Base, LedgerEntry
from backend.people.registry import link_family, set_frozen
from tests import factories
from tests.backend.conftest import make_state
from tests.backend.ledger.databases import fresh_url
from tests.backend.ledger.invariants import assert_ledger_sound

YINLING = Path(sys.executable).parent / "yinling"
ACTOR = ops.Actor("operator:test", "operator")


def _seed(state) -> int:
    """People in two districts, credits, a family gift, donation, grant, a reversal and a frozen
    account; Chinese memos and idempotency keys. Returns a person id that can still spend."""
    policy = state.policy
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        a = factories.person(s, policy, tree["comm_a"], name="王秀英")
        b = factories.person(s, policy, tree["comm_b"], name="李建国", age=68)
        v = factories.person(s, policy, tree["comm_b"], roles=("volunteer",), age=35, name="陈志强")
        link_family(s, a.id, b.id, "spouse", consent="consented")
        ops.credit_service(s, volunteer_id=a.id, station_id=tree["comm_a"], served_minutes=600, tier="ordinary",
                           policy=policy, actor=ACTOR, key="svc-1", memo="陪同就医")
        ops.credit_service(s, volunteer_id=v.id, station_id=tree["comm_b"], served_minutes=240, tier="technical",
                           policy=policy, actor=ACTOR, key="svc-2")
        ops.gift(s, from_id=a.id, to_id=b.id, minutes=90, policy=policy, actor=ACTOR, memo="给老伴", key="gift-1")
        ops.donate(s, from_id=v.id, minutes=60, policy=policy, actor=ACTOR)
        ops.grant(s, to_id=b.id, minutes=30, actor=ACTOR, memo="高龄补贴")
        ops.redeem(s, person_id=b.id, station_id=tree["comm_a"], minutes=45, policy=policy,
                   today=factories.TODAY, actor=ACTOR)
        ops.reverse(s, seq=5, reason="补贴发错，追回", actor=ACTOR)
        set_frozen(s, v.id, True)
        return a.id


def _dump(engine) -> dict[str, list[tuple]]:
    """Every row of every table, datetimes as naive UTC (SQLite stores them naive, PostgreSQL aware)."""
    def norm(value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(timezone.utc).replace(tzinfo=None)
        return value
    with engine.connect() as conn:
        return {t.name: [tuple(norm(v) for v in row)
                         for row in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables}


def _balances(state) -> list[tuple]:
    with unit_of_work(state.sessions) as s:
        return s.execute(select(Account.id, Account.kind, Account.balance, Account.service_minutes)
                         .order_by(Account.id)).all()


def _assert_identical_and_working(source, target, spender: int) -> None:
    assert _balances(target) == _balances(source)
    assert _dump(target.engine) == _dump(source.engine)
    with unit_of_work(target.sessions) as s:
        assert verify(s).entries == 7
        assert_ledger_sound(s)
    # The copy keeps working: new ids and the next seq follow on from the restored rows.
    with unit_of_work(target.sessions) as s:
        entry = ops.donate(s, from_id=spender, minutes=15, policy=target.policy, actor=ACTOR, key="after-restore")
        assert entry.seq == 8
        assert entry.prev_hash == s.scalar(select(LedgerEntry.hash).where(LedgerEntry.seq == 7))
        factories.person(s, target.policy, s.scalar(select(Account.station_id).where(Account.kind == "clearing")),
                         name="新人")
    with unit_of_work(target.sessions) as s:
        assert_ledger_sound(s)


def test_backup__restore_into_empty_database_of_the_other_kind_is_identical(state, tmp_path):
    """SQLite → PostgreSQL and PostgreSQL → SQLite, in-process (same-kind goes through the script below)."""
    spender = _seed(state)
    path = tmp_path / "backup.jsonl"
    counts = backup(state.engine, path)
    assert counts["ledger_entries"] == 7 and counts["postings"] == 14
    with fresh_url("sqlite" if is_postgres(state.engine) else "postgres", tmp_path) as url:
        target = make_state(url)  # `db upgrade` has loaded the catalogue: restore must still accept it
        try:
            restored = restore(target.engine, path)
            assert restored == {k: v for k, v in counts.items() if v}
            _assert_identical_and_working(state, target, spender)
        finally:
            target.engine.dispose()


def _yinling(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(YINLING), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DATABASE_URL": url})


def test_backup__command_line_round_trip_into_empty_sqlite(state, tmp_path):
    """`yinling backup` from each kind of database, `yinling restore` into a new SQLite file."""
    spender = _seed(state)
    path = tmp_path / "backup.jsonl"
    made = _yinling(state.settings.database_url, "backup", str(path))
    assert made.returncode == 0, made.stderr
    assert "7 ledger entries" in made.stdout
    target_url = f"sqlite:///{tmp_path / 'restored.db'}"
    loaded = _yinling(target_url, "restore", str(path))
    assert loaded.returncode == 0, loaded.stderr
    assert "ledger OK (7 entries)" in loaded.stdout
    target = make_state(target_url)
    try:
        _assert_identical_and_working(state, target, spender)
    finally:
        target.engine.dispose()


def _holding_ledger(state, path: Path) -> None:
    """A live database: people and a ledger, one entry more than the backup has."""
    spender = _seed(state)
    backup(state.engine, path)
    with unit_of_work(state.sessions) as s:
        ops.donate(s, from_id=spender, minutes=5, policy=state.policy, actor=ACTOR)


def _holding_stations_only(state, path: Path) -> None:
    """A deployment being set up: stations and an operator, no people or ledger entries yet."""
    with fresh_url("sqlite", path.parent) as url:
        other = make_state(url)
        _seed(other)
        backup(other.engine, path)
        other.engine.dispose()
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        factories.operator(s, tree["street_a"], "street-a-operator")


@pytest.mark.parametrize("prepare", [_holding_ledger, _holding_stations_only], ids=["ledger", "stations_only"])
def test_backup__restore_into_non_empty_database_is_refused_and_changes_nothing(state, tmp_path, prepare):
    path = tmp_path / "backup.jsonl"
    prepare(state, path)
    before = _dump(state.engine)
    with pytest.raises(Conflict) as refused:
        restore(state.engine, path)
    assert refused.value.code == "database_not_empty"
    assert _dump(state.engine) == before
    if prepare is _holding_stations_only:
        return  # the script calls the same restore(); once (below) is enough to show it exits non-zero
    script = _yinling(state.settings.database_url, "restore", str(path))
    assert script.returncode == 1
    assert "restore needs an empty database" in script.stderr
    assert _dump(state.engine) == before
