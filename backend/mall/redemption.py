"""Exchanging coins for goods, collecting them with a one-time code, and reversing an exchange.

``redeem`` runs in the caller's transaction and raises on any refusal (the caller rolls back, so a
refused exchange leaves no stock taken, entry or code behind): it takes the ledger's writer lock first,
so the goods share and the balance it checks are the ones its entry changes, and a retried form (same
person, same key) returns the first redemption. ``collect`` and ``reverse`` each move a redemption out
of "issued" with one conditional ``UPDATE``, so a code is confirmed once and a redemption reversed once
whatever arrives at the same time."""
from __future__ import annotations

import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, IdempotencyConflict, InvalidInput, NotFound
from backend.ledger import operations
from backend.ledger.journal import lock_head
from backend.models import MallGoods, MallPartner, MallRedemption
from backend.policy import PolicyProfile

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed at a counter
CODE_LENGTH = 8
ISSUED, COLLECTED, REVERSED = "issued", "collected", "reversed"
STATUS_ZH = {ISSUED: "待领取", COLLECTED: "已领取", REVERSED: "已撤销"}
UNKNOWN_CODE_ZH = "没有这个领取码，请核对后再输入。"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """What a partner types: spaces, dashes and lower case are forgiven."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:32]


def show_code(code: str) -> str:
    """"ABCD2345" → "ABCD-2345", easier to read out."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def _check_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 80 or not key.isascii():
        raise InvalidInput(f"idempotency key {key!r}", code="key_required", message="页面已过期，请刷新后再兑换。")
    return key


def redeem(session: Session, *, person_id: int, goods_id: int, key: str, policy: PolicyProfile, today: date,
           channel: str = "web") -> tuple[MallRedemption, bool]:
    """One item for ``person_id``: (the redemption, True). The same ``key`` again returns the first
    redemption and False (a retried form): nothing more is taken."""
    key = _check_key(key)
    lock_head(session)  # the ledger's writer lock: the share and balance read below are the ones appended to
    earlier = session.scalar(select(MallRedemption).where(MallRedemption.person_id == person_id,
                                                          MallRedemption.idempotency_key == key))
    if earlier is not None:
        if earlier.goods_id != goods_id:
            raise IdempotencyConflict(f"key {key} was used for goods {earlier.goods_id}")
        return earlier, False
    goods = session.get(MallGoods, goods_id)
    partner = session.get(MallPartner, goods.partner_id) if goods is not None else None
    if goods is None or not goods.active or partner is None or not partner.active:
        raise NotFound(f"goods {goods_id} missing or withdrawn", code="goods_not_found", message="没有这件物品，或者已经下架。")
    taken = session.execute(update(MallGoods).where(MallGoods.id == goods.id, MallGoods.stock > 0)
                            .values(stock=MallGoods.stock - 1)).rowcount
    if not taken:
        raise Conflict(f"goods {goods.id} out of stock", code="out_of_stock", message="这件物品已经兑换完了。")
    entry = operations.redeem(session, person_id=person_id, station_id=goods.station_id, minutes=goods.price_minutes,
                              policy=policy, today=today, actor=operations.Actor(f"person:{person_id}", channel),
                              goods=True, key=f"mall:{person_id}:{key}", memo=f"兑换物品：{goods.name}")
    row = MallRedemption(goods_id=goods.id, person_id=person_id, station_id=goods.station_id,
                         price_minutes=goods.price_minutes, code=_unused_code(session), idempotency_key=key,
                         status=ISSUED, entry_seq=entry.seq)
    session.add(row)
    session.flush()
    session.expire(goods, ["stock"])
    return row, True


def _unused_code(session: Session) -> str:
    for _ in range(10):
        code = new_code()
        if session.scalar(select(MallRedemption.id).where(MallRedemption.code == code)) is None:
            return code
    raise Conflict("no free collection code after 10 tries", code="code_space", message="系统繁忙，请稍后再试。")


def _when(at: datetime | None, tz: str) -> str:
    if at is None:
        return ""
    local = at.astimezone(ZoneInfo(tz))
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def find_for_partner(session: Session, partner_id: int, raw_code: str) -> MallRedemption:
    """The redemption with this code among the partner's own goods; NotFound otherwise (also for another
    partner's code: a partner learns nothing about codes that are not theirs)."""
    code = normalise_code(raw_code)
    row = session.scalar(select(MallRedemption).where(MallRedemption.code == code)) if code else None
    goods = session.get(MallGoods, row.goods_id) if row is not None else None
    if goods is None or goods.partner_id != partner_id:
        raise NotFound(f"code {code!r} unknown to partner {partner_id}", code="unknown_code", message=UNKNOWN_CODE_ZH)
    return row


def collect(session: Session, *, partner_id: int, code: str, at: datetime, tz: str) -> MallRedemption:
    """The partner hands the item over: once. A used, reversed or unknown code changes nothing."""
    row = find_for_partner(session, partner_id, code)
    moved = session.execute(update(MallRedemption).where(MallRedemption.id == row.id, MallRedemption.status == ISSUED)
                            .values(status=COLLECTED, collected_at=at, collected_by=partner_id)).rowcount
    session.refresh(row)
    if not moved:
        if row.status == COLLECTED:
            raise Conflict(f"code {row.code} already collected", code="code_used",
                           message=f"这个领取码已经用过了（{_when(row.collected_at, tz)}领取），不能再领。")
        raise Conflict(f"redemption {row.id} is {row.status}", code="redemption_reversed",
                       message="这次兑换已经撤销，不能领取。")
    return row


def reverse(session: Session, row: MallRedemption, *, reason: str, actor: str, at: datetime) -> MallRedemption:
    """Coins back through the ledger's reversal, the item back in stock; only before it is collected."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a reversal needs a reason", code="reason_required", message="请说明撤销原因。")
    moved = session.execute(update(MallRedemption).where(MallRedemption.id == row.id, MallRedemption.status == ISSUED)
                            .values(status=REVERSED, reversed_at=at, reverse_reason=reason)).rowcount
    session.refresh(row)
    if not moved:
        if row.status == COLLECTED:
            raise Conflict(f"redemption {row.id} collected", code="already_collected",
                           message="物品已经领走了，不能撤销。")
        raise Conflict(f"redemption {row.id} already reversed", code="already_reversed", message="这次兑换已经撤销过了。")
    entry = operations.reverse(session, seq=row.entry_seq, reason=f"撤销兑换：{reason}",
                               actor=operations.Actor(actor, "operator"), key=f"mall:reverse:{row.id}")
    row.reversal_seq = entry.seq
    session.execute(update(MallGoods).where(MallGoods.id == row.goods_id).values(stock=MallGoods.stock + 1))
    session.flush()
    return row


def of_person(session: Session, person_id: int, limit: int = 20) -> list[tuple[MallRedemption, MallGoods]]:
    return list(session.execute(select(MallRedemption, MallGoods).join(MallGoods, MallGoods.id == MallRedemption.goods_id)
                                .where(MallRedemption.person_id == person_id)
                                .order_by(MallRedemption.id.desc()).limit(limit)).all())
