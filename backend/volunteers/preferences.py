"""What a volunteer chooses for themself: how offers reach them (a text with a link, or a call read aloud)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput
from backend.models import VolunteerProfile

OFFER_BY = {"sms": "短信（带链接）", "call": "电话（按键或说话接单）"}


def offer_by(session: Session, volunteer_id: int) -> str | None:
    profile = session.get(VolunteerProfile, volunteer_id)
    return profile.offer_by if profile is not None else None


def set_offer_by(session: Session, volunteer_id: int, choice: str) -> VolunteerProfile:
    if choice not in OFFER_BY:
        raise InvalidInput(f"offer_by must be one of {sorted(OFFER_BY)}, got {choice!r}", code="invalid_offer_by",
                           message="请选择短信或电话。")
    profile = session.get(VolunteerProfile, volunteer_id)
    if profile is None:
        raise InvalidInput(f"volunteer {volunteer_id} has no service profile yet", code="no_supply",
                           message="您还没有登记服务时间和项目，请先联系社区站点。")
    profile.offer_by = choice
    session.flush()
    return profile
