"""Who may take which action: one table for the API and the console.

Reviewers and admins decide about money and accounts (approve or revoke a service, grant coins, reverse
a ledger entry, freeze an account, verify a registration or a family link). Clerks enter and follow up
(back-fill, follow-ups, assignment, corrections, cancellations, qualifications). The assistant's
service token acts for the callers it identified (their orders, gifts, visits, consent) and never
takes an operator's decision.
"""
from __future__ import annotations

from dataclasses import dataclass

ADMIN, REVIEWER, CLERK = "admin", "reviewer", "clerk"
DECIDERS = frozenset({ADMIN, REVIEWER})
EVERY_OPERATOR = frozenset({ADMIN, REVIEWER, CLERK})
ADMINS = frozenset({ADMIN})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]  # operator roles allowed
    service: bool = False  # the assistant's service token may take it too


_ENTER = Rule(EVERY_OPERATOR)
_DECIDE = Rule(DECIDERS)
_CALLERS = Rule(EVERY_OPERATOR, service=True)

RULES: dict[str, Rule] = {
    # orders and their fulfilment
    "order.create": _CALLERS, "order.cancel": _CALLERS, "order.accept": _CALLERS, "order.decline": _CALLERS,
    "order.check_in": _CALLERS, "order.check_out": _CALLERS, "order.rate": _CALLERS,
    "order.phone_visit": Rule(frozenset(), service=True),  # the hotline, for the registered number calling
    "order.open": _ENTER, "order.assign": _ENTER, "order.release": _ENTER, "order.offer": _ENTER, "order.correct": _ENTER,
    "order.backfill": _ENTER, "backfill.import": _ENTER, "followup.record": _ENTER,
    "order.confirm_visit": _ENTER,  # a presence the volunteer's position could not make; held for review
    "order.approve": _DECIDE, "order.revoke": _DECIDE, "order.keep": _DECIDE,
    # people and their links
    "person.create": _CALLERS,  # the service's registrations stay pending; an operator's are verified
    "person.add_qualification": _ENTER, "volunteer.supply": _CALLERS, "volunteer.exception": _CALLERS,
    "person.freeze": _DECIDE, "person.unfreeze": _DECIDE,
    "registration.create": _CALLERS, "registration.verify": _DECIDE, "registration.reject": _DECIDE,
    "family_link.create": _CALLERS,  # pending; deciding it is family_link.verify / reject
    "family_link.consent": Rule(frozenset(), service=True),  # the elder's own word, through the assistant
    "family_link.verify": _DECIDE, "family_link.reject": _DECIDE,
    "handoff.create": Rule(frozenset(), service=True),  # the assistant hands a caller over to an operator
    "certificate.issue": _CALLERS, "call.review": _ENTER, "chat.review": _ENTER,
    # the service desk: requests for a person, from the phone or the chat
    "handoff.claim": _ENTER, "handoff.call_back": _ENTER, "handoff.resolve": _ENTER,
    "browser_phone.call": _ENTER,  # an operator calls the hotline as a person of their scope
    # disputes: whoever hears a complaint opens the case; a reviewer or admin decides it
    "dispute.open": _CALLERS, "dispute.statement": _ENTER, "dispute.decide": _DECIDE,
    # coins
    "transfer.gift": _CALLERS, "transfer.donation": _CALLERS, "transfer.redemption": _CALLERS,
    "transfer.grant": _DECIDE, "ledger.reversal": _DECIDE,
    # the volunteer mall: the catalogue and reversing an exchange are decisions about coins
    "mall.partner.save": _DECIDE, "mall.goods.save": _DECIDE, "mall.goods.restock": _DECIDE,
    "mall.benefit.save": _DECIDE, "mall.reverse": _DECIDE,
    "mall.redeem": _CALLERS,  # for the caller the assistant identified, or at the desk for a person in scope
    # the station tree
    "station.create": Rule(ADMINS),
}

ROLE_REFUSED_ZH = {DECIDERS: "只有审核员或管理员可以做这件事。", ADMINS: "只有管理员可以做这件事。"}
