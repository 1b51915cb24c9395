"""Where a volunteer stands: hours served, star level and the way to the next, coins, the ledger in
plain words, and the trainings and qualifications on record."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.certificates.records import hours_text, stars_text
from backend.ledger import queries
from backend.ledger.coin_words import coins_text
from backend.ledger.records import Kind
from backend.models import Qualification, Training
from backend.policy import PolicyProfile
from backend.volunteers.words import when_text

KIND_ZH = {Kind.SERVICE_CREDIT: "服务入账", Kind.REDEMPTION: "兑换服务", Kind.GOODS_REDEMPTION: "兑换物品",
           Kind.GIFT: "赠送", Kind.DONATION: "捐给互助基金", Kind.GRANT: "基金补贴", Kind.REVERSAL: "撤销",
           Kind.CAP_OVERFLOW: "超出上限转入基金"}
QUALIFICATION_ZH = {"doctor": "医生", "nurse": "护士", "lawyer": "律师", "counsellor": "心理咨询师"}


@dataclass(frozen=True)
class LedgerLine:
    when: str
    what: str
    amount: str  # "收入2个时间币" / "支出半个时间币"
    incoming: bool


@dataclass(frozen=True)
class Standing:
    hours: str
    service_minutes: int
    balance: str
    stars: str
    level: int
    next_text: str
    progress_percent: int
    lines: list[LedgerLine]
    trainings: list[str]
    qualifications: list[str]


def _progress(served: int, policy: PolicyProfile) -> tuple[str, int]:
    level = policy.star_level(served)
    to_next = policy.minutes_to_next_level(served)
    if to_next is None:
        return "已经是最高星级，谢谢您！", 100
    floor = policy.star_thresholds_hours[level - 1] * 60 if level else 0
    ceiling = policy.star_thresholds_hours[level] * 60
    percent = int(100 * (served - floor) / (ceiling - floor)) if ceiling > floor else 0
    return f"再服务{hours_text(to_next)}升到{level + 1}星级", max(0, min(100, percent))


def ledger_lines(session: Session, person_id: int, tz: str, limit: int = 20) -> list[LedgerLine]:
    out = []
    for row in queries.history(session, person_id, limit=limit):
        minutes = row["minutes"]
        what = KIND_ZH.get(row["kind"], "记账")
        if row["memo"]:
            what = f"{what}：{row['memo']}"
        amount = ("收入" if minutes >= 0 else "支出") + coins_text(abs(minutes))
        out.append(LedgerLine(when_text(row["at"], tz), what, amount, minutes >= 0))
    return out


def of(session: Session, volunteer_id: int, policy: PolicyProfile, *, tz: str, today: date) -> Standing:
    stars = queries.star_status(session, volunteer_id, policy)
    next_text, percent = _progress(stars.service_minutes, policy)
    trainings = [f"{t.course}（{t.completed_on.year}年{t.completed_on.month}月{t.completed_on.day}日完成）"
                 for t in session.scalars(select(Training).where(Training.person_id == volunteer_id)
                                          .order_by(Training.completed_on.desc()))]
    qualifications = []
    for q in session.scalars(select(Qualification).where(Qualification.person_id == volunteer_id)):
        name = QUALIFICATION_ZH.get(q.kind, q.kind)
        if q.expires_on is None:
            qualifications.append(f"{name}（长期有效）")
        elif q.expires_on < today:
            qualifications.append(f"{name}（已过期，请到站点更新）")
        else:
            qualifications.append(f"{name}（有效期至{q.expires_on.year}年{q.expires_on.month}月{q.expires_on.day}日）")
    return Standing(hours=hours_text(stars.service_minutes), service_minutes=stars.service_minutes,
                    balance=coins_text(queries.balance_minutes(session, volunteer_id)),
                    stars=stars_text(stars.level, len(policy.star_thresholds_hours)), level=stars.level,
                    next_text=next_text, progress_percent=percent,
                    lines=ledger_lines(session, volunteer_id, tz), trainings=trainings,
                    qualifications=qualifications)
