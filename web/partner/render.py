"""Jinja2 rendering for the partner page (the family site's look)."""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from web import SHARED_TEMPLATES
from web.partner.deps import Partner

templates = Jinja2Templates(directory=[str(Path(__file__).parent / "templates"), str(SHARED_TEMPLATES)])


def render(request: Request, name: str, context: dict, *, partner: Partner | None = None, status_code: int = 200):
    values = {"partner": partner, "csrf_token": partner.csrf_token if partner else context.get("csrf_token", ""),
              **context}
    return templates.TemplateResponse(request, name, values, status_code=status_code)
