"""Jinja2 rendering for the family pages: every page gets the member (if logged in) and a CSRF token."""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from web import SHARED_TEMPLATES
from web.family.deps import FamilyMember

templates = Jinja2Templates(directory=[str(Path(__file__).parent / "templates"), str(SHARED_TEMPLATES)])

RELATION_ZH = {"child": "子女", "spouse": "配偶", "grandchild": "孙子女", "sibling": "兄弟姐妹", "parent": "父母",
               "grandparent": "祖父母", "other": "其他亲属"}
CONSENT_ZH = {"pending": "等待老人同意", "consented": "已同意", "revoked": "已撤销"}


def render(request: Request, name: str, context: dict, *, member: FamilyMember | None = None,
           status_code: int = 200):
    values = {"member": member, "relation_zh": RELATION_ZH, "consent_zh": CONSENT_ZH,
              "csrf_token": member.csrf_token if member else context.get("csrf_token", ""), **context}
    return templates.TemplateResponse(request, name, values, status_code=status_code)


def error_page(request: Request, status_code: int, message: str, *, member: FamilyMember | None = None):
    """A plain Chinese page for refusals (not found, not allowed); the English detail goes to the log."""
    return render(request, "family/error.html", {"error": message}, member=member, status_code=status_code)
