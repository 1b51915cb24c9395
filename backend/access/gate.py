"""The role check and the audit entry of one action: ``permit(who, action)`` → ``Permit``."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from backend.access import audit
from backend.access.principal import Principal
from backend.access.rules import RULES, ROLE_REFUSED_ZH
from backend.core.errors import Forbidden
from backend.models import AuditEntry


@dataclass(frozen=True)
class Permit:
    """Proof that ``who`` may take ``action``; it writes the action's audit entry."""

    who: Principal
    action: str

    def audit(self, session: Session, target: str, station_id: int | None, *, reason: str | None = None,
              detail: dict | None = None, action: str | None = None) -> AuditEntry | None:
        """One audit entry for an operator's action, in the caller's transaction. The service's writes
        are not operator actions: they carry the caller and channel on their own records."""
        if self.who.is_service:
            return None
        return audit.record(session, actor=self.who.name, action=action or self.action, target=target,
                            station_id=station_id, reason=reason, detail=detail, address=self.who.address)


def allows(who: Principal, action: str) -> bool:
    """Whether ``permit`` would let ``who`` take ``action`` (pages show or hide a form with it)."""
    rule = RULES.get(action)
    return rule is not None and (rule.service if who.is_service else who.role in rule.roles)


def permit(who: Principal, action: str) -> Permit:
    """Raises Forbidden unless ``who`` may take ``action`` (an unknown action is refused to everyone)."""
    if allows(who, action):
        return Permit(who, action)
    rule = RULES.get(action)
    if who.is_service:
        raise Forbidden(f"{action} is an operator's action, not the service's", message="这件事要由工作人员办理。")
    message = ROLE_REFUSED_ZH.get(rule.roles if rule else frozenset(), "您没有权限做这件事。")
    raise Forbidden(f"{who.name} has role {who.role}; {action} needs one of {sorted(rule.roles) if rule else []}",
                    message=message)
