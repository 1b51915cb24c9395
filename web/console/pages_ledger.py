"""A person's ledger page (账目明细): every entry in plain words with the order or person it came from
(and the family chat that made it, when the operator may see that chat) and the running balance, paged,
and the same lines as a CSV file. The person must be in scope; ``?entry=`` opens the page holding that entry."""
from __future__ import annotations

import csv
import io
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from backend.access import scope
from backend.api.deps import SessionDep, StateDep
from backend.chats import records
from backend.core.errors import YinlingError
from backend.ledger import statement
from backend.ledger.coin_words import coins_text
from web.console import localtime
from web.console.deps import ConsoleOperatorDep
from web.console.pagekit import Names
from web.console.render import render
from web.console.scoping import error_page

router = APIRouter(prefix="/console")
PAGE_SIZE = 50
CSV_LIMIT = 100_000


@router.get("/people/{person_id:int}/ledger", response_class=HTMLResponse)
def ledger(request: Request, person_id: int, session: SessionDep, state: StateDep, current: ConsoleOperatorDep,
           page: int = 0, format: str = "", entry: int = 0):
    try:
        person = scope.person(session, current.principal, person_id)
    except YinlingError as exc:
        return error_page(request, current, exc)
    tz = state.settings.timezone
    if format == "csv":
        lines, _ = statement.statement(session, person.id, limit=CSV_LIMIT)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["记账号", "时间", "说明", "订单号", "变动", "变动（分钟）", "余额", "余额（分钟）"])
        for line in lines:
            writer.writerow([line.seq, localtime.show(line.at, tz), line.words, line.order_id or "",
                             line.amount_text, line.minutes, line.balance_text, line.balance])
        name = quote(f"{person.name}-账目明细.csv")
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})
    _, total = statement.statement(session, person.id, limit=0)
    pages = max(1, -(-total // PAGE_SIZE))
    if entry > 0 and page < 1:  # a link to one entry (from a chat) opens the page holding it
        page = -(-statement.position(session, person.id, entry) // PAGE_SIZE)
    page = pages if page < 1 or page > pages else page  # the newest page first
    lines, _ = statement.statement(session, person.id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    chats = {seq: chat for seq, chat in records.chats_of_entry(session, [line.seq for line in lines]).items()
             if scope.can_see_station(session, current.principal, chat.station_id)}
    return render(request, "console/ledger.html", {
        "person": person, "lines": lines, "total": total, "page": page, "pages": pages, "tz": tz,
        "balance": coins_text(lines[-1].balance) if lines else coins_text(0), "show": localtime.show,
        "names": Names(session), "chats": chats,
    }, operator=current)
