"""One place that turns errors into JSON: machine code, Chinese message, English detail."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.core.errors import YinlingError

log = logging.getLogger("yinling.api")


def install(app: FastAPI) -> None:
    @app.exception_handler(YinlingError)
    async def domain_error(_request: Request, exc: YinlingError):
        return JSONResponse(exc.to_body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError):
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"code": "invalid_input", "message": "信息不完整或不对，请再说一遍。", "detail": detail},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException):
        messages = {404: "没有找到。", 405: "不支持这个操作。"}
        return JSONResponse({"code": f"http_{exc.status_code}", "message": messages.get(exc.status_code, "请求有误。"),
                             "detail": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception):
        log.exception("unhandled error")
        return JSONResponse({"code": "internal_error", "message": "系统出了点问题，请稍后再试。",
                             "detail": type(exc).__name__}, status_code=500)
