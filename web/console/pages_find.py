"""The header's search box (查找): people, orders, calls and chats in the operator's subtree from one
text; the rule is ``backend.access.lookup``, this page only shows what it found."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backend.access import lookup
from backend.api.deps import SessionDep, StateDep
from backend.orders import states
from web.console import calls_view, chats_view, localtime, people_view
from web.console import orders_view
from web.console.deps import ConsoleOperatorDep
from web.console.render import render

router = APIRouter(prefix="/console")


@router.get("/find", response_class=HTMLResponse)
def find(request: Request, session: SessionDep, state: StateDep, current: ConsoleOperatorDep, q: str = ""):
    tz = state.settings.timezone
    found = lookup.find(session, current.principal, q, tz=tz)
    digits = found.digits
    day = found.day.isoformat() if found.day else ""
    more = {
        "people": "/console/people?" + urlencode({"q": found.text}),
        "orders": "/console/orders/search?" + urlencode(
            {"date_from": day, "date_to": day, "sort": "start", "dir": "asc"} if day else {"q": found.text}),
        "calls": "/console/calls?" + urlencode({"date_from": day, "date_to": day} if day else {"phone": digits})
                 if day or digits else None,  # the calls page has no name filter
        "chats": "/console/chats?" + urlencode({"date_from": day, "date_to": day} if day else
                                               {"phone": digits} if digits else {"name": found.text}),
    }
    return render(request, "console/find.html", {
        "found": found, "more": more, "q": found.text,
        "people": [{"person": p, "station": s, "roles": people_view.roles_text(p)} for p, s in found.people],
        "orders": found.orders, "persons": found.persons, "state_zh": states.STATE_ZH,
        "services": orders_view.service_names(session), "show": lambda at: localtime.show(at, tz),
        "calls": calls_view.list_rows(session, found.calls, tz), "chats": chats_view.list_rows(session, found.chats, tz),
    }, operator=current)
