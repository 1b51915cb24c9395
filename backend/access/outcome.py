"""What a use case returns: the record it changed and the audit entry that says so."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from backend.models import AuditEntry

T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    """``value``: the changed record. ``entry``: the operator's audit entry; None when the service acted,
    or when the action asked for what already was (a form sent twice), so nothing changed."""

    value: T
    entry: AuditEntry | None
