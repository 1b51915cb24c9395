"""The dashboard (总览) of the operator's station subtree: registered elders and volunteers, hours served,
orders by state, satisfaction and the unmatched rate over the last 7, 30 or 90 days, as cards, charts
(Chart.js from web/static/dist/console-charts.js, drawn by web/static/console/dashboard.js) and tables
that hold the same numbers, so the page is useful without scripts."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backend.api.deps import SessionDep
from backend.desk import inbox
from backend.orders.states import STATE_ZH
from web.console.dashboard_stats import PERIODS, compute
from web.console.deps import ConsoleOperatorDep
from web.console.pagekit import now_utc
from web.console.render import render

router = APIRouter(prefix="/console")
# One colour per state on every chart: waiting states blue, work under way teal, done green, trouble red.
STATE_COLOURS = {"requested": "#8c959f", "open": "#0969da", "assigned": "#54aeff", "accepted": "#1b7c83",
                 "checked_in": "#2da44e", "checked_out": "#4ac26b", "completed": "#1a7f37", "rated": "#116329",
                 "held": "#bf8700", "cancelled": "#6e7781", "expired": "#cf222e", "revoked": "#82071e"}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def chart_data(stats) -> dict:
    return {
        "served": {"labels": [d.strftime("%m-%d") for d, _ in stats.served_by_day],
                   "hours": [round(m / 60, 2) for _, m in stats.served_by_day]},
        "states": {"labels": [STATE_ZH[s] for s in stats.orders_by_state], "counts": list(stats.orders_by_state.values()),
                   "colours": [STATE_COLOURS.get(s, "#59636e") for s in stats.orders_by_state]},
        "stars": {"labels": [f"{s}星" for s in stats.stars], "counts": list(stats.stars.values())},
    }


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, current: ConsoleOperatorDep, days: str = "30"):
    period = int(days) if days in {str(p) for p in PERIODS} else 30  # anything else: the default period
    stats = compute(session, current.station.path, period, now=now_utc(),
                    tz=request.app.state.yinling.settings.timezone)
    return render(request, "console/dashboard.html", {
        "todo": inbox.counts(session, current.principal), "stats": stats, "periods": PERIODS, "state_zh": STATE_ZH, "chart": chart_data(stats),
        "hours": f"{stats.served_minutes / 60:.1f}", "low_share": _percent(stats.low_share),
        "unmatched_rate": _percent(stats.unmatched_rate),
        "rating_avg": "—" if stats.rating_avg is None else f"{stats.rating_avg:.2f}"}, operator=current)
