"""The ledger's business operations. ``X_request`` checks the policy and builds the journal request;
``X`` appends it in the caller's transaction (``journal``). A ``GroupAppender`` appends the same
requests in batches (``appender``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from backend.core.errors import InvalidInput, PolicyViolation
from backend.ledger import journal
from backend.ledger.accounts import clearing_account_id, fund_account_id, person_account_id
from backend.ledger.records import Entry, Kind, Posting, Transaction
from backend.models import LedgerEntry
from backend.models import Posting as PostingRow
from backend.people.identity import age_on
from backend.people.registry import DIRECT_RELATIONS, get_person, relation_between, spouse_of
from backend.policy import PolicyProfile


@dataclass(frozen=True)
class Actor:
    """Who is writing and through which channel; recorded on every entry."""

    name: str
    channel: str


def _positive(minutes: int) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise InvalidInput(f"minutes must be a positive whole number, got {minutes!r}",
                           code="invalid_amount", message="数量不对。")
    return minutes


def credit_service(session: Session, **kwargs) -> list[Entry]:
    """Credit hours served × the tier multiplier; above the policy cap, refuse or overflow to the fund.
    Returns the credit and, if the cap overflowed, the overflow entry. Arguments: ``credit_service_request``."""
    return journal.append_request(session, credit_service_request(session, **kwargs))


def credit_service_request(session: Session, *, volunteer_id: int, station_id: int, served_minutes: int, tier: str,
                           policy: PolicyProfile, actor: Actor, order_id: int | None = None,
                           key: str | None = None, memo: str = "") -> journal.Request:
    _positive(served_minutes)
    coins = served_minutes * policy.multiplier(tier)
    volunteer = person_account_id(session, volunteer_id)  # NotFound for someone who does not exist
    clearing = clearing_account_id(session, station_id)
    credit = Transaction(
        kind=Kind.SERVICE_CREDIT, postings=(Posting(clearing, -coins), Posting(volunteer, coins)),
        actor=actor.name, channel=actor.channel, memo=memo, order_id=order_id,
        service_minutes=served_minutes, idempotency_key=key)
    return _capped(session, credit, volunteer, policy)


def _capped(session: Session, credit: Transaction, account_id: int, policy: PolicyProfile) -> journal.Request:
    """A service credit with the policy's account cap, decided by the journal against the balance
    it appends to (above the cap: refused, or the excess goes on to the fund)."""
    limit = policy.account_cap_minutes
    if limit is None:
        return journal.Request(credit)
    overflow_to = fund_account_id(session) if policy.cap_overflow == "to_fund" else None
    return journal.Request(credit, journal.Cap(account_id, limit, overflow_to))


def check_redemption_age(session: Session, person_id: int, policy: PolicyProfile, today: date) -> None:
    person = get_person(session, person_id)
    if age_on(person.birth_date, today) >= policy.redemption_age:
        return
    spouse = spouse_of(session, person_id)
    if spouse is not None and age_on(spouse.birth_date, today) >= policy.redemption_age:
        return
    raise PolicyViolation(f"redemption needs the holder or spouse to be {policy.redemption_age}+",
                          code="redemption_age", message=f"本人或配偶年满{policy.redemption_age}周岁才能兑换。")


def redeem(session: Session, **kwargs) -> Entry:
    """Arguments: ``redeem_request``."""
    return journal.append_request(session, redeem_request(session, **kwargs))[0]


def redeem_request(session: Session, *, person_id: int, station_id: int, minutes: int, policy: PolicyProfile,
                   today: date, actor: Actor, order_id: int | None = None, goods: bool = False,
                   key: str | None = None, memo: str = "") -> journal.Request:
    """Spend coins on a service (or goods where the policy allows) in the station's district.

    The age rule is for services only: the seeds tie it to needing a service ("志愿者在本人或其配偶达到
    60周岁且有服务需求时", seeds/002 line 136), while the goods half is exchanged at the outlets by
    volunteers of any age ("其中 50%可到各网点兑换物品；剩余 50%时间待志愿者需要服务时…", seeds/003 line 49).
    """
    _positive(minutes)
    if not goods:
        check_redemption_age(session, person_id, policy, today)
    account = person_account_id(session, person_id)
    if goods:
        _check_goods_share(session, account, minutes, policy)
    clearing = clearing_account_id(session, station_id)
    return journal.Request(Transaction(
        kind=Kind.GOODS_REDEMPTION if goods else Kind.REDEMPTION,
        postings=(Posting(account, -minutes), Posting(clearing, minutes)),
        actor=actor.name, channel=actor.channel, memo=memo, order_id=order_id, idempotency_key=key))


def goods_share_left(session: Session, account_id: int, policy: PolicyProfile) -> int:
    """Minutes the account may still spend on goods under the policy's share of what it earned."""
    earned = _net_for(session, account_id, Kind.SERVICE_CREDIT)
    spent = -_net_for(session, account_id, Kind.GOODS_REDEMPTION)
    return max(0, earned * policy.goods_share_percent // 100 - spent)


def _check_goods_share(session: Session, account_id: int, minutes: int, policy: PolicyProfile) -> None:
    if policy.goods_share_percent == 0:
        raise PolicyViolation("this policy does not exchange coins for goods", code="goods_not_allowed",
                              message="本地时间币不能兑换物品。")
    left = goods_share_left(session, account_id, policy)
    if minutes > left:
        raise PolicyViolation(f"goods share exhausted: {minutes} min asked, {left} min left",
                              code="goods_share", message=f"兑换物品最多用{policy.goods_share_percent}%的时间币。")


def _net_for(session: Session, account_id: int, kind: str) -> int:
    """The account's postings of ``kind`` less what reversals of them gave back: a revoked (fake)
    service earns no goods share, and a reversed goods redemption returns its share."""
    original = aliased(LedgerEntry)
    direct = session.scalar(select(func.coalesce(func.sum(PostingRow.amount), 0))
                            .join(LedgerEntry, LedgerEntry.seq == PostingRow.entry_seq)
                            .where(PostingRow.account_id == account_id, LedgerEntry.kind == kind)) or 0
    undone = session.scalar(select(func.coalesce(func.sum(PostingRow.amount), 0))
                            .join(LedgerEntry, LedgerEntry.seq == PostingRow.entry_seq)
                            .join(original, original.seq == LedgerEntry.reverses_seq)
                            .where(PostingRow.account_id == account_id, LedgerEntry.kind == Kind.REVERSAL,
                                   original.kind == kind)) or 0
    return direct + undone


def check_gift_allowed(session: Session, from_id: int, to_id: int, policy: PolicyProfile) -> None:
    if from_id == to_id:
        raise InvalidInput("cannot gift to oneself", code="gift_to_self", message="不能赠送给自己。")
    person_account_id(session, to_id)  # NotFound for someone who does not exist
    if policy.gift_recipients == "anyone":
        return
    link = relation_between(session, from_id, to_id)
    if link is None:
        raise PolicyViolation(f"policy {policy.name} allows gifts only to linked family",
                              code="gift_not_allowed", message="按本地规定，只能赠送给已绑定的亲属。")
    if policy.gift_recipients == "direct_relatives" and link.relation not in DIRECT_RELATIONS:
        raise PolicyViolation(f"policy {policy.name} allows gifts only to direct relatives, not {link.relation}",
                              code="gift_not_allowed", message="按本地规定，只能赠送给直系亲属。")


def gift(session: Session, **kwargs) -> Entry:
    """Arguments: ``gift_request``."""
    return journal.append_request(session, gift_request(session, **kwargs))[0]


def gift_request(session: Session, *, from_id: int, to_id: int, minutes: int, policy: PolicyProfile, actor: Actor,
                 key: str | None = None, memo: str = "") -> journal.Request:
    _positive(minutes)
    check_gift_allowed(session, from_id, to_id, policy)
    sender, receiver = person_account_id(session, from_id), person_account_id(session, to_id)
    return journal.Request(Transaction(
        kind=Kind.GIFT, postings=(Posting(sender, -minutes), Posting(receiver, minutes)),
        actor=actor.name, channel=actor.channel, memo=memo, idempotency_key=key))


def donate(session: Session, **kwargs) -> Entry:
    """Arguments: ``donate_request``."""
    return journal.append_request(session, donate_request(session, **kwargs))[0]


def donate_request(session: Session, *, from_id: int, minutes: int, policy: PolicyProfile, actor: Actor,
                   key: str | None = None, memo: str = "") -> journal.Request:
    _positive(minutes)
    if not policy.donation_allowed:
        raise PolicyViolation("donations are not allowed by this policy", code="donation_not_allowed",
                              message="本地暂不接受捐赠。")
    sender = person_account_id(session, from_id)
    return journal.Request(Transaction(
        kind=Kind.DONATION, postings=(Posting(sender, -minutes), Posting(fund_account_id(session), minutes)),
        actor=actor.name, channel=actor.channel, memo=memo, idempotency_key=key))


def grant(session: Session, **kwargs) -> Entry:
    """Arguments: ``grant_request``."""
    return journal.append_request(session, grant_request(session, **kwargs))[0]


def grant_request(session: Session, *, to_id: int, minutes: int, actor: Actor, key: str | None = None,
                  memo: str = "") -> journal.Request:
    """Give fund coins to a priority elder (经济困难、失能、高龄 ...)."""
    _positive(minutes)
    receiver = person_account_id(session, to_id)
    return journal.Request(Transaction(
        kind=Kind.GRANT, postings=(Posting(fund_account_id(session), -minutes), Posting(receiver, minutes)),
        actor=actor.name, channel=actor.channel, memo=memo, idempotency_key=key))


def reverse(session: Session, **kwargs) -> Entry:
    """Arguments: ``reverse_request``."""
    return journal.append_request(session, reverse_request(session, **kwargs))[0]


def reverse_request(session: Session, *, seq: int, reason: str, actor: Actor, key: str | None = None) -> journal.Request:
    """Undo entry ``seq`` with opposite postings; the original stays, the reversal points at it.

    Claw-back may take a person's balance below what they hold only if they already spent the
    coins; then the reversal is refused (InsufficientBalance) and an operator must settle it.
    """
    if not reason.strip():
        raise InvalidInput("a reversal needs a reason", code="reason_required", message="请说明撤销原因。")
    original = journal.load_entry(session, seq)
    txn = original.transaction
    return journal.Request(Transaction(
        kind=Kind.REVERSAL, postings=tuple(Posting(p.account_id, -p.amount) for p in txn.postings),
        actor=actor.name, channel=actor.channel, memo=reason, order_id=txn.order_id, reverses_seq=seq,
        service_minutes=-txn.service_minutes, idempotency_key=key))
