"""Calls: the list with search, one call's transcript with audio per turn, and the review mark.

Every page and the audio endpoint check the call's station against the operator's scope first;
a call of another street answers exactly like a call that does not exist."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from backend.access import calls as call_actions
from backend.api.deps import SessionDep, StateDep
from backend.calls import records
from backend.core.errors import Forbidden, InvalidInput, NotFound, YinlingError
from backend.core.text import FormText
from backend.models import Call, CallTurn, Operator, Station
from web.auth import sessions
from web.auth.deps import LoginRequired, client_address
from web.console import call_audio, calls_view
from web.console.deps import ConsoleOperator, ConsoleOperatorDep
from web.console.pagekit import attempt
from web.console.render import render
from web.console.scoping import error_page, is_city_level

router = APIRouter(prefix="/console")

DONE = {"reviewed": "已标记为审核通过。", "flagged": "已标记为有问题。", "unchanged": "这个通话已经是这个状态，没有改动。"}


def media_operator(request: Request, session: SessionDep) -> ConsoleOperator:
    """The logged-in operator for audio GETs, resolved in the thread pool. Chromium opens two
    overlapping Range requests per <audio>; the async ConsoleOperatorDep queries SQLite on the event
    loop, where the second request, waiting for the write lock, would stall the first one's commit."""
    row = sessions.find(session, "console", request.cookies.get(sessions.COOKIE_NAMES["console"]),
                        datetime.now(timezone.utc))
    operator = session.get(Operator, row.subject_id) if row is not None else None
    if operator is None or not operator.active:
        raise LoginRequired("console")
    return ConsoleOperator(operator, session.get(Station, operator.station_id), row, client_address(request))


def _scoped_call(session, current: ConsoleOperator, call_sid: str) -> Call:
    return call_actions.visible_call(session, current.principal, call_sid)


@router.get("/calls", response_class=HTMLResponse)
def list_calls(request: Request, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
               phone: str = "", date_from: str = "", date_to: str = "", status: str = "", review: str = "",
               page: int = 1):
    form = calls_view.SearchForm(phone.strip()[:32], date_from, date_to, status, review, max(1, page))
    context = {"form": form, "status_zh": calls_view.STATUS_ZH, "review_zh": calls_view.REVIEW_ZH, "rows": [],
               "total": 0, "pages": 1}
    try:
        search = form.search(state.settings.timezone)
    except InvalidInput as exc:
        return render(request, "console/calls.html", {**context, "error": exc.message}, operator=current,
                      status_code=422)
    size = calls_view.PAGE_SIZE
    calls, total = records.search_calls(session, current.station.path, search, include_unplaced=is_city_level(current),
                                        limit=size, offset=(form.page - 1) * size)
    context.update(rows=calls_view.list_rows(session, calls, state.settings.timezone), total=total,
                   pages=max(1, -(-total // size)))
    return render(request, "console/calls.html", context, operator=current)


@router.get("/calls/{call_sid}", response_class=HTMLResponse)
def call_detail(request: Request, call_sid: str, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
                done: str = ""):
    try:
        call = _scoped_call(session, current, call_sid)
    except YinlingError as exc:
        return error_page(request, current, exc)
    context = calls_view.call_page(session, call, state.settings.timezone)
    return render(request, "console/call.html", {**context, "flash": DONE.get(done)}, operator=current)


@router.get("/calls/{call_sid}/turns/{seq}/audio")
def turn_audio(request: Request, call_sid: str, seq: int, session: SessionDep,
               current: Annotated[ConsoleOperator, Depends(media_operator)]):
    """The recording cut to one turn's span, as a WAV; scope checked before anything is read."""
    try:
        call = _scoped_call(session, current, call_sid)
        turn = session.scalar(select(CallTurn).where(CallTurn.call_id == call.id, CallTurn.seq == seq))
        if turn is None or not call_audio.has_span(turn):
            raise NotFound(f"call {call_sid} has no turn {seq} with audio offsets", message="这句话没有录音。")
        audio = call_audio.cut(call_audio.recording_path(call.call_sid), turn.audio_start_s, turn.audio_end_s)
    except YinlingError as exc:
        return error_page(request, current, exc)
    return Response(audio, media_type="audio/wav", headers={"Cache-Control": "private, no-store"})


@router.post("/calls/{call_sid}/review", response_class=HTMLResponse)
def review_call(request: Request, call_sid: str, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
                decision: Annotated[str, Form()], note: Annotated[FormText, Form()] = ""):
    """Mark the call reviewed or flag it with a reason (``backend.access.calls``: scope, audit)."""
    result, error = attempt(session, lambda: call_actions.review(session, current.principal, call_sid,
                                                                 decision=decision, note=note,
                                                                 now=datetime.now(timezone.utc)))
    if error is not None:
        if isinstance(error, (NotFound, Forbidden)):
            return error_page(request, current, error)
        context = calls_view.call_page(session, call_actions.visible_call(session, current.principal, call_sid),
                                       state.settings.timezone)
        return render(request, "console/call.html", {**context, "error": error.message, "note": note.strip()[:1000]},
                      operator=current, status_code=error.status)
    return RedirectResponse(f"/console/calls/{quote(call_sid)}?done={decision if result.entry else 'unchanged'}",
                            status_code=303)
