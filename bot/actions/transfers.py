"""Gifts and donations of time coins: form validators, read-back after checking the active
policy and the balance, and the transfer itself on affirm."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.backend_client import BackendError, NotFound, idempotency_key
from bot.actions.forms import Leavable, first, forget, problem, solved, was_stopped
from bot.actions.parsing import parse_coin_minutes, parse_phone
from backend.ledger.coin_words import coins_text

GIFT_SLOTS = ("coin_amount", "recipient_phone", "relation", "gift_to", "pending_confirmation")
DONATION_SLOTS = ("coin_amount", "pending_confirmation")
DIRECT_RELATIVES = {"spouse", "child", "parent", "grandchild"}
# A link's relation is what the member is to the elder; seen from the member's side it is the inverse.
_INVERSE = {"child": "parent", "parent": "child", "grandchild": "grandparent", "grandparent": "grandchild",
            "spouse": "spouse", "sibling": "sibling"}


def gift_refusal(policy: dict, relation: str | None, recipient: dict, caller: dict) -> str | None:
    """The response key explaining why this gift is not allowed, or None when it is.

    ``policy["gift_recipients"]`` is "anyone", "direct_relatives" (Beijing: 直系亲属) or
    "linked_family" (only family linked to the giver in the backend). The backend checks again.
    """
    if recipient["id"] == caller["id"]:
        return "utter_gift_to_self"
    rule = policy.get("gift_recipients", "anyone")
    link_relation = next((link.get("relation") for link in caller.get("linked_elders") or []
                          if link["id"] == recipient["id"]), None) or next(
        (link.get("relation") for link in recipient.get("linked_elders") or [] if link["id"] == caller["id"]), None) \
        or recipient.get("link_relation")
    if rule == "direct_relatives" and (link_relation or relation) not in DIRECT_RELATIVES:
        return "utter_gift_direct_relatives_only"
    if rule == "linked_family" and link_relation is None:
        return "utter_gift_linked_family_only"
    return None


def family_member(backend, caller: dict, relation: str | None) -> dict | None:
    """The one person the caller's family links name by ``relation`` ("我儿子" → child), as a
    PersonPublic plus ``link_relation``; None when no link or several match (then the phone is asked)."""
    if not relation:
        return None
    found = [(link["member_id"], link["relation"]) for link in backend.family_links(caller["id"])
             if link.get("relation") == relation and link.get("consent") != "revoked"]
    found += [(link["id"], link.get("relation")) for link in caller.get("linked_elders") or []
              if _INVERSE.get(link.get("relation")) == relation]
    if len({person_id for person_id, _ in found}) != 1:
        return None
    person_id, link_relation = found[0]
    person = backend.person(person_id)
    return {**gift_recipient(person), "phone": person["phone"], "link_relation": link_relation}


def check_amount(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, donation: bool) -> dict[str, Any]:
    """The amount, checked at once against the policy and the caller's balance: more than the
    balance is said in the first answer ("您的时间币不够，现在只有12个时间币。") and ends the form."""
    value = first(value)
    if value is None:
        return {"coin_amount": None}
    minutes = parse_coin_minutes(str(value))
    if minutes is None:
        return problem("coin_amount", "utter_amount_unclear", tracker)
    backend = common.client()
    try:
        caller, _ = common.find_caller(tracker, backend)
        if caller is None:
            return solved({"coin_amount": str(value)})  # the read-back tells an unknown caller to register
        policy = backend.policy()
        refusal = "utter_donation_not_allowed" if donation and not policy.get("donation_allowed", True) else None
        relation = first(tracker.get_slot("relation"))
        if not donation and policy.get("gift_recipients") == "direct_relatives" and relation \
                and relation not in DIRECT_RELATIVES:
            refusal = "utter_gift_direct_relatives_only"
        balance = int(backend.balance(caller["id"])["minutes"])
    except BackendError as exc:
        common.tell_backend_problem(dispatcher, exc)
        return {"coin_amount": None, **stop_quietly()}
    if refusal:
        dispatcher.utter_message(response=refusal)
        return {"coin_amount": None, **stop_quietly()}
    if balance < minutes:
        dispatcher.utter_message(response="utter_insufficient", coins=coins_text(max(balance, 0)))
        return {"coin_amount": None, **stop_quietly()}
    return solved({"coin_amount": str(value)})


def stop_quietly() -> dict[str, Any]:
    """End the form without the read-back saying anything more (the reason was just said)."""
    return {"requested_slot": None, "form_problem": None}


# An amount of coins said in the request itself whose measure word the recogniser misheard: Whisper wrote
# "我想送300克时间币给别人" for 三百个时间币 on the Mandarin hotline, and the NLU found no amount in it.
_MISHEARD_AMOUNT = re.compile(r"(\d+|[零一二两三四五六七八九十百千]+)\s*[个克各歌颗]\s*(?:时间)?币")


def amount_in_words(tracker: Tracker) -> dict[str, Any]:
    """``coin_amount`` from the caller's own words when the NLU found none ("300克时间币" → "300个")."""
    if tracker.get_slot("coin_amount"):
        return {}
    found = _MISHEARD_AMOUNT.search((tracker.latest_message or {}).get("text") or "")
    return {"coin_amount": f"{found.group(1)}个"} if found else {}


class ValidateGiftForm(Leavable, FormValidationAction):
    def name(self) -> str:
        return "validate_gift_form"

    async def extract_coin_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        return amount_in_words(tracker)

    async def extract_recipient_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        """"给我儿子…": the son is found from the caller's family links, his phone is not asked."""
        relation = first(tracker.get_slot("relation"))
        if tracker.get_slot("gift_to") or not relation:
            return {}
        backend = common.client()
        try:
            caller, _ = common.find_caller(tracker, backend)
            person = family_member(backend, caller, relation) if caller else None
        except BackendError:
            return {}
        if person is None:
            return {}
        return {"recipient_phone": person.pop("phone"), "gift_to": person}

    def validate_coin_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        return check_amount(value, dispatcher, tracker, donation=False)

    def validate_recipient_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        gift_to = tracker.get_slot("gift_to")
        if gift_to and value == tracker.get_slot("recipient_phone") and str(value).startswith("+86"):
            # Found from the family links (extract_recipient_phone). rasa_sdk keeps only the slots a
            # validator returns, so the person is returned again here.
            return {"recipient_phone": value, "gift_to": gift_to}
        phone = parse_phone(str(value or ""))
        if phone is None:
            return problem("recipient_phone", "utter_phone_unclear", tracker)
        try:
            person = common.client().person_by_phone(phone)
        except NotFound:
            return problem("recipient_phone", "utter_recipient_unknown", tracker)
        except BackendError as exc:
            common.tell_backend_problem(dispatcher, exc)
            return {"recipient_phone": None, **stop_quietly()}
        return solved({"recipient_phone": phone, "gift_to": gift_recipient(person)})


class ValidateDonationForm(Leavable, FormValidationAction):
    def name(self) -> str:
        return "validate_donation_form"

    async def extract_coin_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        return amount_in_words(tracker)

    def validate_coin_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        return check_amount(value, dispatcher, tracker, donation=True)


def _check_balance(dispatcher: CollectingDispatcher, backend, person_id: int, minutes: int) -> bool:
    balance = int(backend.balance(person_id)["minutes"])
    if balance < minutes:
        dispatcher.utter_message(response="utter_insufficient", coins=coins_text(max(balance, 0)))
        return False
    return True


def _ended_early(dispatcher: CollectingDispatcher, tracker: Tracker, stopped: str) -> bool:
    """The form ended before its read-back: the caller left it, or the reason was already said."""
    if was_stopped(tracker):
        dispatcher.utter_message(response=stopped)
        return True
    return not tracker.get_slot("coin_amount")


class ActionReadBackGift(Action):
    def name(self) -> str:
        return "action_read_back_gift"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if _ended_early(dispatcher, tracker, "utter_stopped_gift"):
            return forget(*GIFT_SLOTS)
        backend = common.client()
        caller, events = common.find_caller(tracker, backend)
        if caller is None:
            common.tell_unknown_caller(dispatcher, tracker)
            return events + forget(*GIFT_SLOTS)
        minutes = parse_coin_minutes(tracker.get_slot("coin_amount"))
        recipient = tracker.get_slot("gift_to") or {}
        try:
            refusal = gift_refusal(backend.policy(), tracker.get_slot("relation"), recipient, caller)
            if refusal:
                dispatcher.utter_message(response=refusal)
                return events + forget(*GIFT_SLOTS)
            if not _check_balance(dispatcher, backend, caller["id"], minutes):
                return events + forget(*GIFT_SLOTS)
        except BackendError as exc:
            common.tell_backend_problem(dispatcher, exc)
            return events + forget(*GIFT_SLOTS)
        dispatcher.utter_message(response="utter_confirm_gift", coins=coins_text(minutes),
                                 recipient_name=recipient.get("name", ""))
        return events + [SlotSet("pending_confirmation", "gift")]


class ActionReadBackDonation(Action):
    def name(self) -> str:
        return "action_read_back_donation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if _ended_early(dispatcher, tracker, "utter_stopped_donation"):
            return forget(*DONATION_SLOTS)
        backend = common.client()
        caller, events = common.find_caller(tracker, backend)
        if caller is None:
            common.tell_unknown_caller(dispatcher, tracker)
            return events + forget(*DONATION_SLOTS)
        minutes = parse_coin_minutes(tracker.get_slot("coin_amount"))
        try:
            if not backend.policy().get("donation_allowed", True):
                dispatcher.utter_message(response="utter_donation_not_allowed")
                return events + forget(*DONATION_SLOTS)
            if not _check_balance(dispatcher, backend, caller["id"], minutes):
                return events + forget(*DONATION_SLOTS)
        except BackendError as exc:
            common.tell_backend_problem(dispatcher, exc)
            return events + forget(*DONATION_SLOTS)
        dispatcher.utter_message(response="utter_confirm_donation", coins=coins_text(minutes))
        return events + [SlotSet("pending_confirmation", "donation")]


def gift_recipient(person: dict) -> dict:
    """What the tracker keeps of the person a gift goes to: enough to read back and check the policy."""
    return {"id": person["id"], "name": person.get("name", ""),
            "linked_elders": [{"id": link["id"], "relation": link.get("relation")}
                              for link in person.get("linked_elders") or []]}


def submit_gift(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    backend = common.client()
    caller, events = common.find_caller(tracker, backend)
    if caller is None:  # the giver is whoever the claim says, never a slot
        common.tell_unknown_caller(dispatcher, tracker)
        return events + common.clear(*GIFT_SLOTS)
    recipient = tracker.get_slot("gift_to") or {}
    body = {"from_person_id": caller["id"], "to_person_id": recipient.get("id"),
            "minutes": parse_coin_minutes(tracker.get_slot("coin_amount")), "channel": common.channel(tracker)}
    return events + _submit(dispatcher, tracker, backend.gift, body, "gift", "utter_gift_done",
                            {"recipient_name": recipient.get("name", "")}) + forget(*GIFT_SLOTS)


def submit_donation(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    backend = common.client()
    caller, events = common.find_caller(tracker, backend)
    if caller is None:
        common.tell_unknown_caller(dispatcher, tracker)
        return events + common.clear(*DONATION_SLOTS)
    body = {"from_person_id": caller["id"], "minutes": parse_coin_minutes(tracker.get_slot("coin_amount")),
            "channel": common.channel(tracker)}
    return events + _submit(dispatcher, tracker, backend.donate, body, "donation", "utter_donation_done",
                            {}) + forget(*DONATION_SLOTS)


def _submit(dispatcher, tracker, write, body: dict, action: str, done: str, fields: dict) -> list:
    key = idempotency_key(common.conversation_id(tracker), action, body)
    try:
        result = write(body, key)
    except BackendError as exc:
        common.tell_backend_problem(dispatcher, exc)
        return []
    if not result.queued:
        # For the family chat's transcript (linked to the ledger entry); the phone line ignores it.
        dispatcher.utter_message(json_message={"action": "gift_made", "entry_id": result.data["seq"]})
    dispatcher.utter_message(response="utter_backend_queued" if result.queued else done, **fields)
    return []
