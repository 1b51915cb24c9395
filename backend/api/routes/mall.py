"""The volunteer mall: goods in the caller's scope, an exchange for a person (the hotline, the chat, or an
operator at the desk), an operator's reversal. Each is one use case of ``backend.access.mall``."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from backend.access import mall as mall_actions
from backend.access import scope
from backend.api.deps import (CallerDep, IdempotencyKey, NowDep, OperatorDep, PolicyDep, SessionDep, TodayDep)
from backend.api.schemas.mall import GoodsPublic, RedemptionCreate, RedemptionPublic, RedemptionReverse
from backend.ledger.coin_words import coins_text
from backend.mall import catalogue, redemption
from backend.models import MallGoods, MallRedemption

router = APIRouter(tags=["mall"])


def _goods_public(g: MallGoods) -> GoodsPublic:
    return GoodsPublic(id=g.id, name=g.name, price_minutes=g.price_minutes, price_text=coins_text(g.price_minutes),
                       stock=g.stock, pickup=g.pickup, partner_id=g.partner_id, station_id=g.station_id,
                       active=g.active)


def _redemption_public(session, row: MallRedemption) -> RedemptionPublic:
    goods = session.get(MallGoods, row.goods_id)
    return RedemptionPublic(id=row.id, person_id=row.person_id, goods_id=row.goods_id, goods_name=goods.name,
                            price_minutes=row.price_minutes, price_text=coins_text(row.price_minutes),
                            code=redemption.show_code(row.code), pickup=goods.pickup, status=row.status,
                            created_at=row.created_at)


@router.get("/mall/goods", response_model=list[GoodsPublic])
def goods(session: SessionDep, caller: CallerDep, person_id: Annotated[int | None, Query(ge=1)] = None):
    """Goods on offer; an operator sees those of their subtree, the service every station's. With ``person_id``
    (a person in the caller's scope): only what that person can collect in their street, in stock, cheapest first."""
    if person_id is not None:
        person = scope.person(session, caller, person_id)
        return [_goods_public(g) for g in catalogue.near_person(session, person.station_id)]
    return [_goods_public(g) for g in catalogue.in_subtree(session, MallGoods, caller.scope_path) if g.active]


@router.post("/mall/redemptions", response_model=RedemptionPublic, status_code=201)
def redeem(body: RedemptionCreate, session: SessionDep, caller: CallerDep, policy: PolicyDep, today: TodayDep,
           key: IdempotencyKey = None):
    """The same Idempotency-Key again returns the first exchange; without one every call is a new exchange."""
    done = mall_actions.redeem_for(session, caller, person_id=body.person_id, goods_id=body.goods_id,
                                   key=key or f"api-{uuid.uuid4().hex}", policy=policy, today=today,
                                   channel=body.channel)
    return _redemption_public(session, done.value)


@router.post("/mall/redemptions/{redemption_id}/reverse", response_model=RedemptionPublic)
def reverse(redemption_id: int, body: RedemptionReverse, session: SessionDep, caller: OperatorDep, now: NowDep):
    done = mall_actions.reverse_redemption(session, caller, redemption_id, reason=body.reason, at=now)
    return _redemption_public(session, done.value)
