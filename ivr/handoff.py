"""Reaching a person, the part both modes share: the operator ticket (with the conversation so
far, so the operator sees it before picking up) and the number to dial."""
from __future__ import annotations

import logging

from ivr.call_log import CallLog
from ivr.errors import IvrError
from ivr.services import IvrServices

log = logging.getLogger(__name__)


async def operator_number(services: IvrServices, record: CallLog, caller: str, call_sid: str, reason: str,
                          number: str | None = None) -> str:
    """Open the operator ticket unless the assistant already did and named ``number``; return the
    number to dial: the ticket's on-duty operator, else the configured fallback, else ''."""
    if not number:
        body = {"phone": caller or None, "channel": "phone", "conversation_id": call_sid,
                "transcript": [s.__dict__ for s in record.transcript], "reason": reason}
        try:
            ticket = await services.backend.handoff(body, key=f"ivr-handoff-{call_sid}")
            record.event("handoff", reason, handoff_id=ticket.get("id"))
            number = ticket.get("operator_phone") or ""
        except IvrError as exc:
            log.warning("ivr: call %s: no handoff ticket: %s", call_sid, exc)
            record.event("error", "handoff ticket not created")
    return number or services.settings.operator_fallback_number
