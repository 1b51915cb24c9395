"""The audit trail: who did what, when, to what and why. Written in the same transaction as the
action itself, so an action and its audit entry land together or not at all."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import AuditEntry


def record(session: Session, *, actor: str, action: str, target: str, station_id: int | None,
           reason: str | None = None, detail: dict | None = None, address: str | None = None,
           at: datetime | None = None) -> AuditEntry:
    entry = AuditEntry(actor=actor, action=action, target=target, station_id=station_id, reason=reason,
                       detail_json=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
                       address=address)
    if at is not None:
        entry.at = at
    session.add(entry)
    session.flush()
    return entry


def for_target(session: Session, target: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.target == target).order_by(AuditEntry.id)))
