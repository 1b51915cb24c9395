"""Family chats beside the calls: the list with search, one chat's transcript with the orders and requests
for a person it produced, and the review mark (``backend.access.chats``: the same scope and audit as calls).
A chat of another street answers exactly like a chat that does not exist."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.access import chats as chat_actions
from backend.api.deps import SessionDep, StateDep
from backend.core.errors import Forbidden, InvalidInput, NotFound, YinlingError
from backend.core.text import FormText
from web.console import chats_view
from web.console.calls_view import REVIEW_ZH
from web.console.deps import ConsoleOperatorDep
from web.console.pagekit import attempt
from web.console.render import render
from web.console.scoping import error_page

router = APIRouter(prefix="/console")
DONE = {"reviewed": "已标记为审核通过。", "flagged": "已标记为有问题。", "unchanged": "这段聊天已经是这个状态，没有改动。"}


@router.get("/chats", response_class=HTMLResponse)
def list_chats(request: Request, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
               phone: str = "", name: str = "", date_from: str = "", date_to: str = "", review: str = "",
               page: int = 1):
    form = chats_view.ChatSearchForm(phone.strip()[:32], name.strip()[:30], date_from, date_to, review, max(1, page))
    context = {"form": form, "review_zh": REVIEW_ZH, "rows": [], "total": 0, "pages": 1}
    try:
        chats, total = chats_view.search(session, current.station.path, form, state.settings.timezone)
    except InvalidInput as exc:
        return render(request, "console/chats.html", {**context, "error": exc.message}, operator=current,
                      status_code=422)
    context.update(rows=chats_view.list_rows(session, chats, state.settings.timezone), total=total,
                   pages=max(1, -(-total // chats_view.PAGE_SIZE)))
    return render(request, "console/chats.html", context, operator=current)


@router.get("/chats/{chat_id}", response_class=HTMLResponse)
def chat_detail(request: Request, chat_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
                done: str = ""):
    try:
        chat = chat_actions.visible_chat(session, current.principal, chat_id)
    except YinlingError as exc:
        return error_page(request, current, exc)
    context = chats_view.chat_page(session, current.principal, chat, state.settings.timezone)
    return render(request, "console/chat.html", {**context, "flash": DONE.get(done)}, operator=current)


@router.post("/chats/{chat_id}/review", response_class=HTMLResponse)
def review_chat(request: Request, chat_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
                decision: Annotated[str, Form()], note: Annotated[FormText, Form()] = ""):
    result, error = attempt(session, lambda: chat_actions.review(session, current.principal, chat_id,
                                                                 decision=decision, note=note,
                                                                 now=datetime.now(timezone.utc)))
    if error is not None:
        if isinstance(error, (NotFound, Forbidden)):
            return error_page(request, current, error)
        chat = chat_actions.visible_chat(session, current.principal, chat_id)
        context = chats_view.chat_page(session, current.principal, chat, state.settings.timezone)
        return render(request, "console/chat.html", {**context, "error": error.message, "note": note.strip()[:1000]},
                      operator=current, status_code=error.status)
    return RedirectResponse(f"/console/chats/{chat_id}?done={decision if result.entry else 'unchanged'}",
                            status_code=303)
