"""The partner page: login and logout (login name and argon2-checked password, rate-limited tries, a
server-side session of the realm "partner"), confirming a collection code once, checking a benefit code.
A refused code changes nothing: the page says why in Chinese."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from backend.api.deps import PolicyDep, SessionDep, SettingsDep, StateDep
from backend.core import ratelimit
from backend.core.errors import Forbidden, TooManyRequests, YinlingError
from backend.core.security import check_login_password
from backend.mall import benefits, redemption
from backend.models import MallGoods, MallPartner, Person
from web.auth import audit, login_flow
from web.auth.deps import client_address
from web.partner.deps import REALM, PartnerDep
from web.partner.render import render

router = APIRouter(prefix="/partner")
HOME = "/partner/"
WRONG_ZH = "登录名或密码不对。"


def _login_page(request, state, status_code=200, error=None, login="", next_path=HOME):
    return login_flow.login_page(render, request, state.settings, "partner/login.html",
                                 {"error": error, "login": login, "next": next_path}, status_code)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, state: StateDep, next: str | None = None):
    return _login_page(request, state, next_path=login_flow.safe_next(next, HOME))


@router.post("/login")
def login(request: Request, state: StateDep, session: SessionDep, login: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)
    address = client_address(request)
    key, target = login.strip().lower()[:40], login_flow.safe_next(next, HOME)
    try:
        login_flow.gate(request, session, REALM, key, csrf_token, now)
    except (Forbidden, TooManyRequests) as exc:
        return _login_page(request, state, exc.status, exc.message, login.strip(), target)
    partner = session.scalar(select(MallPartner).where(MallPartner.login == key))
    # One argon2 verification whether or not the login exists (a dummy hash otherwise), as on every other
    # login: the answer time does not tell which partner logins exist.
    ok = check_login_password(partner.password_hash if partner is not None else None, password) \
        and partner is not None and partner.active
    ratelimit.record(session, REALM, key, address, ok, now)
    if not ok:
        return _login_page(request, state, 401, WRONG_ZH, login.strip(), target)
    audit.record(session, actor=f"partner:{partner.id}", action="partner.login", target=f"mall_partner:{partner.id}",
                 station_id=partner.station_id, address=address)
    return login_flow.start_session(request, state.settings, session, REALM, partner.id, now, target)


@router.post("/logout")
def logout(state: StateDep, session: SessionDep, partner: PartnerDep):
    partner.audit(session, "partner.logout", f"mall_partner:{partner.id}")
    return login_flow.end_session(state.settings, session, REALM, partner.web, datetime.now(timezone.utc),
                                  "/partner/login")


def _home(request, partner, *, result=None, error=None, code="", status_code=200):
    return render(request, "partner/home.html", {"result": result, "error": error, "code": code},
                  partner=partner, status_code=status_code)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, partner: PartnerDep):
    return _home(request, partner)


@router.post("/collect", response_class=HTMLResponse)
def collect(request: Request, session: SessionDep, settings: SettingsDep, partner: PartnerDep,
            code: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)
    try:
        with session.begin_nested():
            row = redemption.collect(session, partner_id=partner.id, code=code, at=now, tz=settings.timezone)
    except YinlingError as exc:
        return _home(request, partner, error=exc.message, code=code.strip()[:20], status_code=exc.status)
    goods, person = session.get(MallGoods, row.goods_id), session.get(Person, row.person_id)
    partner.audit(session, "partner.collect", f"mall_redemption:{row.id}", detail={"goods": goods.name})
    return _home(request, partner, result={
        "kind": "collected", "text": f"领取码有效，已确认领取：{goods.name}。请把物品交给{person.name}。"})


@router.post("/benefit", response_class=HTMLResponse)
def check_benefit(request: Request, session: SessionDep, settings: SettingsDep, policy: PolicyDep,
                  partner: PartnerDep, code: Annotated[str, Form()] = ""):
    try:
        found = benefits.verify(session, partner_id=partner.id, code=code, policy=policy,
                                secret_key=settings.secret_key)
    except YinlingError as exc:
        return _home(request, partner, error=exc.message, code=code.strip()[:40], status_code=exc.status)
    return _home(request, partner, result={
        "kind": "benefit", "text": f"优惠码有效：{found.person.name}，{found.stars}，累计服务{found.hours}。"
                                   f"可享受：{found.benefit.offer}。"})
