from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from backend.api.deps import SessionDep, SettingsDep
from backend.core.errors import Unauthorized
from backend.core.security import issue_token, verify_password
from backend.models import Operator

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginRequest(BaseModel):
    username: str
    password: str


@router.post("/login")
def login(body: LoginRequest, session: SessionDep, settings: SettingsDep):
    operator = session.scalar(select(Operator).where(Operator.username == body.username))
    if operator is None or not operator.active or not verify_password(operator.password_hash, body.password):
        raise Unauthorized("wrong username or password", message="用户名或密码不对。")
    return {"access_token": issue_token(settings.secret_key, {"op": operator.id}), "token_type": "bearer",
            "operator": {"id": operator.id, "name": operator.name, "role": operator.role,
                         "station_id": operator.station_id}}
