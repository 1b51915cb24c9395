"""Disputes: a complaint opens a case on the order (the assistant may open one for the caller it
identified), an operator records either side's statement, a reviewer decides. Each route is one call
to ``backend.access.disputes``."""
from __future__ import annotations

from fastapi import APIRouter

from backend.access import disputes as dispute_actions
from backend.api.deps import CallerDep, IdempotencyKey, NowDep, OperatorDep, PolicyDep, SessionDep, SettingsDep, once
from backend.api.schemas.disputes import DisputeCreate, DisputeDecision, DisputePublic, StatementCreate
from backend.disputes import cases
from backend.models import Dispute

router = APIRouter(tags=["disputes"])


def dispute_public(session, case: Dispute) -> DisputePublic:
    public = DisputePublic.model_validate(case)
    public.statements = cases.statements(session, case.id)
    return public


@router.post("/orders/{order_id}/disputes", response_model=DisputePublic, status_code=201)
def complain(order_id: int, body: DisputeCreate, session: SessionDep, caller: CallerDep, now: NowDep,
             key: IdempotencyKey = None):
    def work():
        done = dispute_actions.complain(session, caller, order_id, side=body.side, text=body.statement,
                                        source=body.source, chat_id=body.chat_id, call_id=body.call_id,
                                        conversation_id=body.conversation_id, now=now)
        return dispute_public(session, done.value)
    return once(session, caller, f"orders.dispute.{order_id}", key, body, work)


@router.get("/disputes/{dispute_id}", response_model=DisputePublic)
def read(dispute_id: int, session: SessionDep, caller: OperatorDep):
    return dispute_public(session, dispute_actions.visible_dispute(session, caller, dispute_id))


@router.post("/disputes/{dispute_id}/statements", response_model=DisputePublic, status_code=201)
def add_statement(dispute_id: int, body: StatementCreate, session: SessionDep, caller: OperatorDep, now: NowDep):
    done = dispute_actions.add_statement(session, caller, dispute_id, side=body.side, text=body.statement,
                                         heard_via=body.heard_via, now=now)
    return dispute_public(session, done.value)


@router.post("/disputes/{dispute_id}/decision", response_model=DisputePublic)
def decide(dispute_id: int, body: DisputeDecision, session: SessionDep, caller: OperatorDep, policy: PolicyDep,
           settings: SettingsDep, now: NowDep):
    done = dispute_actions.decide(session, caller, dispute_id, decision=body.decision, reason=body.reason,
                                  credited_minutes=body.credited_minutes, freeze_volunteer=body.freeze_volunteer,
                                  policy=policy, tz=settings.timezone, now=now)
    return dispute_public(session, done.value)
