"""The audit trail: every operator action in the operator's subtree (and their own), newest first,
filtered by action, actor or target; each row says when, who, what, to what, and why."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backend.api.deps import SessionDep, StateDep
from web.console import audit_view, localtime
from web.console.deps import ConsoleOperatorDep
from web.console.render import render
from web.console.scoping import is_city_level

router = APIRouter(prefix="/console")


@router.get("/audit", response_class=HTMLResponse)
def audit_trail(request: Request, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
                action: str = "", actor: str = "", target: str = "", page: int = 1):
    scope, city = current.station.path, is_city_level(current)
    operators = audit_view.operators_in_scope(session, scope)
    allowed_actors = {f"operator:{o.id}" for o in operators} | {current.actor}
    wanted = audit_view.AuditSearch(action=action[:60], actor=actor if actor in allowed_actors else "",
                                    target=target.strip()[:80])
    page = max(1, page)
    size = audit_view.PAGE_SIZE
    entries, total = audit_view.search(session, scope, current.actor, city, wanted, limit=size,
                                       offset=(page - 1) * size)
    names = audit_view.actor_names(session, entries)
    targets = audit_view.target_labels(session, entries)
    pages = max(1, -(-total // size))
    query = {k: v for k, v in (("action", wanted.action), ("actor", wanted.actor), ("target", wanted.target)) if v}
    tz = state.settings.timezone
    return render(request, "console/audit.html", {
        "wanted": wanted, "total": total, "page": page, "pages": pages,
        "actions": [(a, audit_view.action_text(a)) for a in audit_view.visible_actions(session, scope, current.actor, city)],
        "operators": operators,
        "rows": [{"entry": e, "at": localtime.show(e.at, tz, with_seconds=True), "who": audit_view.actor_text(names, e.actor),
                  "what": audit_view.action_text(e.action), "link": audit_view.target_link(e.target),
                  "target": targets.get(e.target, e.target)}
                 for e in entries],
        "prev_url": f"/console/audit?{urlencode({**query, 'page': page - 1})}" if page > 1 else None,
        "next_url": f"/console/audit?{urlencode({**query, 'page': page + 1})}" if page < pages else None,
    }, operator=current)
