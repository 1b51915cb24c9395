"""An operator confirms a volunteer's presence their phone's position could not: the volunteer stood at
the door, the page refused the check-in or check-out for distance (a poor GPS fix, a large compound), and
the volunteer called the station (the refusal tells them to). The operator in the order's scope records the
check-in or check-out in the volunteer's stead, with a reason, audited. No position is stored, and the
service is held for a reviewer's look before any credit (``checks.unmeasured_presence``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.gate import permit
from backend.access.outcome import Done
from backend.access.principal import Principal
from backend.core.errors import IllegalTransition, InvalidInput
from backend.fulfilment import visits
from backend.models import Order
from backend.orders import states
from backend.policy import PolicyProfile

STEP_ZH = {"check_in": "签到", "check_out": "签退"}


def confirm(session: Session, who: Principal, order_id: int, *, step: str, reason: str, policy: PolicyProfile,
            tz: str, at: datetime) -> Done[Order]:
    """``step``: check_in (an accepted order) or check_out (a checked-in one)."""
    gate = permit(who, "order.confirm_visit")
    order = scope.order(session, who, order_id, for_update=True)
    reason = (reason or "").strip()
    if step not in STEP_ZH:
        raise InvalidInput(f"step {step!r}", code="invalid_step", message="请选择代为签到还是签退。")
    if not reason:
        raise InvalidInput("confirming a visit needs a reason", code="reason_required",
                           message="请写明怎样核实了志愿者在场（例如电话联系了老人）。")
    wanted = states.ACCEPTED if step == "check_in" else states.CHECKED_IN
    if order.state != wanted or order.volunteer_id is None:
        raise IllegalTransition(f"order {order_id} is {order.state}; {step} needs {wanted}",
                                message=f"这个订单现在不能代为{STEP_ZH[step]}。")
    words = f"工作人员代为确认{STEP_ZH[step]}：{reason}"
    if step == "check_in":
        visits.check_in(session, order.id, order.volunteer_id, lat=None, lon=None, at=at, channel="operator",
                        confirmed_by=who.name, reason=words)
    else:
        visits.check_out(session, order.id, order.volunteer_id, lat=None, lon=None, at=at, policy=policy, tz=tz,
                         channel="operator", confirmed_by=who.name, reason=words)
    return Done(order, gate.audit(session, f"order:{order.id}", order.station_id, reason=reason, detail={
        "step": step, "step_zh": STEP_ZH[step], "volunteer_id": order.volunteer_id, "state": order.state}))
