"""Reading the audit trail for operators: entries in their subtree, who the actors were, in Chinese."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from backend.models import AuditEntry, Operator, Person, Station

ACTION_ZH = {
    "console.login": "登录后台", "console.logout": "退出后台",
    "family.login": "家属登录", "family.logout": "家属退出", "family.register": "家属注册",
    "family.certificate": "家属下载服务证明", "family.link_request": "家属申请绑定老人",
    "volunteer.login": "志愿者登录", "volunteer.logout": "志愿者退出", "volunteer.register": "志愿者网页登记",
    "volunteer.accept": "志愿者网页接单", "volunteer.decline": "志愿者网页婉拒", "volunteer.check_in": "志愿者上门签到",
    "volunteer.check_out": "志愿者上门签退", "volunteer.rate": "志愿者评价老人", "volunteer.certificate": "志愿者下载服务证明",
    "volunteer.offer_by": "志愿者设置接单通知方式",
    "call.review": "通话审核通过", "call.flag": "通话标记有问题",
    "chat.review": "聊天审核通过", "chat.flag": "聊天标记有问题",
    "handoff.create": "请求转人工", "handoff.claim": "认领转人工请求", "handoff.call_back": "回电记录",
    "handoff.resolve": "转人工请求办结",
    "order.create": "创建订单", "order.cancel": "取消订单", "order.accept": "志愿者接单", "order.decline": "志愿者婉拒",
    "order.check_in": "服务签到", "order.check_out": "服务签退", "order.rate": "评价服务",
    "order.open": "核实需求并开放派单", "order.assign": "人工派单",
    "order.release": "改派（志愿者没来）", "order.offer": "派单", "order.correct": "更正订单",
    "order.backfill": "纸质补登订单", "backfill.import": "导入补登表", "followup.record": "记录回访",
    "followup.not_reached": "回访未联系上",
    "order.confirm_visit": "代为确认签到/签退（定位不准）", "order.approve": "审核通过服务（记入时间币）", "order.revoke": "撤销服务（冲正时间币）", "order.keep": "保留服务记录",
    "person.create": "登记人员", "person.add_qualification": "登记资质", "person.freeze": "冻结账户",
    "person.unfreeze": "解冻账户", "volunteer.supply": "设置志愿者服务时间", "volunteer.exception": "志愿者请假",
    "registration.create": "提交登记", "registration.verify": "核实登记", "registration.reject": "驳回登记",
    "family_link.create": "申请亲属绑定", "family_link.consent": "老人同意绑定",
    "family_link.verify": "核实亲属绑定", "family_link.reject": "驳回亲属绑定",
    "certificate.issue": "开具服务证明", "browser_phone.call": "用网页电话拨打热线",
    "transfer.gift": "赠予时间币", "transfer.donation": "捐赠时间币", "transfer.redemption": "兑换时间币",
    "transfer.grant": "发放时间币", "ledger.reversal": "冲正记账",
    "station.create": "新建站点",
    "mall.partner.save": "保存商城合作单位", "mall.goods.save": "保存商城物品", "mall.goods.restock": "调整物品库存",
    "mall.benefit.save": "保存志愿者优惠", "mall.reverse": "撤销物品兑换（退回时间币）",
    "mall.redeem": "代志愿者兑换物品",
    "volunteer.redeem": "志愿者兑换物品", "partner.login": "合作单位登录", "partner.logout": "合作单位退出",
    "partner.collect": "合作单位确认领取", "partner.benefit_check": "合作单位核验优惠码",
    "dispute.open": "登记投诉", "dispute.statement": "记录投诉双方说法", "dispute.decide": "处理投诉",
}


def action_text(action: str) -> str:
    """The Chinese name of an audited action; an action without one reads as a plain "其他操作"."""
    return ACTION_ZH.get(action, "其他操作")


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


def target_condition(typed: str):
    """What the 对象 box matches: a bare number is any record with that number (订单 41, 人员 41 …);
    a phone number or a call id matches as typed; "order:41" (links from other pages) exactly."""
    typed = typed.strip()
    if typed.isdigit() and len(typed) < 11:
        return AuditEntry.target.like(f"%:{typed}")
    return AuditEntry.target.contains(typed, autoescape=True)


def search(session: Session, scope_path: str, own_actor: str, city_level: bool, wanted: AuditSearch, *,
           limit: int = PAGE_SIZE, offset: int = 0) -> tuple[list[AuditEntry], int]:
    where = [_visible(scope_path, own_actor, city_level)]
    if wanted.action:
        where.append(AuditEntry.action == wanted.action)
    if wanted.actor:
        where.append(AuditEntry.actor == wanted.actor)
    if wanted.target:
        where.append(target_condition(wanted.target))
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


def actor_text(names: dict[str, str], actor: str) -> str:
    """Who acted, in words: a named operator or person, the assistant, or the system."""
    if actor in names:
        return names[actor]
    kind = actor.partition(":")[0]
    return {"service": "电话/聊天助手", "system": "系统自动", "person": "本人或家属",
            "operator": "工作人员"}.get(kind, "系统")


TARGET_ZH = {"person": "人员", "call": "通话", "order": "订单", "registration": "登记", "family_link": "亲属绑定",
             "operator": "操作员", "followup": "回访", "chat": "聊天", "handoff": "转人工请求", "ledger_entry": "记账记录",
             "station": "站点"}


def target_labels(session: Session, entries: list[AuditEntry]) -> dict[str, str]:
    """"person:12" → "人员 王秀英", "order:4" → "订单 #4", "call:CA…" → "通话 CA…"."""
    people = {e.target for e in entries if e.target.startswith("person:")}
    operators = {e.target for e in entries if e.target.startswith("operator:")}
    names = actor_names(session, [AuditEntry(actor=t) for t in people | operators])
    labels = {}
    for entry in entries:
        kind, _, raw = entry.target.partition(":")
        label = TARGET_ZH.get(kind, "记录")
        shown = names.get(entry.target) or (f"#{raw}" if raw.isdigit() else raw)
        labels[entry.target] = f"{label} {shown}" if raw else entry.target
    return labels


def target_link(target: str) -> str | None:
    """The console page of an audit target, when there is one."""
    kind, _, raw = target.partition(":")
    pages = {"person": "/console/people/", "call": "/console/calls/", "order": "/console/orders/",
             "chat": "/console/chats/", "handoff": "/console/inbox/handoffs/"}
    return pages[kind] + raw if kind in pages and raw else None


def detail(entry: AuditEntry) -> dict:
    try:
        return json.loads(entry.detail_json or "{}")
    except ValueError:
        return {}
