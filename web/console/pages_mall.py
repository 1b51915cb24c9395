"""The mall in the console (商城): goods with stock, partners, benefits and redemptions of the operator's
subtree; reviewers and admins create and edit them, change stock and reverse a redemption with a reason.
Every action is one call into ``backend.access.mall`` (role, scope, audit); a refusal stores nothing."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from backend.access import mall as mall_actions
from backend.access.gate import allows
from backend.api.deps import PolicyDep, SessionDep
from backend.core.errors import InvalidInput
from backend.core.text import FormText
from backend.mall import benefits, catalogue, redemption
from backend.models import MallBenefit, MallGoods, MallPartner, MallRedemption, Person, Station
from web.console.deps import ConsoleOperatorDep
from web.console.pagekit import attempt, done, flash_for, message_of, now_utc, page_tools, refusal
from web.console.render import render
from web.console.scoping import stations_in_scope

router = APIRouter(prefix="/console")
PAGE = "/console/mall"
RECENT = 100


def _page(request, session, policy, current, *, flash=None, error=None, form=None, status_code=200, station=""):
    """The subtree's mall, or one station's (and below) when ``station`` names one in scope."""
    in_scope = stations_in_scope(session, current)
    chosen = next((s for s in in_scope if str(s.id) == station), None)
    path = chosen.path if chosen else current.station.path
    partners = catalogue.in_subtree(session, MallPartner, path)
    names = {p.id: p.name for p in partners}
    rows = session.execute(select(MallRedemption, MallGoods, Person)
                           .join(MallGoods, MallGoods.id == MallRedemption.goods_id)
                           .join(Person, Person.id == MallRedemption.person_id)
                           .join(Station, Station.id == MallRedemption.station_id)
                           .where(Station.path.startswith(path))
                           .order_by(MallRedemption.id.desc()).limit(RECENT)).all()
    stations = {s.id: s.name for s in in_scope}
    return render(request, "console/mall.html", {
        **page_tools(request, session), "partners": partners, "partner_names": names, "stations": stations,
        "goods": catalogue.in_subtree(session, MallGoods, path),
        "benefit_rows": [(b, benefits.threshold_text(b)) for b in catalogue.in_subtree(session, MallBenefit, path)],
        "redemptions": list(rows), "status_zh": redemption.STATUS_ZH, "show_code": redemption.show_code,
        "kinds": catalogue.PARTNER_KINDS, "can_manage": allows(current.principal, "mall.goods.save"),
        "flash": flash, "error": error, "form": form or {}, "chosen": chosen.id if chosen else None,
    }, operator=current, status_code=status_code)


@router.get("/mall", response_class=HTMLResponse)
def mall_page(request: Request, session: SessionDep, policy: PolicyDep, current: ConsoleOperatorDep,
              done: str | None = None, station: str = ""):
    return _page(request, session, policy, current, flash=flash_for(session, current, done), station=station)


def _act(request, session, policy, current, work, form: dict):
    result, error = attempt(session, work)
    if error is not None:
        page = refusal(request, current, error, back_url=PAGE, back_label="返回商城")
        return page or _page(request, session, policy, current, error=message_of(error), form=form,
                             status_code=error.status)
    return done(PAGE, result.entry)


def _int(value: str, what: str) -> int:
    if not str(value).strip().isdigit() or len(str(value).strip()) > 12:
        raise InvalidInput(f"{what} {value!r} is not an id", code="invalid_choice", message=f"请选择{what}。")
    return int(str(value).strip())


def _partner_form(name, kind, station_id, address, login, password) -> catalogue.PartnerForm:
    return catalogue.PartnerForm(name=name, kind=kind, station_id=_int(station_id, "站点"), address=address,
                                 login=login, password=password)


@router.post("/mall/partners")
def create_partner(request: Request, session: SessionDep, policy: PolicyDep, current: ConsoleOperatorDep,
                   name: Annotated[FormText, Form()] = "", kind: Annotated[str, Form()] = "",
                   station_id: Annotated[str, Form()] = "", address: Annotated[FormText, Form()] = "",
                   login: Annotated[str, Form()] = "", password: Annotated[str, Form()] = ""):
    form = {"what": "partner", "name": name, "kind": kind, "station_id": station_id, "address": address, "login": login}
    return _act(request, session, policy, current, lambda: mall_actions.save_partner(
        session, current.principal, _partner_form(name, kind, station_id, address, login, password)), form)


@router.post("/mall/partners/{partner_id:int}")
def edit_partner(request: Request, partner_id: int, session: SessionDep, policy: PolicyDep,
                 current: ConsoleOperatorDep, name: Annotated[FormText, Form()] = "", kind: Annotated[str, Form()] = "",
                 station_id: Annotated[str, Form()] = "", address: Annotated[FormText, Form()] = "",
                 login: Annotated[str, Form()] = "", password: Annotated[str, Form()] = ""):
    form = {"what": f"partner-{partner_id}"}
    return _act(request, session, policy, current, lambda: mall_actions.save_partner(
        session, current.principal, _partner_form(name, kind, station_id, address, login, password), partner_id), form)


def _goods_form(name, price, pickup, partner_id, active) -> catalogue.GoodsForm:
    return catalogue.GoodsForm(name=name, price=price, pickup=pickup, partner_id=_int(partner_id, "合作单位"),
                               active=active != "0")


@router.post("/mall/goods")
def create_goods(request: Request, session: SessionDep, policy: PolicyDep, current: ConsoleOperatorDep,
                 name: Annotated[FormText, Form()] = "", price: Annotated[str, Form()] = "",
                 stock: Annotated[str, Form()] = "0", pickup: Annotated[FormText, Form()] = "",
                 partner_id: Annotated[str, Form()] = ""):
    form = {"what": "goods", "name": name, "price": price, "stock": stock, "pickup": pickup, "partner_id": partner_id}

    def work():
        opening = catalogue.whole_number(stock or "0", "库存")
        return mall_actions.save_goods(session, current.principal, _goods_form(name, price, pickup, partner_id, "1"),
                                       stock=opening)
    return _act(request, session, policy, current, work, form)


@router.post("/mall/goods/{goods_id:int}")
def edit_goods(request: Request, goods_id: int, session: SessionDep, policy: PolicyDep, current: ConsoleOperatorDep,
               name: Annotated[FormText, Form()] = "", price: Annotated[str, Form()] = "",
               pickup: Annotated[FormText, Form()] = "", partner_id: Annotated[str, Form()] = "",
               active: Annotated[str, Form()] = "1"):
    return _act(request, session, policy, current, lambda: mall_actions.save_goods(
        session, current.principal, _goods_form(name, price, pickup, partner_id, active), goods_id),
        {"what": f"goods-{goods_id}"})


@router.post("/mall/goods/{goods_id:int}/stock")
def change_stock(request: Request, goods_id: int, session: SessionDep, policy: PolicyDep, current: ConsoleOperatorDep,
                 change: Annotated[str, Form()] = "", reason: Annotated[FormText, Form()] = ""):
    def work():
        amount = catalogue.whole_number(change, "库存变化", low=-catalogue.MAX_STOCK, high=catalogue.MAX_STOCK)
        return mall_actions.restock(session, current.principal, goods_id, amount, reason=reason)
    return _act(request, session, policy, current, work, {"what": f"stock-{goods_id}", "change": change})


def _benefit_form(partner_id, offer, min_stars, min_hours, active) -> catalogue.BenefitForm:
    return catalogue.BenefitForm(partner_id=_int(partner_id, "合作单位"), offer=offer, min_stars=min_stars,
                                 min_hours=min_hours, active=active != "0")


@router.post("/mall/benefits")
def create_benefit(request: Request, session: SessionDep, policy: PolicyDep, current: ConsoleOperatorDep,
                   partner_id: Annotated[str, Form()] = "", offer: Annotated[FormText, Form()] = "",
                   min_stars: Annotated[str, Form()] = "", min_hours: Annotated[str, Form()] = ""):
    form = {"what": "benefit", "partner_id": partner_id, "offer": offer, "min_stars": min_stars, "min_hours": min_hours}
    return _act(request, session, policy, current, lambda: mall_actions.save_benefit(
        session, current.principal, _benefit_form(partner_id, offer, min_stars, min_hours, "1"), policy=policy), form)


@router.post("/mall/benefits/{benefit_id:int}")
def edit_benefit(request: Request, benefit_id: int, session: SessionDep, policy: PolicyDep,
                 current: ConsoleOperatorDep, partner_id: Annotated[str, Form()] = "",
                 offer: Annotated[FormText, Form()] = "", min_stars: Annotated[str, Form()] = "",
                 min_hours: Annotated[str, Form()] = "", active: Annotated[str, Form()] = "1"):
    return _act(request, session, policy, current, lambda: mall_actions.save_benefit(
        session, current.principal, _benefit_form(partner_id, offer, min_stars, min_hours, active), benefit_id,
        policy=policy), {"what": f"benefit-{benefit_id}"})


@router.post("/mall/redemptions/{redemption_id:int}/reverse")
def reverse(request: Request, redemption_id: int, session: SessionDep, policy: PolicyDep, current: ConsoleOperatorDep,
            reason: Annotated[FormText, Form()] = ""):
    return _act(request, session, policy, current, lambda: mall_actions.reverse_redemption(
        session, current.principal, redemption_id, reason=reason, at=now_utc()),
        {"what": f"reverse-{redemption_id}", "reason": reason})
