"""Errors on the web pages: people get a short Chinese page, scripts keep the API's JSON body.

A request counts as a page request when its path is under /console or /family and it accepts HTML
(a browser's form post or link). Everything else is answered exactly as the API answers it.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from backend.core.errors import YinlingError
from web.auth.deps import LoginRequired

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
SITES = ("/console", "/family")
TITLES = {401: "请先登录", 403: "不能这样操作", 404: "没有找到", 409: "已经处理过了", 422: "信息不对",
          429: "请稍后再试"}


def wants_page(request: Request) -> bool:
    return request.url.path.startswith(SITES) and "text/html" in request.headers.get("accept", "")


def site_home(request: Request) -> str:
    return "/console/" if request.url.path.startswith("/console") else "/family/"


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if wants_page(request):
            target = request.url.path if request.method == "GET" else site_home(request)
            return RedirectResponse(f"/{exc.realm}/login?next={quote(target)}", status_code=303)
        return JSONResponse({"code": "unauthorized", "message": "请先登录。", "detail": str(exc)}, status_code=401)

    @app.exception_handler(YinlingError)
    async def domain_error(request: Request, exc: YinlingError):
        if wants_page(request):
            return templates.TemplateResponse(request, "error.html", {
                "title": TITLES.get(exc.status, "出错了"), "message": exc.message, "back": site_home(request)},
                status_code=exc.status)
        return JSONResponse(exc.to_body(), status_code=exc.status)
