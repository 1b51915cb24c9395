"""The backend's commands: database, demo data, ledger verification and import, backup/restore, paper back-fill.

The `yinling` command (``yinling.cli``) adds ``serve`` and ``speech …``, which need the other packages."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from backend.core.config import get_settings


def _state():
    from backend.api.state import AppState
    return AppState.from_settings(get_settings())


def _fail(exc) -> None:
    click.echo(f"error: {getattr(exc, 'detail', exc)}", err=True)
    message = getattr(exc, "message", None)
    if message:
        click.echo(message, err=True)
    sys.exit(1)


@click.group()
def main() -> None:
    """Yinling (银龄) time-bank backend."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration and load the service catalogue."""
    from backend.core.bootstrap import prepare_database
    state = _state()
    prepare_database(state)
    click.echo(f"database ready: {state.engine.url.render_as_string(hide_password=True)}")


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("seed")
def demo_seed() -> None:
    """Seed the demo city into an empty database."""
    from backend.core.bootstrap import prepare_database, seed_demo
    state = _state()
    prepare_database(state)
    click.echo("demo data seeded" if seed_demo(state) else "database already has people; demo data not seeded")


@main.group()
def ledger() -> None:
    """The time-coin ledger."""


@ledger.command("verify")
@click.option("--workers", type=int, default=None, help="processes checking seq ranges (default: one per core)")
def ledger_verify(workers: int | None) -> None:
    """Check the hash chain, sequence, sums and cached balances; exit 1 naming the first bad entry."""
    from sqlalchemy.exc import DBAPIError

    from backend.ledger.verify import verify_parallel
    state = _state()
    try:
        report = verify_parallel(state.settings.database_url, workers=workers)
    except DBAPIError as exc:  # e.g. a database that was never migrated
        click.echo(f"error: cannot read the ledger ({type(exc.orig).__name__}: {exc.orig}); "
                   "is this a Yinling database? run `yinling db upgrade` first", err=True)
        sys.exit(2)
    if report.ok:
        click.echo(f"ledger OK: {report.entries} entries, chain intact")
        return
    if report.first_bad_seq is None:  # every entry checks out; a cached balance was changed
        click.echo("ledger BROKEN: no entry was altered, but cached values differ from the postings", err=True)
    else:
        click.echo(f"ledger BROKEN: first bad entry {report.first_bad_seq}", err=True)
    for problem in report.problems[:20]:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


@ledger.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def ledger_import(path: Path) -> None:
    """Append an existing city's records (JSON Lines, see backend/ledger/importer.py); all or none."""
    from backend.core.db import unit_of_work
    from backend.core.errors import YinlingError
    from backend.ledger.importer import import_ledger
    state = _state()
    try:
        with unit_of_work(state.sessions) as session:
            report = import_ledger(session, path)
    except YinlingError as exc:
        _fail(exc)
    click.echo(f"imported {report.new} entries ({report.existing} already imported); ledger head at entry {report.head_seq}")


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_cmd(path: Path) -> None:
    """Write every table to PATH (JSON Lines)."""
    from backend.maintenance.backup import backup
    counts = backup(_state().engine, path)
    click.echo(f"backup written to {path}: {sum(counts.values())} rows, {counts.get('ledger_entries', 0)} ledger entries")


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_cmd(path: Path) -> None:
    """Load PATH into an empty database, then verify the ledger."""
    from backend.core.bootstrap import prepare_database
    from backend.core.errors import YinlingError
    from backend.ledger.verify import verify
    from backend.maintenance.backup import restore
    state = _state()
    prepare_database(state, load_catalogue=False)
    try:
        counts = restore(state.engine, path)
    except YinlingError as exc:
        _fail(exc)
    with state.sessions() as session:
        report = verify(session)
    click.echo(f"restored {sum(counts.values())} rows; ledger {'OK' if report.ok else 'BROKEN'} ({report.entries} entries)")
    if not report.ok:
        sys.exit(1)


@main.command("import-paper")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "recorded_by", default="operator:cli", help="who keyed the sheet in")
def import_paper(csv_path: Path, recorded_by: str) -> None:
    """Back-fill (补登) services recorded on paper; all rows or none."""
    from backend.core.db import unit_of_work
    from backend.core.errors import YinlingError
    from backend.models.base import utcnow
    from backend.orders.paper_csv import import_sheet
    state = _state()
    try:
        with unit_of_work(state.sessions) as session:
            orders = import_sheet(session, csv_path, tz=state.settings.timezone, recorded_by=recorded_by,
                                  policy=state.policy, now=utcnow())
    except YinlingError as exc:
        _fail(exc)
    click.echo(f"imported {len(orders)} paper record(s): orders {[o.id for o in orders]}")
