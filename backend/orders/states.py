"""The order state machine. Every move not listed here is an IllegalTransition."""
from __future__ import annotations

REQUESTED, OPEN, ASSIGNED, ACCEPTED = "requested", "open", "assigned", "accepted"
CHECKED_IN, CHECKED_OUT, COMPLETED, RATED = "checked_in", "checked_out", "completed", "rated"
CANCELLED, EXPIRED, REVOKED = "cancelled", "expired", "revoked"
HELD = "held"  # fulfilment checks failed: an operator approves (credit) or revokes

TRANSITIONS: dict[str, frozenset[str]] = {
    REQUESTED: frozenset({OPEN, CANCELLED, EXPIRED}),          # operator review
    OPEN: frozenset({ASSIGNED, ACCEPTED, CANCELLED, EXPIRED}),  # dispatch offers, or a volunteer picks it
    ASSIGNED: frozenset({ACCEPTED, OPEN, CANCELLED, EXPIRED}),  # offer declined or timed out → open
    ACCEPTED: frozenset({CHECKED_IN, OPEN, CANCELLED, HELD}),   # withdraws → open; check-out without check-in → held
    CHECKED_IN: frozenset({CHECKED_OUT}),
    CHECKED_OUT: frozenset({COMPLETED, HELD}),
    HELD: frozenset({COMPLETED, REVOKED}),
    COMPLETED: frozenset({RATED, REVOKED}),
    RATED: frozenset({REVOKED}),
    CANCELLED: frozenset(), EXPIRED: frozenset(), REVOKED: frozenset(),
}
FINAL = frozenset({CANCELLED, EXPIRED, REVOKED, RATED})
ACTIVE = frozenset({REQUESTED, OPEN, ASSIGNED, ACCEPTED, CHECKED_IN, CHECKED_OUT, HELD})
CANCELLABLE = frozenset(s for s, targets in TRANSITIONS.items() if CANCELLED in targets)
ALL = frozenset(TRANSITIONS)

STATE_ZH = {
    REQUESTED: "待审核", OPEN: "待接单", ASSIGNED: "已派单", ACCEPTED: "已接单", CHECKED_IN: "服务中",
    CHECKED_OUT: "已签退", COMPLETED: "已完成", RATED: "已评价", CANCELLED: "已取消", EXPIRED: "已过期",
    REVOKED: "已撤销", HELD: "待核查",
}


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())
