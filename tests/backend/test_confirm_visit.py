"""An operator confirms a check-in or check-out the volunteer's position could not make: refused at the
door for distance (nothing stored), confirmed in scope with a reason (audited, no position), then held for
a reviewer before any credit. Another street's operator, no reason or a wrong state: refused, nothing stored."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backend.access import orders as order_actions
from backend.access import visits as visit_actions
from backend.access.principal import Principal
from backend.core.db import unit_of_work
from backend.core.errors import IllegalTransition, InvalidInput, NotFound, PolicyViolation
from backend.matching.dispatch import accept
from backend.models import Anomaly, AuditEntry, Order, ServiceVisit, Station
from backend.volunteers import door
from tests.backend import authz_world as w
from tests.backend.conftest import row_counts

TZ = "Asia/Shanghai"
FAR = (32.066 + 0.02, 118.781)  # about 2.2 km north of the elder's door


@pytest.fixture
def world(state):
    return w.build(state)


def _operator(state, world, street: str, role: str = "clerk") -> Principal:
    with unit_of_work(state.sessions) as s:
        path = s.get(Station, world.tree[street]).path
    return Principal(kind="operator", name=f"operator:{street}", operator_id=1, role=role, scope_path=path,
                     city_level=False)


def _accepted(state, world, which="a") -> tuple[int, int, datetime]:
    order_id = w.open_order(world, which)
    with unit_of_work(state.sessions) as s:
        volunteer = w.new_volunteer(s, state, world.street(which))
        order = accept(s, order_id, volunteer, channel="web", now=datetime.now(timezone.utc))
        return order_id, volunteer, order.start_at


def _refused(state, error, work):
    before = row_counts(state)
    with pytest.raises(error) as caught:
        with unit_of_work(state.sessions) as s:
            work(s)
    assert row_counts(state) == before
    return caught.value


def test_refused_at_the_door_then_confirmed_by_the_streets_operator_then_held_and_approved(state, world):
    order_id, volunteer, start = _accepted(state, world)
    error = _refused(state, PolicyViolation, lambda s: door.check_in(
        s, volunteer, order_id, lat=FAR[0], lon=FAR[1], at=start, policy=state.policy))
    assert "联系社区站点由工作人员确认" in error.message
    clerk = _operator(state, world, "street_a")
    with unit_of_work(state.sessions) as s:
        done = visit_actions.confirm(s, clerk, order_id, step="check_in", reason="电话联系了老人，志愿者在门口",
                                     policy=state.policy, tz=TZ, at=start)
        assert done.value.state == "checked_in"
        assert done.entry.action == "order.confirm_visit" and done.entry.reason == "电话联系了老人，志愿者在门口"
        visit = s.get(ServiceVisit, order_id)
        assert visit.confirmed_by == "operator:street_a" and visit.check_in_lat is None
    with unit_of_work(state.sessions) as s:  # the volunteer checks out at the door, position fine
        order = door.check_out(s, volunteer, order_id, lat=32.066, lon=118.781, at=start + timedelta(minutes=60),
                               policy=state.policy, tz=TZ)
        assert order.state == "held" and order.credit_entry_seq is None
        kinds = set(s.scalars(select(Anomaly.kind).where(Anomaly.order_id == order_id)))
        assert kinds == {"operator_confirmed"}
    reviewer = _operator(state, world, "street_a", role="reviewer")
    with unit_of_work(state.sessions) as s:
        order = order_actions.approve(s, reviewer, order_id, reason="回访老人确认", policy=state.policy,
                                      at=start + timedelta(hours=2)).value
        assert order.state == "completed" and order.served_minutes == 60


def test_a_check_out_refused_for_distance_is_confirmed_and_held(state, world):
    order_id, volunteer, start = _accepted(state, world)
    with unit_of_work(state.sessions) as s:
        door.check_in(s, volunteer, order_id, lat=32.066, lon=118.781, at=start, policy=state.policy)
    _refused(state, PolicyViolation, lambda s: door.check_out(
        s, volunteer, order_id, lat=FAR[0], lon=FAR[1], at=start + timedelta(minutes=50), policy=state.policy, tz=TZ))
    with unit_of_work(state.sessions) as s:
        order = visit_actions.confirm(s, _operator(state, world, "street_a"), order_id, step="check_out",
                                      reason="老人说志愿者刚走", policy=state.policy, tz=TZ,
                                      at=start + timedelta(minutes=50)).value
        assert order.state == "held"
        assert s.get(ServiceVisit, order_id).check_out_lat is None


def test_confirming_is_refused_out_of_scope_without_reason_or_in_the_wrong_state(state, world):
    order_id, _volunteer, start = _accepted(state, world)
    other = _operator(state, world, "street_b")
    clerk = _operator(state, world, "street_a")
    args = {"policy": state.policy, "tz": TZ, "at": start}
    error = _refused(state, NotFound, lambda s: visit_actions.confirm(s, other, order_id, step="check_in",
                                                                      reason="核实了", **args))
    assert error.message == "没有找到这个订单，或者它不在您的管辖范围内。"
    error = _refused(state, InvalidInput, lambda s: visit_actions.confirm(s, clerk, order_id, step="check_in",
                                                                          reason="  ", **args))
    assert error.code == "reason_required"
    error = _refused(state, IllegalTransition, lambda s: visit_actions.confirm(s, clerk, order_id, step="check_out",
                                                                               reason="核实了", **args))
    assert error.message == "这个订单现在不能代为签退。"
    with unit_of_work(state.sessions) as s:
        assert s.get(Order, order_id).state == "accepted"
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.target == f"order:{order_id}")) is None
