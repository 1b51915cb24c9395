"""Jinja2 rendering for console pages: every page gets the operator, the CSRF token and the nav."""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from backend.access.gate import allows
from web.console.deps import ConsoleOperator

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

# (path, label): the console's sections, in the order of the navigation bar.
NAV = [
    ("/console/", "总览"),
    ("/console/inbox", "待办"),
    ("/console/calls", "通话"),
    ("/console/supervision", "监管"),
    ("/console/orders", "订单"),
    ("/console/review", "审核"),
    ("/console/disputes", "投诉"),
    ("/console/people", "人员"),
    ("/console/backfill", "补登"),
    ("/console/followups", "回访"),
    ("/console/mall", "商城"),
    ("/console/audit", "操作记录"),
]

ROLE_NAMES = {"admin": "管理员", "reviewer": "审核员", "clerk": "办事员"}


def render(request: Request, name: str, context: dict, *, operator: ConsoleOperator | None = None,
           status_code: int = 200):
    values = {"nav": NAV, "role_names": ROLE_NAMES, "operator": operator,
              "can_decide": bool(operator and allows(operator.principal, "order.approve")),
              "csrf_token": operator.csrf_token if operator else context.get("csrf_token", ""), **context}
    return templates.TemplateResponse(request, name, values, status_code=status_code)
