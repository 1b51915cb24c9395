"""Two rules every HTTP response of the process follows, API, console, family pages and hotline alike:
request bodies have a size limit, and responses carry the security headers.

Both are plain ASGI middleware (no ``BaseHTTPMiddleware``), so streaming responses and websockets
pass through untouched.

Content-Security-Policy: every page's scripts and styles are files of our own (``'self'``, no inline
script or style, no other origin); the family widget is embedded by script into the host page, never
in a frame, so no page may be framed. The one exception, by path prefix: the OpenAPI pages, which
FastAPI builds from a CDN with an inline start-up script.
"""
from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
DEFAULT_BODY_LIMIT = 64 * KIB
# Routes that take more than a JSON form: the paper back-fill sheet (its own 1 MB check gives the
# friendly page; this is the hard stop for anything bigger).
BODY_LIMITS = {"/console/backfill": 2 * 1024 * KIB}

STRICT_CSP = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
    "font-src 'self' data:", "connect-src 'self'", "media-src 'self' blob:", "worker-src 'self' blob:",
    "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"])
_DOCS_CSP = "; ".join([
    "default-src 'self'", "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net", "img-src 'self' data: https://fastapi.tiangolo.com",
    "worker-src 'self' blob:", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"])
CSP_EXCEPTIONS = {
    "/docs": _DOCS_CSP,
    "/redoc": _DOCS_CSP,
}
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin")]


def _by_prefix(table: dict[str, object], path: str, default):
    return next((value for prefix, value in table.items() if path == prefix or path.startswith(prefix + "/")),
                default)


def csp_for(path: str) -> str:
    return _by_prefix(CSP_EXCEPTIONS, path, STRICT_CSP)


def body_limit_for(path: str) -> int:
    return _by_prefix(BODY_LIMITS, path, DEFAULT_BODY_LIMIT)


class SecurityHeaders:
    """Adds CSP, nosniff, Referrer-Policy and frame denial to every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [(b"content-security-policy", csp_for(scope["path"]).encode()), *SECURITY_HEADERS]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *[(k, v) for k, v in extra if k not in present]]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """Raised while a route reads its body; an HTTPException so FastAPI's body parsing passes it on to
    the app's handler (JSON 413) instead of turning it into a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")
        self.limit = limit


class BodySizeLimit:
    """Refuses a request body over its path's limit with 413, whether announced by Content-Length or
    streamed in chunks; nothing of it reaches a route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope["path"])
        length = dict(scope.get("headers", [])).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await _refuse(send, limit)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:  # read outside a route (nothing turned it into a response)
            if not started:
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"code": "body_too_large", "message": "内容太多了，请分几次提交。",
                       "detail": f"request body over {limit} bytes"}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
