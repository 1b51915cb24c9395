"""Paper back-fill (补登): services recorded on paper while the system was down, entered one at a time
or as a CSV sheet, through the backend's own back-fill (``backend.orders.backfill``, ``paper_csv``).

A back-fill credits the volunteer under a key derived from the paper record, so entering or uploading
the same record twice credits once. A sheet with any bad row (or any elder outside the operator's
scope) imports nothing, and the page names every bad row."""
from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from backend.access import orders as order_actions
from backend.access import permit
from backend.api.deps import PolicyDep, SessionDep
from backend.catalogue.catalogue import list_services
from backend.core.errors import InvalidInput, NotFound
from backend.core.text import FormText
from backend.models import Order, Person, Station
from backend.orders.backfill import PaperRecord
from backend.orders.paper_csv import COLUMNS, import_sheet
from backend.orders.states import STATE_ZH
from backend.people.registry import find_by_phone
from web.console.deps import ConsoleOperator, ConsoleOperatorDep
from web.console.orders_view import paper_orders, service_names
from web.console.pagekit import attempt, done, flash_for, in_scope, message_of, now_utc, page_tools, refusal
from web.console.render import render

router = APIRouter(prefix="/console")
Text = Annotated[FormText, Form()]  # cleaned of control and bidi characters
MAX_SHEET_BYTES = 1_000_000
PICK_LIMIT = 300


def _people_in_scope(session, current: ConsoleOperator, elders: bool) -> list[Person]:
    role = Person.is_elder if elders else Person.is_volunteer
    return list(session.scalars(select(Person).join(Station, Station.id == Person.station_id)
                                .where(Station.path.startswith(current.station.path), role)
                                .order_by(Person.name).limit(PICK_LIMIT)))


def _page(request: Request, session, current: ConsoleOperator, *, status_code: int = 200, **extra):
    tools = page_tools(request, session)
    recent = paper_orders(session, current)
    tools["names"].load([o.recipient_id for o in recent] + [o.volunteer_id for o in recent])
    context = {**tools, "services": list_services(session), "service_names": service_names(session),
               "elders": _people_in_scope(session, current, True),
               "volunteers": _people_in_scope(session, current, False),
               "recent": recent, "columns": COLUMNS, "state_zh": STATE_ZH, "form": {}, "rows": [], **extra}
    return render(request, "console/backfill.html", context, operator=current, status_code=status_code)


@router.get("/backfill", response_class=HTMLResponse)
def backfill_page(request: Request, session: SessionDep, current: ConsoleOperatorDep, done: str | None = None):
    return _page(request, session, current, flash=flash_for(session, current, done))


def _person(session, raw: str, who: str) -> Person:
    try:
        return find_by_phone(session, raw or "")
    except (NotFound, InvalidInput) as exc:
        problem = "不对" if exc.code == "invalid_phone" else "还没有登记"
        raise InvalidInput(f"{who}: {exc.detail}", code=exc.code, message=f"{who}的电话号码{problem}。") from exc


def _record(session, current: ConsoleOperator, tz: str, form: dict) -> PaperRecord:
    elder = _person(session, form["elder_phone"], "老人")
    if not in_scope(session, current, elder.station_id):  # answered exactly as a number nobody registered
        raise InvalidInput(f"老人: person {elder.id} is outside {current.actor}'s scope", code="not_found",
                           message="老人的电话号码还没有登记。")
    volunteer = _person(session, form["volunteer_phone"], "志愿者")
    try:
        start = datetime.fromisoformat(f"{form['day'].strip()}T{form['clock'].strip()}").replace(tzinfo=ZoneInfo(tz))
        minutes = int(form["duration"].strip())
    except ValueError:
        raise InvalidInput(f"bad date/time/duration {form!r}", code="invalid_time",
                           message="日期、时间或时长格式不对。") from None
    if minutes <= 0:
        raise InvalidInput(f"duration {minutes} is not positive", code="invalid_duration", message="服务时长不对。")
    return PaperRecord(volunteer_id=volunteer.id, recipient_id=elder.id, service_slug=form["service"].strip(),
                       started_at=start, ended_at=start + timedelta(minutes=minutes), reason=form["reason"],
                       recorded_by=current.actor)


@router.post("/backfill", response_class=HTMLResponse)
def backfill_one(request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
                 elder_phone: Text = "", volunteer_phone: Text = "", service: Text = "", day: Text = "",
                 clock: Text = "", duration: Text = "", reason: Text = ""):
    form = {"elder_phone": elder_phone, "volunteer_phone": volunteer_phone, "service": service, "day": day,
            "clock": clock, "duration": duration, "reason": reason}
    tz = request.app.state.yinling.settings.timezone
    now = now_utc()
    result, error = attempt(session, lambda: order_actions.paper_backfill(
        session, current.principal, _record(session, current, tz, form), policy=policy, now=now,
        today=now.astimezone(ZoneInfo(tz)).date()))
    if error:
        return _page(request, session, current, status_code=error.status, error=message_of(error), form=form)
    if result.entry is None:
        return _page(request, session, current,
                     flash=f"这条纸质记录已经补登过（订单 #{result.value.id}），没有重复记账。")
    return done("/console/backfill", result.entry)


def _import(session, current: ConsoleOperator, path: Path, policy, tz: str) -> tuple[list[Order], int]:
    """All rows or none; an elder outside the operator's scope fails the sheet like any bad row."""
    permit(current.principal, "backfill.import")
    newest = session.scalar(select(func.max(Order.id))) or 0
    try:
        orders = import_sheet(session, path, tz=tz, recorded_by=current.actor, policy=policy, now=now_utc())
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"sheet is not UTF-8: {exc}", code="invalid_sheet",
                           message="文件不是 UTF-8 编码的 CSV，请在表格软件里另存为“CSV UTF-8”。") from exc
    # Worded exactly as a phone number nobody registered: the sheet must not reveal who lives in another street.
    outside = [(line, "这个号码还没有登记。", f"order {o.id} station {o.station_id}")
               for line, o in enumerate(orders, start=2) if not in_scope(session, current, o.station_id)]
    if outside:
        error = InvalidInput(f"{len(outside)} row(s) outside the operator's scope", code="invalid_sheet",
                             message="补登表格有错误，没有导入。")
        error.rows = outside
        raise error
    if not orders:
        raise InvalidInput("the sheet has no rows", code="empty_sheet", message="表格里没有记录。")
    return orders, sum(1 for o in orders if o.id <= newest)


@router.post("/backfill/csv", response_class=HTMLResponse)
def backfill_sheet(request: Request, session: SessionDep, current: ConsoleOperatorDep, policy: PolicyDep,
                   sheet: Annotated[UploadFile | None, File()] = None):
    data = sheet.file.read(MAX_SHEET_BYTES + 1) if sheet is not None else b""
    if not data or len(data) > MAX_SHEET_BYTES:
        message = "请选择要上传的 CSV 文件。" if not data else "文件太大了（最多 1 MB）。"
        return _page(request, session, current, status_code=422, error=message)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheet.csv"
        path.write_bytes(data)
        result, error = attempt(session, lambda: _import(session, current, path, policy,
                                                         request.app.state.yinling.settings.timezone))
    if error:
        page = refusal(request, current, error, back_url="/console/backfill", back_label="返回补登")
        if page is not None:
            return page
        rows = [(line, message) for line, message, _detail in getattr(error, "rows", [])]
        return _page(request, session, current, status_code=error.status, error=message_of(error), rows=rows)
    orders, repeated = result
    entry = permit(current.principal, "backfill.import").audit(
        session, f"sheet:{sheet.filename or 'upload'}"[:80], current.station.id,
        detail={"count": len(orders), "repeated": repeated, "order_ids": [o.id for o in orders]})
    return done("/console/backfill", entry)
