"""The mall's catalogue: partners, goods and benefits, validated before anything is stored.

A goods item or benefit belongs to its partner's station (the operators' scope follows the partner).
Stock changes by a signed amount in one ``UPDATE … WHERE stock + n >= 0``, so a restock never races a
redemption into a wrong count."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.core.security import hash_password
from backend.core.text import clean
from backend.models import MallBenefit, MallGoods, MallPartner, Station

PARTNER_KINDS = {"museum": "博物馆/景区", "transit": "公交/地铁", "restaurant": "餐饮", "shop": "商店",
                 "station": "站点服务台", "other": "其他"}
MIN_PASSWORD = 10
MAX_STOCK = 100_000


def _text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    value = clean(value or "")
    if required and not value:
        raise InvalidInput(f"{field} is required", code="field_required", message=f"请填写{field}。")
    if len(value) > limit:
        raise InvalidInput(f"{field} longer than {limit}", code="field_too_long", message=f"{field}最多{limit}个字。")
    return value


def price_minutes(coins: str) -> int:
    """"2" → 120, "0.5" → 30: a price typed in coins, stored as whole minutes."""
    try:
        minutes = Decimal(str(coins).strip()) * 60
    except InvalidOperation as exc:
        raise InvalidInput(f"price {coins!r} is not a number", code="invalid_price", message="价格要填数字（时间币）。") from exc
    if minutes <= 0 or minutes != minutes.to_integral_value() or minutes > 1000 * 60:
        raise InvalidInput(f"price {coins!r} out of range", code="invalid_price",
                           message="价格要大于0，最多1000个时间币，最小单位1分钟。")
    return int(minutes)


def whole_number(value: str, field: str, *, low: int = 0, high: int = MAX_STOCK) -> int:
    text = str(value).strip()
    if not text.lstrip("-").isdigit() or not low <= int(text) <= high:
        raise InvalidInput(f"{field} {value!r} not in {low}..{high}", code="invalid_number",
                           message=f"{field}要填{low}到{high}之间的整数。")
    return int(text)


@dataclass(frozen=True)
class PartnerForm:
    name: str
    kind: str
    station_id: int
    address: str
    login: str
    password: str = ""  # empty: keep the current password (or none yet)


def save_partner(session: Session, form: PartnerForm, partner: MallPartner | None = None) -> MallPartner:
    name = _text(form.name, "名称", 100)
    address = _text(form.address, "地址", 200, required=False)
    login = _text(form.login, "登录名", 40).lower()
    if not login.replace("_", "").replace("-", "").isalnum() or not login.isascii():
        raise InvalidInput(f"login {login!r}", code="invalid_login", message="登录名只能用英文字母、数字、-和_。")
    if form.kind not in PARTNER_KINDS:
        raise InvalidInput(f"kind {form.kind!r}", code="invalid_kind", message="请选择合作单位类型。")
    if session.get(Station, form.station_id) is None:
        raise NotFound(f"station {form.station_id}", code="station_not_found", message="没有这个站点。")
    if form.password and len(form.password) < MIN_PASSWORD:
        raise InvalidInput("password too short", code="password_too_short",
                           message=f"密码至少{MIN_PASSWORD}位。")
    taken = session.scalar(select(MallPartner.id).where(MallPartner.login == login))
    if taken is not None and (partner is None or taken != partner.id):
        raise Conflict(f"login {login} taken", code="login_taken", message="这个登录名已经有人用了。")
    if partner is None:
        partner = MallPartner(login=login, name=name, kind=form.kind, station_id=form.station_id, address=address)
        session.add(partner)
    partner.name, partner.kind, partner.station_id, partner.address, partner.login = (
        name, form.kind, form.station_id, address, login)
    if form.password:
        partner.password_hash = hash_password(form.password)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # two forms naming the same login at once
        raise Conflict(f"login {login} taken", code="login_taken", message="这个登录名已经有人用了。") from exc
    # Goods and benefits follow their partner's station.
    session.execute(update(MallGoods).where(MallGoods.partner_id == partner.id).values(station_id=partner.station_id))
    session.execute(update(MallBenefit).where(MallBenefit.partner_id == partner.id)
                    .values(station_id=partner.station_id))
    return partner


@dataclass(frozen=True)
class GoodsForm:
    name: str
    price: str  # coins, as typed
    pickup: str
    partner_id: int
    active: bool = True


def save_goods(session: Session, form: GoodsForm, partner: MallPartner, goods: MallGoods | None = None,
               *, stock: int = 0) -> MallGoods:
    """Create (with an opening ``stock``) or edit; the stock of an existing item changes only by ``restock``."""
    name = _text(form.name, "物品名称", 100)
    pickup = _text(form.pickup, "领取地点", 200)
    minutes = price_minutes(form.price)
    if goods is None:
        goods = MallGoods(name=name, price_minutes=minutes, stock=whole_number(str(stock), "库存"), pickup=pickup,
                          partner_id=partner.id, station_id=partner.station_id)
        session.add(goods)
    goods.name, goods.price_minutes, goods.pickup = name, minutes, pickup
    goods.partner_id, goods.station_id, goods.active = partner.id, partner.station_id, form.active
    session.flush()
    return goods


def restock(session: Session, goods: MallGoods, change: int) -> MallGoods:
    """Add (or, negative, take away) ``change`` items; never below zero."""
    if change == 0 or abs(change) > MAX_STOCK:
        raise InvalidInput(f"stock change {change}", code="invalid_number", message="库存变化要是非零整数。")
    done = session.execute(update(MallGoods).where(MallGoods.id == goods.id, MallGoods.stock + change >= 0)
                           .values(stock=MallGoods.stock + change)).rowcount
    if not done:
        raise Conflict(f"goods {goods.id}: stock {goods.stock} cannot change by {change}", code="stock_negative",
                       message="库存不能少于0。")
    session.refresh(goods)
    return goods


@dataclass(frozen=True)
class BenefitForm:
    partner_id: int
    offer: str
    min_stars: str = ""
    min_hours: str = ""
    active: bool = True


def save_benefit(session: Session, form: BenefitForm, partner: MallPartner, benefit: MallBenefit | None = None,
                 *, star_levels: int = 5) -> MallBenefit:
    offer = _text(form.offer, "优惠内容", 200)
    stars = whole_number(form.min_stars, "星级", low=1, high=star_levels) if str(form.min_stars).strip() else None
    hours = whole_number(form.min_hours, "服务小时数", low=1, high=100_000) if str(form.min_hours).strip() else None
    if stars is None and hours is None:
        raise InvalidInput("a benefit needs a star level or hours threshold", code="threshold_required",
                           message="请填写星级或服务小时数，至少一项。")
    if benefit is None:
        benefit = MallBenefit(partner_id=partner.id, station_id=partner.station_id, offer=offer)
        session.add(benefit)
    benefit.partner_id, benefit.station_id, benefit.offer = partner.id, partner.station_id, offer
    benefit.min_stars, benefit.min_hours, benefit.active = stars, hours, form.active
    session.flush()
    return benefit


def in_subtree(session: Session, model, path: str) -> list:
    """Every row of ``model`` (partner, goods, benefit) whose station lies under ``path``."""
    return list(session.scalars(select(model).join(Station, Station.id == model.station_id)
                                .where(Station.path.startswith(path)).order_by(model.id)))


def street_path(session: Session, station_id: int) -> str:
    """The path of the street a station lies in (the station itself when it has no street above it)."""
    station = session.get(Station, station_id)
    ids = [int(part) for part in station.path.strip("/").split("/") if part]
    streets = session.scalars(select(Station).where(Station.id.in_(ids), Station.level == "street")).all()
    return max(streets, key=lambda s: len(s.path)).path if streets else station.path


def near_person(session: Session, station_id: int) -> list[MallGoods]:
    """Active goods of active partners in the street of a person's station, in stock, cheapest first: what the
    person can go and collect (the hotline reads these out)."""
    return list(session.scalars(
        select(MallGoods).join(MallPartner, MallPartner.id == MallGoods.partner_id)
        .join(Station, Station.id == MallGoods.station_id)
        .where(Station.path.startswith(street_path(session, station_id)), MallGoods.active.is_(True),
               MallPartner.active.is_(True), MallGoods.stock > 0)
        .order_by(MallGoods.price_minutes, MallGoods.id)))
