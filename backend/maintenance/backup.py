"""Logical backup and restore: JSON Lines, portable between SQLite and PostgreSQL.

The first line is a header naming the format and the schema revision; each following line is one
row ``{"t": table, "r": {column: value}}``, tables in dependency order. Restore refuses a database
that already holds data, loads every row in one transaction, then the caller verifies the ledger.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Date, DateTime, Engine, func, insert, select, text
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, InvalidInput
from backend.models import Base
from backend.models.base import UTCDateTime

FORMAT = "yinling-backup"
VERSION = 1


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def backup(engine: Engine, path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with Session(engine) as session, path.open("w", encoding="utf-8") as out:
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        out.write(json.dumps({"format": FORMAT, "version": VERSION, "schema": revision,
                              "tables": [t.name for t in Base.metadata.sorted_tables]}) + "\n")
        for table in Base.metadata.sorted_tables:
            counts[table.name] = 0
            order = list(table.primary_key.columns)
            for row in session.execute(select(table).order_by(*order)).mappings():
                out.write(json.dumps({"t": table.name, "r": {k: _encode(v) for k, v in row.items()}},
                                     ensure_ascii=False) + "\n")
                counts[table.name] += 1
    return counts


def _decoder(table):
    converters = {}
    for column in table.columns:
        if isinstance(column.type, UTCDateTime | DateTime):
            converters[column.name] = datetime.fromisoformat
        elif isinstance(column.type, Date):
            converters[column.name] = date.fromisoformat
    return lambda row: {k: (converters[k](v) if v is not None and k in converters else v) for k, v in row.items()}


# What `db upgrade` fills in an empty database; restore replaces these, and refuses if anything else has rows.
SETUP_TABLES = frozenset({"service_items", "ledger_head", "message_cursors"})


def _first_table_with_data(session: Session) -> str | None:
    for table in Base.metadata.sorted_tables:
        if table.name not in SETUP_TABLES and session.scalar(select(func.count()).select_from(table)):
            return table.name
    return None


def restore(engine: Engine, path: Path, batch: int = 5000) -> dict[str, int]:
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    with path.open(encoding="utf-8") as src:
        header = json.loads(src.readline() or "{}")
        if header.get("format") != FORMAT or header.get("version") != VERSION:
            raise InvalidInput(f"{path} is not a {FORMAT} v{VERSION} file", code="invalid_backup")
        counts: dict[str, int] = {}
        with Session(engine) as session, session.begin():
            holding = _first_table_with_data(session)
            if holding is not None:
                raise Conflict(f"restore needs an empty database; table {holding} has rows",
                               code="database_not_empty")
            for table in reversed(Base.metadata.sorted_tables):  # catalogue rows from `db upgrade` etc.
                session.execute(table.delete())
            pending: list[dict] = []
            current = None
            decode = None
            for line in src:
                item = json.loads(line)
                if item["t"] != current:
                    if pending:
                        session.execute(insert(tables[current]), pending)
                    current, pending = item["t"], []
                    if current not in tables:
                        raise InvalidInput(f"unknown table {current!r} in backup", code="invalid_backup")
                    decode = _decoder(tables[current])
                pending.append(decode(item["r"]))
                counts[current] = counts.get(current, 0) + 1
                if len(pending) >= batch:
                    session.execute(insert(tables[current]), pending)
                    pending = []
            if pending:
                session.execute(insert(tables[current]), pending)
            if engine.dialect.name == "postgresql":
                _reset_sequences(session)
    return counts


def _reset_sequences(session: Session) -> None:
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement is not False and pk[0].type.python_type is int:
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
