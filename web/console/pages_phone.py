"""The browser phone behind the console login (``IVR_BROWSER_PHONE=operators``): an operator calls
the hotline from the browser, for training or on an elder's behalf, but only as the number of a
person in their own scope, and each call is audited. Other settings: the route answers 404 (the
local demo's phone is /ivr/phone, loopback clients only; see ivr/app.py)."""
from __future__ import annotations

from html import escape

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select

from backend.access import permit
from backend.api.deps import SessionDep
from backend.models import Person
from ivr.app import STATIC as IVR_STATIC
from ivr.app import BrowserCall, browser_grant
from web.console.deps import ConsoleOperatorDep
from web.console.scoping import can_see_station

router = APIRouter(prefix="/console/phone", include_in_schema=False)
NOT_YOURS = "只能用您辖区内登记过的号码拨打。"


def operators_phone_enabled(request: Request) -> None:
    services = getattr(request.app.state, "ivr", None)
    if services is None or services.settings.browser_phone != "operators":
        raise HTTPException(404)


@router.get("", dependencies=[Depends(operators_phone_enabled)])
def phone_page(current: ConsoleOperatorDep) -> HTMLResponse:
    page = (IVR_STATIC / "phone.html").read_text(encoding="utf-8")
    page = page.replace('content="/ivr/phone/session"', 'content="/console/phone/session"')
    page = page.replace('name="csrf-token" content=""', f'name="csrf-token" content="{escape(current.csrf_token)}"')
    return HTMLResponse(page)


@router.post("/session", dependencies=[Depends(operators_phone_enabled)])
def phone_session(body: BrowserCall, request: Request, session: SessionDep, current: ConsoleOperatorDep):
    gate = permit(current.principal, "browser_phone.call")
    phone = body.caller.strip()
    person = session.scalar(select(Person).where(Person.phone == phone)) if phone else None
    if person is None or not can_see_station(session, current, person.station_id):
        return JSONResponse({"code": "number_not_in_scope", "message": NOT_YOURS,
                             "detail": "the number is not a registered person in the operator's scope"},
                            status_code=403)
    grant = browser_grant(request.app.state.ivr, phone)
    gate.audit(session, f"person:{person.id}", person.station_id, detail={"call_sid": grant["call_sid"]})
    return grant
