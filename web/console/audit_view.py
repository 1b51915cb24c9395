"""Reading the audit trail for operators: entries in their subtree, who the actors were, in Chinese."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from backend.models import AuditEntry, Operator, Person, Station

ACTION_ZH = {
    "console.login": "登录后台", "console.logout": "退出后台",
    "call.review": "通话审核通过", "call.flag": "通话标记有问题",
    "person.freeze": "冻结账户", "person.unfreeze": "解冻账户", "person.add_qualification": "登记资质",
    "registration.verify": "核实登记", "registration.reject": "驳回登记",
    "family_link.verify": "核实亲属绑定", "family_link.reject": "驳回亲属绑定",
}
PAGE_SIZE = 30


@dataclass(frozen=True)
class AuditSearch:
    action: str = ""
    actor: str = ""
    target: str = ""


def _visible(scope_path: str, own_actor: str, city_level: bool):
    """Entries about the operator's subtree, their own entries, and (city level) entries tied to no station."""
    conditions = [Station.path.startswith(scope_path, autoescape=True), AuditEntry.actor == own_actor]
    if city_level:
        conditions.append(AuditEntry.station_id.is_(None))
    return or_(*conditions)


def search(session: Session, scope_path: str, own_actor: str, city_level: bool, wanted: AuditSearch, *,
           limit: int = PAGE_SIZE, offset: int = 0) -> tuple[list[AuditEntry], int]:
    where = [_visible(scope_path, own_actor, city_level)]
    if wanted.action:
        where.append(AuditEntry.action == wanted.action)
    if wanted.actor:
        where.append(AuditEntry.actor == wanted.actor)
    if wanted.target:
        where.append(AuditEntry.target.contains(wanted.target, autoescape=True))
    base = select(AuditEntry).outerjoin(Station, Station.id == AuditEntry.station_id).where(and_(*where))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def visible_actions(session: Session, scope_path: str, own_actor: str, city_level: bool) -> list[str]:
    query = (select(AuditEntry.action).distinct().outerjoin(Station, Station.id == AuditEntry.station_id)
             .where(_visible(scope_path, own_actor, city_level)).order_by(AuditEntry.action))
    return list(session.scalars(query))


def operators_in_scope(session: Session, scope_path: str) -> list[Operator]:
    return list(session.scalars(select(Operator).join(Station, Station.id == Operator.station_id)
                                .where(Station.path.startswith(scope_path, autoescape=True)).order_by(Operator.id)))


def actor_names(session: Session, entries: list[AuditEntry]) -> dict[str, str]:
    """"operator:3" → the operator's name, "person:12" → the person's name; others as stored."""
    names: dict[str, str] = {}
    ids = {"operator": set(), "person": set()}
    for entry in entries:
        kind, _, raw = entry.actor.partition(":")
        if kind in ids and raw.isdigit():
            ids[kind].add(int(raw))
    for kind, model in (("operator", Operator), ("person", Person)):
        if ids[kind]:
            for row in session.scalars(select(model).where(model.id.in_(ids[kind]))):
                names[f"{kind}:{row.id}"] = row.name
    return names


TARGET_ZH = {"person": "人员", "call": "通话", "order": "订单", "registration": "登记", "family_link": "亲属绑定",
             "operator": "操作员"}


def target_labels(session: Session, entries: list[AuditEntry]) -> dict[str, str]:
    """"person:12" → "人员 王秀英", "order:4" → "订单 #4", "call:CA…" → "通话 CA…"."""
    people = {e.target for e in entries if e.target.startswith("person:")}
    operators = {e.target for e in entries if e.target.startswith("operator:")}
    names = actor_names(session, [AuditEntry(actor=t) for t in people | operators])
    labels = {}
    for entry in entries:
        kind, _, raw = entry.target.partition(":")
        label = TARGET_ZH.get(kind, kind)
        shown = names.get(entry.target) or (f"#{raw}" if raw.isdigit() else raw)
        labels[entry.target] = f"{label} {shown}" if raw else entry.target
    return labels


def target_link(target: str) -> str | None:
    """The console page of an audit target, when there is one."""
    kind, _, raw = target.partition(":")
    pages = {"person": "/console/people/", "call": "/console/calls/", "order": "/console/orders/"}
    return pages[kind] + raw if kind in pages and raw else None


def detail(entry: AuditEntry) -> dict:
    try:
        return json.loads(entry.detail_json or "{}")
    except ValueError:
        return {}
