"""Placeholder: the dashboard is being built."""
from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi import Request

from web.console.deps import ConsoleOperatorDep
from web.console.render import render

router = APIRouter(prefix="/console")


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, current: ConsoleOperatorDep):
    return render(request, "console/dashboard.html", {}, operator=current)
