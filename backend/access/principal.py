"""Who is acting: the assistant's service (on behalf of a caller it identified) or a logged-in operator."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """``kind``: "service" (the bot or hotline, full reach) or "operator".
    ``name``: the actor label stored on records and audit entries ("service", "operator:7").
    ``role``: the operator's role (admin | reviewer | clerk); None for the service.
    ``scope_path``: the operator's station path; everything whose station path starts with it is in scope.
    ``city_level``: the operator works at the top station, so records without a station are theirs too.
    ``address``: where the request came from, kept on audit entries."""

    kind: str
    name: str
    operator_id: int | None = None
    role: str | None = None
    scope_path: str = "/"
    city_level: bool = True
    address: str | None = None

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    def can_see_path(self, station_path: str) -> bool:
        return self.is_service or station_path.startswith(self.scope_path)


SERVICE = Principal(kind="service", name="service")
