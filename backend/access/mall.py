"""The mall's operator actions through the gate: role, scope (the partner's station), audit.

Reviewers and admins keep the catalogue (partners and their logins, goods and prices, stock, benefits)
and reverse a redemption; every operator sees the partners, goods and redemptions of their subtree.
Another station's records answer as missing ones."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.gate import permit
from backend.access.outcome import Done
from backend.access.principal import Principal
from backend.mall import catalogue, redemption
from backend.models import MallBenefit, MallGoods, MallPartner, MallRedemption
from backend.policy import PolicyProfile


def partner(session: Session, who: Principal, partner_id: int, *, for_update: bool = False) -> MallPartner:
    return scope.visible(session, who, MallPartner, partner_id, kind="mall_partner", for_update=for_update)


def goods(session: Session, who: Principal, goods_id: int, *, for_update: bool = False) -> MallGoods:
    return scope.visible(session, who, MallGoods, goods_id, kind="mall_goods", for_update=for_update)


def benefit(session: Session, who: Principal, benefit_id: int) -> MallBenefit:
    return scope.visible(session, who, MallBenefit, benefit_id, kind="mall_benefit", for_update=True)


def redemption_row(session: Session, who: Principal, redemption_id: int) -> MallRedemption:
    return scope.visible(session, who, MallRedemption, redemption_id, kind="mall_redemption", for_update=True)


def save_partner(session: Session, who: Principal, form: catalogue.PartnerForm,
                 partner_id: int | None = None) -> Done[MallPartner]:
    gate = permit(who, "mall.partner.save")
    existing = partner(session, who, partner_id, for_update=True) if partner_id is not None else None
    scope.require_station(session, who, form.station_id)
    row = catalogue.save_partner(session, form, existing)
    return Done(row, gate.audit(session, f"mall_partner:{row.id}", row.station_id, detail={
        "name": row.name, "login": row.login, "created": existing is None, "password_set": bool(form.password)}))


def save_goods(session: Session, who: Principal, form: catalogue.GoodsForm, goods_id: int | None = None,
               *, stock: int = 0) -> Done[MallGoods]:
    gate = permit(who, "mall.goods.save")
    existing = goods(session, who, goods_id, for_update=True) if goods_id is not None else None
    owner = partner(session, who, form.partner_id)
    row = catalogue.save_goods(session, form, owner, existing, stock=stock)
    return Done(row, gate.audit(session, f"mall_goods:{row.id}", row.station_id, detail={
        "name": row.name, "price_minutes": row.price_minutes, "stock": row.stock, "active": row.active,
        "created": existing is None}))


def restock(session: Session, who: Principal, goods_id: int, change: int, *, reason: str = "") -> Done[MallGoods]:
    gate = permit(who, "mall.goods.restock")
    row = goods(session, who, goods_id, for_update=True)
    before = row.stock
    catalogue.restock(session, row, change)
    return Done(row, gate.audit(session, f"mall_goods:{row.id}", row.station_id, reason=reason.strip() or None,
                                detail={"name": row.name, "before": before, "after": row.stock, "change": change}))


def save_benefit(session: Session, who: Principal, form: catalogue.BenefitForm, benefit_id: int | None = None,
                 *, policy: PolicyProfile) -> Done[MallBenefit]:
    gate = permit(who, "mall.benefit.save")
    existing = benefit(session, who, benefit_id) if benefit_id is not None else None
    owner = partner(session, who, form.partner_id)
    row = catalogue.save_benefit(session, form, owner, existing, star_levels=len(policy.star_thresholds_hours))
    return Done(row, gate.audit(session, f"mall_benefit:{row.id}", row.station_id, detail={
        "offer": row.offer, "min_stars": row.min_stars, "min_hours": row.min_hours, "active": row.active,
        "created": existing is None}))


def redeem_for(session: Session, who: Principal, *, person_id: int, goods_id: int, key: str, policy: PolicyProfile,
               today: date, channel: str) -> Done[MallRedemption]:
    """An exchange for a person in scope (a retried key returns the first one, with no new audit entry)."""
    gate = permit(who, "mall.redeem")
    person = scope.person(session, who, person_id)
    row, created = redemption.redeem(session, person_id=person.id, goods_id=goods_id, key=f"{who.name}:{key}",
                                     policy=policy, today=today, channel=channel)
    entry = gate.audit(session, f"mall_redemption:{row.id}", row.station_id, detail={
        "person_id": person.id, "goods_id": row.goods_id, "minutes": row.price_minutes}) if created else None
    return Done(row, entry)


def reverse_redemption(session: Session, who: Principal, redemption_id: int, *, reason: str,
                       at: datetime) -> Done[MallRedemption]:
    """Coins back and the item back in stock, before it is collected; a reason is required."""
    gate = permit(who, "mall.reverse")
    row = redemption_row(session, who, redemption_id)
    redemption.reverse(session, row, reason=reason, actor=who.name, at=at)
    return Done(row, gate.audit(session, f"mall_redemption:{row.id}", row.station_id, reason=reason.strip(),
                                detail={"person_id": row.person_id, "goods_id": row.goods_id,
                                        "minutes": row.price_minutes, "reversal_seq": row.reversal_seq}))
