"""What a certificate states, gathered from the ledger as of one head ``seq``.

The data is a frozen record; ``content_hash`` is the SHA-256 of its canonical JSON form, so the
same ledger always yields the same hash and any edit to a stated entry changes it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.ledger.accounts import person_account
from backend.models import LedgerEntry, LedgerHead, Person, Posting
from backend.people import registry
from backend.policy import PolicyProfile

HASH_PREFIX_CHARS = 12


@dataclass(frozen=True)
class LedgerLine:
    """One ledger entry behind the stated hours.

    seq: the entry's number in the chain.
    created_at: when it was appended (UTC).
    kind: ``service_credit`` or ``reversal`` (of a service credit).
    service_minutes: minutes served it adds (negative for a reversal).
    coins_minutes: what it moved into the person's account (after the tier multiplier).
    reverses_seq: for a reversal, the entry it undoes.
    hash: the entry's full chain hash; certificates print its first ``HASH_PREFIX_CHARS``.
    """

    seq: int
    created_at: datetime
    kind: str
    service_minutes: int
    coins_minutes: int
    reverses_seq: int | None
    hash: str

    @property
    def hash_prefix(self) -> str:
        return self.hash[:HASH_PREFIX_CHARS]


@dataclass(frozen=True)
class CertificateData:
    """Everything a certificate states.

    person_id: whose record it is (never shown on the public verification page).
    name: full name, printed on the PDF only; the public page shows ``name_masked``.
    id_masked: ID number as stored (first four and last four characters), or None if unknown.
    service_minutes: lifetime minutes served up to ``ledger_seq``.
    star_level: the star level those minutes reach under ``policy_name``.
    policy_name / city_zh: the policy profile whose thresholds gave the stars.
    ledger_seq: the chain head the data was read at.
    lines: the service credits and their reversals behind ``service_minutes``, oldest first.
    """

    person_id: int
    name: str
    id_masked: str | None
    service_minutes: int
    star_level: int
    policy_name: str
    city_zh: str
    ledger_seq: int
    lines: tuple[LedgerLine, ...]

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def credited_seqs(self) -> frozenset[int]:
        return frozenset(line.seq for line in self.lines if line.kind != "reversal")


def mask_name(name: str) -> str:
    """王秀英 → 王*英, 李明 → 李*, 欧阳小芳 → 欧**芳: enough to recognise, not to identify."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def head_seq(session: Session) -> int:
    head = session.get(LedgerHead, 1)
    return head.seq if head else 0


def gather(session: Session, person_id: int, policy: PolicyProfile, *, upto_seq: int | None = None) -> CertificateData:
    """Read a person's certificate data from entries with ``seq <= upto_seq`` (default: the head)."""
    person: Person = registry.get_person(session, person_id)
    upto = head_seq(session) if upto_seq is None else upto_seq
    account = person_account(session, person_id)
    rows = session.execute(
        select(LedgerEntry.seq, LedgerEntry.created_at, LedgerEntry.kind, LedgerEntry.service_minutes,
               LedgerEntry.reverses_seq, LedgerEntry.hash, Posting.amount)
        .join(Posting, Posting.entry_seq == LedgerEntry.seq)
        .where(Posting.account_id == account.id, LedgerEntry.service_minutes != 0, LedgerEntry.seq <= upto)
        .order_by(LedgerEntry.seq)
    ).all()
    lines = tuple(LedgerLine(seq=r.seq, created_at=r.created_at, kind=r.kind, service_minutes=r.service_minutes,
                             coins_minutes=r.amount, reverses_seq=r.reverses_seq, hash=r.hash) for r in rows)
    served = sum(line.service_minutes for line in lines)
    return CertificateData(
        person_id=person.id, name=person.name, id_masked=person.id_masked, service_minutes=served,
        star_level=policy.star_level(served), policy_name=policy.name, city_zh=policy.city_zh,
        ledger_seq=upto, lines=lines)


def later_reversals(session: Session, data: CertificateData) -> list[int]:
    """Seqs of credits on the certificate that were reversed after it was issued."""
    if not data.credited_seqs:
        return []
    return list(session.scalars(
        select(LedgerEntry.reverses_seq)
        .where(LedgerEntry.seq > data.ledger_seq, LedgerEntry.reverses_seq.in_(data.credited_seqs))
        .order_by(LedgerEntry.reverses_seq)))


def content_hash(data: CertificateData) -> str:
    """SHA-256 of the canonical JSON of what the certificate states."""
    body = asdict(data)
    body["lines"] = [[line.seq, line.kind, line.service_minutes, line.coins_minutes, line.reverses_seq, line.hash]
                     for line in data.lines]
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def hours_text(minutes: int) -> str:
    """125 → '2小时5分钟', 120 → '2小时', 45 → '45分钟', 0 → '0小时'; negative for reversals."""
    hours, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else ""
    if hours and rest:
        return f"{sign}{hours}小时{rest}分钟"
    return f"{sign}{rest}分钟" if rest else f"{sign}{hours}小时"


_LEVEL_ZH = "零一二三四五六七八九十"


def stars_text(level: int, levels: int) -> str:
    """3 of 5 → '★★★☆☆ 三星级'; 0 → '暂未达到星级'."""
    if level <= 0:
        return "暂未达到星级"
    word = _LEVEL_ZH[level] if level < len(_LEVEL_ZH) else str(level)
    return "★" * level + "☆" * max(0, levels - level) + f" {word}星级"
