"""Jinja2 rendering for the volunteer pages (the family site's look and elder mode, their own header)."""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from web import SHARED_TEMPLATES
from web.volunteer.deps import Volunteer

templates = Jinja2Templates(directory=[str(Path(__file__).parent / "templates"), str(SHARED_TEMPLATES)])


def render(request: Request, name: str, context: dict, *, volunteer: Volunteer | None = None, status_code: int = 200):
    values = {"volunteer": volunteer, "csrf_token": volunteer.csrf_token if volunteer else context.get("csrf_token", ""),
              **context}
    return templates.TemplateResponse(request, name, values, status_code=status_code)
