"""A new family member registers (name, phone, birth date, password), then asks to be linked to an
elder by the elder's phone number. The link stays pending until the elder agrees on the phone or a
station operator verifies it; nothing about the elder is shown before that.

Looking up a number tells the member only whether it belongs to a registered elder (they need to
know that to go on), and such look-ups are rate-limited per member like failed logins, so the form
cannot be used to sweep through phone numbers.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from backend.api.deps import PolicyDep, SessionDep, SettingsDep, StateDep, TodayDep
from backend.core import ratelimit
from backend.core.errors import Conflict, Forbidden, InvalidInput, TooManyRequests
from backend.core.security import hash_password
from backend.models import Person, Station
from backend.people import registry
from backend.people.identity import normalise_phone
from web.auth import audit, login_csrf, login_flow
from web.auth.deps import client_address
from web.family.deps import FamilyMemberDep
from web.family.pages_auth import login_key, start_session
from web.family.render import RELATION_ZH, render

router = APIRouter(prefix="/family")

MIN_PASSWORD, MAX_PASSWORD = 8, 128
LINK_RELATIONS = ("child", "spouse", "grandchild", "sibling", "parent", "other")
NOT_AN_ELDER = "这个号码还没有登记为服务对象。请老人先拨打热线登记，或到社区站点办理。"


def _register_page(request: Request, state, status_code: int = 200, error: str | None = None,
                   form: dict | None = None) -> HTMLResponse:
    return login_flow.login_page(render, request, state.settings, "family/register.html",
                                 {"error": error, "form": form or {}, "min_password": MIN_PASSWORD}, status_code)


def _parse_birth_date(raw: str, today: date) -> date:
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise InvalidInput(f"birth date {raw!r} is not YYYY-MM-DD", message="出生日期不对。") from exc
    if value.year < 1900 or value > today:
        raise InvalidInput(f"birth date {value} out of range", message="出生日期不对。")
    return value


def _check_password(password: str, again: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"password must be {MIN_PASSWORD}-{MAX_PASSWORD} characters",
                           code="weak_password", message=f"密码至少要{MIN_PASSWORD}位。")
    if password != again:
        raise InvalidInput("the two passwords differ", code="password_mismatch", message="两次输入的密码不一样。")


def _root_station(session) -> Station:
    """Members registered on the web belong to the top station until an operator moves them."""
    station = session.scalar(select(Station).where(Station.parent_id.is_(None)).order_by(Station.id).limit(1))
    if station is None:
        raise InvalidInput("no station exists yet", code="no_station", message="系统还没有设置站点，请联系工作人员。")
    return station


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
        _check_password(password, password_again)
        new = registry.NewPerson(name=name, phone=phone, birth_date=_parse_birth_date(birth_date, today),
                                 station_id=_root_station(session).id, roles=["family"], status="pending")
        person = registry.register_person(session, new, policy=policy, secret_key=settings.secret_key, today=today)
    except (InvalidInput, Conflict) as exc:
        ratelimit.record(session, "register", key, address, False, now)
        return _register_page(request, state, exc.status, exc.message, form)
    person.password_hash = hash_password(password)
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
