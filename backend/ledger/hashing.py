"""The canonical byte form of an entry and its SHA-256 hash."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

GENESIS_HASH = "0" * 64
# What json.dumps(body, ensure_ascii=False, separators=(",", ":")) builds on every call; made once
# because verify hashes millions of entries. The bytes, and so every stored hash, are unchanged.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def canonical_time(value: datetime) -> str:
    """UTC, microseconds, no offset: SQLite hands back naive UTC, PostgreSQL aware UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def entry_hash(
    *, seq: int, created_at: datetime, kind: str, actor: str, channel: str, memo: str,
    order_id: int | None, reverses_seq: int | None, service_minutes: int,
    idempotency_key: str | None, postings: list[tuple[int, int]], prev_hash: str,
) -> str:
    body = [
        seq, canonical_time(created_at), kind, actor, channel, memo or "", order_id, reverses_seq,
        service_minutes, idempotency_key, sorted([int(a), int(m)] for a, m in postings), prev_hash,
    ]
    data = _ENCODER.encode(body).encode("utf-8")
    return hashlib.sha256(data).hexdigest()
