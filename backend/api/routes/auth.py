"""Operator login for the API: the same accounts, rate limit and constant-work check as the console."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from backend.api.deps import NowDep, SessionDep, SettingsDep
from backend.api.schemas.auth import LoginRequest
from backend.core import ratelimit
from backend.core.errors import Unauthorized
from backend.core.security import check_login_password, issue_token
from backend.models import Operator

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login")
def login(body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep, now: NowDep):
    """429 after too many failures for this account or this address (before the password is checked);
    a failure is answered, not raised, so the transaction commits and the failure counts."""
    username, address = body.username.strip(), request.client.host if request.client else "unknown"
    ratelimit.check_allowed(session, ratelimit.OPERATOR_REALM, username, address, now)
    operator = session.scalar(select(Operator).where(Operator.username == username))
    ok = check_login_password(operator.password_hash if operator else None, body.password) and operator.active
    ratelimit.record(session, ratelimit.OPERATOR_REALM, username, address, ok, now)
    if not ok:
        refused = Unauthorized("wrong username or password", message="用户名或密码不对。")
        return JSONResponse(refused.to_body(), status_code=refused.status)
    return {"access_token": issue_token(settings.secret_key, {"op": operator.id}), "token_type": "bearer",
            "operator": {"id": operator.id, "name": operator.name, "role": operator.role,
                         "station_id": operator.station_id}}
