"""A new family member registers (name, phone, birth date, password), then asks to be linked to an
elder by the elder's phone number. The link stays pending until the elder agrees on the phone or a
station operator verifies it; nothing about the elder is shown before that.

Looking up a number tells the member only whether it belongs to a registered elder (they need to
know that to go on), and such look-ups are rate-limited per member like failed logins, so the form
cannot be used to sweep through phone numbers.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from backend.api.deps import PolicyDep, SessionDep, SettingsDep, StateDep, TodayDep
from backend.core import ratelimit
from backend.core.errors import Conflict, Forbidden, InvalidInput, TooManyRequests
from backend.core.security import MIN_PASSWORD
from backend.models import Person
from backend.people import family_accounts, registry
from backend.people.identity import birth_date_from_text, normalise_phone
from web.auth import audit, login_csrf, login_flow
from web.auth.deps import client_address
from web.family.deps import FamilyMemberDep
from web.auth.login_flow import login_key
from web.family.pages_auth import start_session
from web.family.render import RELATION_ZH, render

router = APIRouter(prefix="/family")

LINK_RELATIONS = ("child", "spouse", "grandchild", "sibling", "parent", "other")
NOT_AN_ELDER = "这个号码还没有登记为服务对象。请老人先拨打热线登记，或到社区站点办理。"


def _register_page(request: Request, state, status_code: int = 200, error: str | None = None,
                   form: dict | None = None) -> HTMLResponse:
    return login_flow.login_page(render, request, state.settings, "family/register.html",
                                 {"error": error, "form": form or {}, "min_password": MIN_PASSWORD}, status_code)


@router.get("/register", response_class=HTMLResponse)
def register_form(request: Request, state: StateDep):
    return _register_page(request, state)


@router.post("/register")
def register(request: Request, state: StateDep, session: SessionDep, settings: SettingsDep, policy: PolicyDep,
             today: TodayDep, name: Annotated[str, Form()] = "", phone: Annotated[str, Form()] = "",
             birth_date: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
             password_again: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)
    address = client_address(request)
    form = {"name": name.strip(), "phone": phone.strip(), "birth_date": birth_date.strip()}
    key = login_key(phone)
    try:
        login_csrf.check(request, csrf_token)
        ratelimit.check_allowed(session, "register", key, address, now)
    except (Forbidden, TooManyRequests) as exc:
        return _register_page(request, state, exc.status, exc.message, form)
    try:
        person = family_accounts.register(session, name=name, phone=phone,
                                          birth_date=birth_date_from_text(birth_date, today), password=password,
                                          password_again=password_again, policy=policy,
                                          secret_key=settings.secret_key, today=today)
    except (InvalidInput, Conflict) as exc:
        ratelimit.record(session, "register", key, address, False, now)
        return _register_page(request, state, exc.status, exc.message, form)
    ratelimit.record(session, "register", key, address, True, now)
    audit.record(session, actor=f"person:{person.id}", action="family.register", target=f"person:{person.id}",
                 station_id=person.station_id, address=address)
    return start_session(request, state, session, person, now, "/family/link")


def _link_page(request: Request, member, status_code: int = 200, error: str | None = None, form: dict | None = None):
    return render(request, "family/link.html", {"error": error, "form": form or {}, "relations": LINK_RELATIONS,
                                                "relation_zh": RELATION_ZH}, member=member, status_code=status_code)


@router.get("/link", response_class=HTMLResponse)
def link_form(request: Request, member: FamilyMemberDep):
    return _link_page(request, member)


@router.post("/link")
def request_link(request: Request, session: SessionDep, member: FamilyMemberDep,
                 elder_phone: Annotated[str, Form()] = "", relation: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)
    form = {"elder_phone": elder_phone.strip(), "relation": relation}
    limit_key = f"link:{member.person.id}"
    try:
        ratelimit.check_allowed(session, "famlink", limit_key, member.address, now)
        if relation not in LINK_RELATIONS:
            raise InvalidInput(f"relation {relation!r} not offered", code="invalid_relation", message="请选择亲属关系。")
        elder = session.scalar(select(Person).where(Person.phone == normalise_phone(elder_phone)))
        if elder is None or not elder.is_elder or elder.id == member.person.id:
            raise InvalidInput("no registered elder with this phone", code="elder_not_found", message=NOT_AN_ELDER)
        link = registry.link_family(session, elder.id, member.person.id, relation, consent="pending")
    except TooManyRequests as exc:
        return _link_page(request, member, exc.status, exc.message, form)
    except (InvalidInput, Conflict) as exc:
        ratelimit.record(session, "famlink", limit_key, member.address, False, now)
        return _link_page(request, member, exc.status, exc.message, form)
    member.audit(session, "family.link_request", f"family_link:{link.id}", elder.station_id,
                 detail={"elder_id": elder.id, "relation": relation})
    return RedirectResponse("/family/?link=sent", status_code=303)
