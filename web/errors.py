"""Errors on the web pages: people get a short Chinese page, scripts keep the API's JSON body.

A request counts as a page request when its path is under /console or /family and it accepts HTML
(a browser's form post or link). Everything else is answered exactly as the API answers it: each
handler here wraps the API's own handler for the same error and hands non-page requests to it.
Covered: domain errors, unknown addresses (404), wrong methods (405), other HTTP errors, malformed
input (422) and unexpected failures (500, logged with the traceback by the API's handler).
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.api.errors import validation_body
from backend.core.errors import YinlingError
from web import SHARED_TEMPLATES
from web.auth.deps import LoginRequired

templates = Jinja2Templates(directory=str(SHARED_TEMPLATES))
SITES = ("/console", "/family", "/volunteer", "/partner")
TITLES = {401: "请先登录", 403: "不能这样操作", 404: "没有找到", 405: "不能这样打开", 409: "已经处理过了",
          413: "内容太多了", 422: "信息不对", 429: "请稍后再试", 500: "系统出了点问题"}
MESSAGES = {404: "这个页面不存在，可能是地址输错了，或者内容已经不在了。",
            405: "这个页面不能这样打开。请从菜单或按钮进入。",
            413: "提交的内容太多了，请分几次提交。",
            500: "系统出了点问题，您的操作可能没有完成。请稍后再试；如果一直这样，请联系管理员。"}


def wants_page(request: Request) -> bool:
    return request.url.path.startswith(SITES) and "text/html" in request.headers.get("accept", "")


def site_home(request: Request) -> str:
    return next((f"{site}/" for site in SITES if request.url.path.startswith(site)), "/family/")


def page(request: Request, status: int, message: str | None = None):
    """The Chinese error page: a title for the status, a sentence a person can act on, a way back."""
    return templates.TemplateResponse(request, "error.html", {
        "title": TITLES.get(status, "出错了"), "message": message or MESSAGES.get(status, "请求有误，请返回重试。"),
        "back": site_home(request)}, status_code=status)


def install(app: FastAPI) -> None:
    api_http = app.exception_handlers.get(StarletteHTTPException)
    api_validation = app.exception_handlers.get(RequestValidationError)
    api_unexpected = app.exception_handlers.get(Exception)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if wants_page(request):
            target = request.url.path if request.method == "GET" else site_home(request)
            return RedirectResponse(f"/{exc.realm}/login?next={quote(target)}", status_code=303)
        return JSONResponse({"code": "unauthorized", "message": "请先登录。", "detail": str(exc)}, status_code=401)

    @app.exception_handler(YinlingError)
    async def domain_error(request: Request, exc: YinlingError):
        if wants_page(request):
            return page(request, exc.status, exc.message)
        return JSONResponse(exc.to_body(), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if wants_page(request):
            response = page(request, exc.status_code)
            if exc.status_code == 405 and exc.headers:
                response.headers.update(exc.headers)  # Allow: what the address does take
            return response
        return await api_http(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        if wants_page(request):
            status, body = validation_body(exc.errors())
            return page(request, status, body["message"] if status != 404 else None)
        return await api_validation(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        response = await api_unexpected(request, exc)  # logs the traceback
        return page(request, 500) if wants_page(request) else response
