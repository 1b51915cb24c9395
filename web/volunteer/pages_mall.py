"""The volunteer's mall (志愿商城): goods to exchange coins for, what the policy's goods share still
allows, my exchanges with their one-time collection codes, and the care measures I qualify for with a
code a partner can verify. Redeeming is one call into ``backend.mall.redemption``; each form carries a
fresh key, so a form sent twice (a double tap, a retried request) makes one exchange."""
from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from backend.api.deps import PolicyDep, SessionDep, SettingsDep, TodayDep
from backend.core.errors import InvalidInput
from backend.ledger.accounts import person_account
from backend.ledger.coin_words import coins_text
from backend.ledger.operations import goods_share_left
from backend.mall import benefits, redemption
from backend.models import MallGoods, MallPartner
from web.volunteer.deps import VolunteerDep
from web.volunteer.pagekit import attempt, done, flash_for
from web.volunteer.render import render

router = APIRouter(prefix="/volunteer")
PAGE = "/volunteer/mall"


def _page(request, session, volunteer, policy, settings, *, flash=None, error=None, status_code=200):
    account = person_account(session, volunteer.id)
    goods = session.execute(select(MallGoods, MallPartner).join(MallPartner, MallPartner.id == MallGoods.partner_id)
                            .where(MallGoods.active.is_(True), MallPartner.active.is_(True))
                            .order_by(MallGoods.price_minutes, MallGoods.id)).all()
    share = goods_share_left(session, account.id, policy) if policy.goods_share_percent else 0
    return render(request, "volunteer/mall.html", {
        "goods": list(goods), "coins": coins_text, "balance": coins_text(account.balance),
        "can_spend": min(share, max(account.balance, 0)), "share_percent": policy.goods_share_percent,
        "mine": redemption.of_person(session, volunteer.id), "status_zh": redemption.STATUS_ZH,
        "show_code": redemption.show_code,
        "benefits": benefits.for_person(session, volunteer.id, policy, settings.secret_key),
        "threshold_text": benefits.threshold_text, "key": secrets.token_urlsafe(16),
        "flash": flash, "error": error.message if error else None}, volunteer=volunteer, status_code=status_code)


@router.get("/mall", response_class=HTMLResponse)
def mall(request: Request, session: SessionDep, volunteer: VolunteerDep, policy: PolicyDep, settings: SettingsDep,
         done: str | None = None):
    return _page(request, session, volunteer, policy, settings, flash=flash_for(session, volunteer, done))


@router.post("/mall/redeem")
def redeem(request: Request, session: SessionDep, volunteer: VolunteerDep, policy: PolicyDep, settings: SettingsDep,
           today: TodayDep, goods_id: Annotated[str, Form()] = "", key: Annotated[str, Form()] = ""):
    def work():
        if not goods_id.isdigit() or len(goods_id) > 12:
            raise InvalidInput(f"goods id {goods_id!r}", code="goods_not_found", message="没有这件物品，或者已经下架。")
        return redemption.redeem(session, person_id=volunteer.id, goods_id=int(goods_id), key=key, policy=policy,
                                 today=today)
    result, error = attempt(session, work)
    if error is not None:
        return _page(request, session, volunteer, policy, settings, error=error, status_code=error.status)
    row, created = result
    goods = session.get(MallGoods, row.goods_id)
    if not created:  # the same form again: the first exchange's page, nothing new recorded
        return _page(request, session, volunteer, policy, settings,
                     flash=f"这件物品已经兑换过了，领取码 {redemption.show_code(row.code)}。")
    entry = volunteer.audit(session, "volunteer.redeem", f"mall_redemption:{row.id}", row.station_id,
                            detail={"goods": goods.name, "code": redemption.show_code(row.code), "pickup": goods.pickup,
                                    "price": coins_text(row.price_minutes)})
    return done(PAGE, entry)
