"""The Chinese a person reads about a dispute: sides, sources, decisions, and what a decision means for
each side (the text both are sent, the console's labels)."""
from __future__ import annotations

from backend.ledger.coin_words import coins_text

SIDE_ZH = {"elder": "老人一方", "volunteer": "志愿者一方"}
SOURCE_ZH = {"rating": "评价", "followup": "回访电话", "chat": "家属聊天", "phone": "电话", "operator": "工作人员登记"}
DECISION_ZH = {"uphold": "维持原记录", "partial": "部分核减", "revoke": "撤销服务"}
STATUS_ZH = {"open": "待处理", "decided": "已处理"}


def decision_text(decision: str, credited_minutes: int | None) -> str:
    """The decision as the console shows it ("部分核减：按45分钟记")."""
    if decision == "partial" and credited_minutes:
        return f"部分核减：按{credited_minutes}分钟记"
    return DECISION_ZH.get(decision, "—")


def outcome_for(side: str, decision: str, *, credited_minutes: int | None, refunded: int) -> str:
    """What the decision means for one side, in a sentence of the text they are sent. ``refunded``: the
    minutes given back to the elder (0 when they had not paid)."""
    back = f"，退回您{coins_text(refunded)}" if refunded > 0 else ""
    if side == "elder":
        return {"uphold": "经核实，服务记录不变",
                "partial": f"按实际服务{credited_minutes}分钟记账{back}",
                "revoke": f"这次服务已撤销{back}"}[decision]
    return {"uphold": "经核实，服务记录不变，时长照记",
            "partial": f"服务时长按{credited_minutes}分钟记，多记的已扣回",
            "revoke": "这次服务已撤销，记入的时长已扣回"}[decision]


def handoff_outcome(service: str, when: str) -> str:
    """What a request for a person that became a case says it ended with (the family page shows it)."""
    return f"已登记为投诉：{when}的{service}。工作人员核实后会告诉您结果。"
