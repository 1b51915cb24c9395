"""Order search (查找订单): by number, name, phone and date, in the operator's subtree; columns sort,
results page, and the same list downloads as CSV."""
from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from backend.api.deps import SessionDep, StateDep
from backend.core.errors import InvalidInput
from backend.orders import search as order_search
from backend.orders import states
from web.console import localtime
from web.console import orders_view as view
from web.console.deps import ConsoleOperatorDep
from web.console.pagekit import page_tools
from web.console.render import render

router = APIRouter(prefix="/console")
PAGE_SIZE = 25
CSV_LIMIT = 10_000
COLUMNS = [("id", "订单号"), ("start", "服务时间"), ("state", "状态"), ("created", "下单时间")]


@router.get("/orders/search", response_class=HTMLResponse)
def search_orders(request: Request, session: SessionDep, state: StateDep, current: ConsoleOperatorDep, q: str = "",
                  date_from: str = "", date_to: str = "", status: str = "", sort: str = "start", dir: str = "desc",
                  page: int = 1, format: str = ""):
    tz = state.settings.timezone
    form = {"q": q.strip()[:40], "date_from": date_from, "date_to": date_to,
            "status": status if status in states.STATE_ZH else "", "sort": sort if sort in order_search.SORTS else "start",
            "dir": "asc" if dir == "asc" else "desc"}
    tools = page_tools(request, session)
    context = {**tools, "form": form, "rows": [], "total": 0, "pages": 1, "page": 1, "columns": COLUMNS,
               "state_zh": states.STATE_ZH, "services": view.service_names(session), "channel_zh": view.CHANNEL_ZH}
    try:
        since = localtime.parse_day(date_from, "开始日期")
        until = localtime.parse_day(date_to, "结束日期")
    except InvalidInput as exc:
        return render(request, "console/order_search.html", {**context, "error": exc.message}, operator=current,
                      status_code=422)
    query = order_search.OrderQuery(text=form["q"], since=localtime.day_start(since, tz) if since else None,
                                    until=localtime.day_end(until, tz) if until else None, state=form["status"] or None,
                                    sort=form["sort"], descending=form["dir"] == "desc")
    if format == "csv":
        orders, _ = order_search.search(session, current.station.path, query, limit=CSV_LIMIT)
        return _csv(orders, tools["names"], context["services"], tz)
    page = max(1, page)
    orders, total = order_search.search(session, current.station.path, query, limit=PAGE_SIZE,
                                        offset=(page - 1) * PAGE_SIZE)
    tools["names"].load({o.recipient_id for o in orders} | {o.volunteer_id for o in orders})
    base = {k: v for k, v in form.items() if v}

    def link(**changes) -> str:
        return "/console/orders/search?" + urlencode({**base, **changes})
    return render(request, "console/order_search.html", {
        **context, "rows": orders, "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
        "link": link, "searched": bool(base.keys() - {"sort", "dir"})}, operator=current)


def _csv(orders, names, services, tz) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["订单号", "服务", "服务时间", "时长（分钟）", "老人", "老人电话", "志愿者", "状态", "来源", "地址"])
    names.load({o.recipient_id for o in orders} | {o.volunteer_id for o in orders})
    for o in orders:
        elder = names.person(o.recipient_id)
        writer.writerow([o.id, services.get(o.service_slug, ""), localtime.show(o.start_at, tz), o.duration_minutes,
                         elder.name if elder else "", elder.phone if elder else "",
                         names.name(o.volunteer_id) if o.volunteer_id else "", states.STATE_ZH.get(o.state, ""),
                         view.CHANNEL_ZH.get(o.channel, ""), o.address or ""])
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''orders.csv"})
