"""One place that turns errors into JSON: machine code, Chinese message, English detail.

Request validation errors get the Chinese message of the first problem a person can fix (a date
out of range, a text too long, a number written as text), so the assistant can read it back. An id
that names nothing (in the path: not a number, negative, beyond the database's integer; in a body:
out of range) answers 404 like a missing record, never a database overflow (500).
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import get_args

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.api.schemas.fields import MAX_ID
from backend.core.errors import NotFound, YinlingError

log = logging.getLogger("yinling.api")

GENERIC = ("invalid_input", "信息不完整或不对，请再说一遍。")
# pydantic error type -> (code, Chinese message); the first error with an entry decides.
MESSAGES = {
    "date_out_of_range": ("date_out_of_range", "日期不对：太早或太远了，请换一个日期。"),
    "string_too_long": ("text_too_long", "内容太长了，请简短一些。"),
    "too_long": ("text_too_long", "内容太多了，请简短一些。"),
    "int_type": ("invalid_input", "数字不对，请填一个整数。"),
    "int_parsing": ("invalid_input", "数字不对，请填一个整数。"),
    "int_from_float": ("invalid_input", "数字不对，请填一个整数。"),
    "bool_type": ("invalid_input", "请回答是或者不是。"),
    "string_too_short": ("invalid_input", "有内容没有填，请补上。"),
    "missing": ("invalid_input", "信息不完整，请补上。"),
}


def _is_missing_id(error: dict) -> bool:
    return error["type"] == "id_out_of_range" or (error["loc"][:1] == ("path",) and error["type"] == "int_parsing")


def validation_body(errors: list[dict]) -> tuple[int, dict]:
    """The status and JSON body for a list of pydantic errors."""
    detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
    if errors and all(_is_missing_id(e) for e in errors):
        return 404, NotFound(detail).to_body()
    code, message = next((MESSAGES[e["type"]] for e in errors if e["type"] in MESSAGES), GENERIC)
    return 422, {"code": code, "message": message, "detail": detail}


def _is_int(annotation) -> bool:
    return annotation is int or (int in get_args(annotation) and type(None) in get_args(annotation))


def _named_ints(fields, values) -> Iterator[tuple[str, str]]:
    for field in fields:
        raw = values.get(field.name) if _is_int(field.field_info.annotation) else None
        if raw is not None and str(raw).lstrip("+-").isdigit():
            yield field.name, str(raw)


def path_ids_in_range(request: Request) -> None:
    """Router dependency: an id in the path outside 1..MAX_ID, or an integer in the query beyond
    +-MAX_ID, names nothing (404) and never reaches the database (where it would overflow)."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return
    for name, raw in _named_ints(dependant.path_params, request.path_params):
        if not 1 <= int(raw) <= MAX_ID:
            raise NotFound(f"{name} {raw[:30]} is outside 1..{MAX_ID}")
    for name, raw in _named_ints(dependant.query_params, request.query_params):
        if abs(int(raw)) > MAX_ID:
            raise NotFound(f"{name} {raw[:30]} is beyond {MAX_ID}")


def install(app: FastAPI) -> None:
    @app.exception_handler(YinlingError)
    async def domain_error(_request: Request, exc: YinlingError):
        return JSONResponse(exc.to_body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError):
        status, body = validation_body(exc.errors())
        return JSONResponse(body, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException):
        messages = {404: "没有找到。", 405: "不支持这个操作。", 413: "内容太多了，请分几次提交。"}
        code = "body_too_large" if exc.status_code == 413 else f"http_{exc.status_code}"
        return JSONResponse({"code": code, "message": messages.get(exc.status_code, "请求有误。"),
                             "detail": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception):
        log.exception("unhandled error")
        return JSONResponse({"code": "internal_error", "message": "系统出了点问题，请稍后再试。",
                             "detail": type(exc).__name__}, status_code=500)
