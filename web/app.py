"""Mounts the web pages on the backend's app: the console at /console, the family pages at /family,
their assets at /web/static (front-end bundles are built by `make web-assets` into web/static/dist)."""
from __future__ import annotations

from pathlib import Path

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from web.auth.deps import LoginRequired

STATIC_DIR = Path(__file__).parent / "static"


def attach_web(app: FastAPI) -> FastAPI:
    from web.console.routes import router as console_router
    from web.family.routes import router as family_router

    app.include_router(console_router)
    app.include_router(family_router)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if "text/html" in request.headers.get("accept", "") and request.method == "GET":
            return RedirectResponse(f"/{exc.realm}/login?next={quote(str(request.url.path))}", status_code=303)
        return JSONResponse({"code": "unauthorized", "message": "请先登录。", "detail": str(exc)}, status_code=401)

    app.mount("/web/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="web-static")
    return app
