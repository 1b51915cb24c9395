"""The volunteer's home page: offers (what, when, how far; never the address) with accept and decline,
and my services (the elder's address and a call button once accepted) with check-in and check-out at the
door and rating the elder afterwards, and the cases about their services with their outcome. Each action
is one call into ``backend.volunteers``."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from backend.api.deps import PolicyDep, SessionDep, SettingsDep
from backend.core.errors import YinlingError
from backend.disputes import parties
from backend.fulfilment import ratings
from backend.ledger.coin_words import coins_text
from backend.models import Order
from backend.orders import states
from backend.volunteers import door, offers, services
from web.volunteer.deps import Volunteer, VolunteerDep
from web.volunteer.pagekit import attempt, done, flash_for, position
from web.volunteer.render import render

router = APIRouter(prefix="/volunteer")
HOME = "/volunteer/"


def home_page(request: Request, session, volunteer: Volunteer, settings, *, error: YinlingError | None = None,
              flash: str | None = None, status_code: int = 200) -> HTMLResponse:
    now = datetime.now(timezone.utc)
    ahead, finished = services.mine(session, volunteer.id, tz=settings.timezone)
    cases = [parties.view(session, case, "volunteer", settings.timezone)
             for case in parties.for_volunteer(session, volunteer.id, now)]
    context = {"offers": offers.open_for(session, volunteer.id, now=now, tz=settings.timezone), "ahead": ahead,
               "finished": finished, "cases": cases, "flash": flash, "error": error.message if error else None,
               "verified": volunteer.person.status == "verified"}
    return render(request, "volunteer/home.html", context, volunteer=volunteer, status_code=status_code)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, volunteer: VolunteerDep, settings: SettingsDep,
         done: str | None = None):
    return home_page(request, session, volunteer, settings, flash=flash_for(session, volunteer, done))


def _act(request, session, volunteer, settings, work, action: str, detail=lambda order: {}):
    """Runs ``work`` (returns the order); on success audits and redirects, else re-shows home with the reason."""
    order, error = attempt(session, work)
    if error is not None:
        return home_page(request, session, volunteer, settings, error=error, status_code=error.status)
    entry = volunteer.audit(session, action, f"order:{order.id}", order.station_id, detail=detail(order))
    return done(HOME, entry)


@router.post("/offers/{order_id}/accept")
def accept(request: Request, order_id: int, session: SessionDep, volunteer: VolunteerDep, settings: SettingsDep):
    now = datetime.now(timezone.utc)
    return _act(request, session, volunteer, settings,
                lambda: offers.accept(session, volunteer.id, order_id, channel="web", now=now), "volunteer.accept")


@router.post("/offers/{order_id}/decline")
def decline(request: Request, order_id: int, session: SessionDep, volunteer: VolunteerDep, settings: SettingsDep,
            policy: PolicyDep):
    now = datetime.now(timezone.utc)
    return _act(request, session, volunteer, settings,
                lambda: offers.decline(session, volunteer.id, order_id, policy=policy, tz=settings.timezone, now=now),
                "volunteer.decline")


@router.post("/services/{order_id}/check-in")
def check_in(request: Request, order_id: int, session: SessionDep, volunteer: VolunteerDep, settings: SettingsDep,
             policy: PolicyDep, lat: Annotated[str, Form()] = "", lon: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)

    def work():
        here = position(lat, lon)
        return door.check_in(session, volunteer.id, order_id, lat=here[0], lon=here[1], at=now, policy=policy)
    return _act(request, session, volunteer, settings, work, "volunteer.check_in")


def _outcome(order: Order) -> dict:
    if order.state == states.COMPLETED:
        return {"outcome": "completed", "credited": coins_text(order.served_minutes or 0)}
    return {"outcome": "held"}


@router.post("/services/{order_id}/check-out")
def check_out(request: Request, order_id: int, session: SessionDep, volunteer: VolunteerDep, settings: SettingsDep,
              policy: PolicyDep, lat: Annotated[str, Form()] = "", lon: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)

    def work():
        here = position(lat, lon)
        return door.check_out(session, volunteer.id, order_id, lat=here[0], lon=here[1], at=now, policy=policy,
                              tz=settings.timezone)
    return _act(request, session, volunteer, settings, work, "volunteer.check_out", _outcome)


@router.post("/services/{order_id}/rating")
def rate(request: Request, order_id: int, session: SessionDep, volunteer: VolunteerDep, settings: SettingsDep,
         stars: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = ""):
    now = datetime.now(timezone.utc)

    def work():
        order = services.own_order(session, volunteer.id, order_id)
        value = int(stars) if stars.isdigit() else 0
        ratings.rate(session, order.id, by_person_id=volunteer.id, stars=value,
                     comment=comment.strip()[:500] or None, complaint=False, channel="web", at=now)
        return order
    return _act(request, session, volunteer, settings, work, "volunteer.rate",
                lambda order: {"stars": int(stars) if stars.isdigit() else None})
