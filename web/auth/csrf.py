"""CSRF protection: every request that changes something echoes the session's token.

Forms carry it in a hidden ``csrf_token`` field, scripts in the ``X-CSRF-Token`` header. A request
whose Origin (or, failing that, Referer) names another site is refused before the token is even
compared; with SameSite=Lax cookies that is belt and braces.
"""
from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import Request

from backend.core.errors import Forbidden
from backend.models import WebSession

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def _same_origin(request: Request) -> bool:
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return True  # older browsers and non-browser clients; the token still decides
    return urlsplit(source).netloc == request.headers.get("host", request.url.netloc)


async def check(request: Request, row: WebSession) -> None:
    """Raises Forbidden unless a state-changing request carries this session's token."""
    if request.method in SAFE_METHODS:
        return
    if not _same_origin(request):
        raise Forbidden("cross-site request refused", message="请求来源不对，请刷新页面后再试。")
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get(FIELD)
    if not sent or not hmac.compare_digest(str(sent), row.csrf_token):
        raise Forbidden("missing or wrong CSRF token", message="页面已过期，请刷新后再试。")
