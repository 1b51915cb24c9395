"""Replaying the first answer to a retried write.

The record is inserted *before* the work, inside a savepoint: a concurrent request with the same
key waits on the unique index, then finds the committed record and replays it. If the work fails
the whole transaction, record included, rolls back, so a retry runs again.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core.errors import IdempotencyConflict, InvalidInput
from backend.models import IdempotencyRecord


def request_hash(body: Any) -> str:
    data = json.dumps(jsonable_encoder(body), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str, key: str) -> Any:
    if record.request_hash != digest:
        raise IdempotencyConflict(f"Idempotency-Key {key!r} was used with a different body")
    return json.loads(record.response_json)


def run_once(session: Session, scope: str, key: str | None, body: Any, work: Callable[[], Any]) -> Any:
    """Run ``work`` once per (scope, key); return its JSON-able result, replayed on retries."""
    if key is None:
        return jsonable_encoder(work())
    if not 1 <= len(key) <= 200:
        raise InvalidInput("Idempotency-Key must be 1-200 characters", code="invalid_idempotency_key")
    digest = request_hash(body)
    found = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key))
    if found is not None:
        return _replay(found, digest, key)
    record = IdempotencyRecord(scope=scope, key=key, request_hash=digest, status_code=0, response_json="null")
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        found = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
                               .execution_options(populate_existing=True))
        return _replay(found, digest, key)
    result = jsonable_encoder(work())
    record.status_code, record.response_json = 200, json.dumps(result, ensure_ascii=False)
    session.flush()
    return result
