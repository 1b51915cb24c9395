"""CSRF for login forms, before any session exists: a double-submit token (a random value in a
short-lived HttpOnly cookie and in the form's hidden field must match), plus the same-origin check."""
from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from backend.core.errors import Forbidden
from web.auth.csrf import _same_origin

COOKIE = "yl_login_csrf"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def set_cookie(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(COOKIE, token, max_age=3600, httponly=True, samesite="strict", secure=secure, path="/")


def check(request: Request, sent: str | None) -> None:
    expected = request.cookies.get(COOKIE)
    if not _same_origin(request) or not expected or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden("login form CSRF token missing or wrong", message="页面已过期，请刷新后再登录。")
