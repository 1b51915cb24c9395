"""Gifts and donations of time coins: form validators, read-back after checking the active
policy and the balance, and the transfer itself on affirm."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.backend_client import BackendError, NotFound, idempotency_key
from bot.actions.parsing import minutes_to_words, parse_coin_minutes, parse_phone

GIFT_SLOTS = ("coin_amount", "recipient_phone", "relation", "gift_to", "pending_confirmation")
DONATION_SLOTS = ("coin_amount", "pending_confirmation")
DIRECT_RELATIVES = {"spouse", "child", "parent", "grandchild"}


def validate_amount(value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    if value is None:
        return {"coin_amount": None}
    minutes = parse_coin_minutes(str(value))
    if minutes is None:
        dispatcher.utter_message(response="utter_amount_unclear")
        return {"coin_amount": None}
    return {"coin_amount": str(value)}


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
        (link.get("relation") for link in recipient.get("linked_elders") or [] if link["id"] == caller["id"]), None)
    if rule == "direct_relatives" and (link_relation or relation) not in DIRECT_RELATIVES:
        return "utter_gift_direct_relatives_only"
    if rule == "linked_family" and link_relation is None:
        return "utter_gift_linked_family_only"
    return None


class ValidateGiftForm(FormValidationAction):
    def name(self) -> str:
        return "validate_gift_form"

    def validate_coin_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        return validate_amount(value, dispatcher)

    def validate_recipient_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        phone = parse_phone(str(value or ""))
        if phone is None:
            dispatcher.utter_message(response="utter_phone_unclear")
            return {"recipient_phone": None}
        try:
            person = common.client().person_by_phone(phone)
        except NotFound:
            dispatcher.utter_message(response="utter_recipient_unknown")
            return {"recipient_phone": None}
        except BackendError as exc:
            common.tell_backend_problem(dispatcher, exc)
            return {"recipient_phone": None}
        return {"recipient_phone": phone, "gift_to": gift_recipient(person)}


class ValidateDonationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_donation_form"

    def validate_coin_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        return validate_amount(value, dispatcher)


def _check_balance(dispatcher: CollectingDispatcher, backend, person_id: int, minutes: int) -> bool:
    balance = int(backend.balance(person_id)["minutes"])
    if balance < minutes:
        dispatcher.utter_message(response="utter_insufficient", coins=minutes_to_words(max(balance, 0)))
        return False
    return True


class ActionReadBackGift(Action):
    def name(self) -> str:
        return "action_read_back_gift"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        backend = common.client()
        caller, events = common.find_caller(tracker, backend)
        if caller is None:
            common.tell_unknown_caller(dispatcher, tracker)
            return events + common.clear(*GIFT_SLOTS)
        minutes = parse_coin_minutes(tracker.get_slot("coin_amount"))
        recipient = tracker.get_slot("gift_to") or {}
        try:
            refusal = gift_refusal(backend.policy(), tracker.get_slot("relation"), recipient, caller)
            if refusal:
                dispatcher.utter_message(response=refusal)
                return events + common.clear(*GIFT_SLOTS)
            if not _check_balance(dispatcher, backend, caller["id"], minutes):
                return events + common.clear(*GIFT_SLOTS)
        except BackendError as exc:
            common.tell_backend_problem(dispatcher, exc)
            return events + common.clear(*GIFT_SLOTS)
        dispatcher.utter_message(response="utter_confirm_gift", coins=minutes_to_words(minutes),
                                 recipient_name=recipient.get("name", ""))
        return events + [SlotSet("pending_confirmation", "gift")]


class ActionReadBackDonation(Action):
    def name(self) -> str:
        return "action_read_back_donation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        backend = common.client()
        caller, events = common.find_caller(tracker, backend)
        if caller is None:
            common.tell_unknown_caller(dispatcher, tracker)
            return events + common.clear(*DONATION_SLOTS)
        minutes = parse_coin_minutes(tracker.get_slot("coin_amount"))
        try:
            if not backend.policy().get("donation_allowed", True):
                dispatcher.utter_message(response="utter_donation_not_allowed")
                return events + common.clear(*DONATION_SLOTS)
            if not _check_balance(dispatcher, backend, caller["id"], minutes):
                return events + common.clear(*DONATION_SLOTS)
        except BackendError as exc:
            common.tell_backend_problem(dispatcher, exc)
            return events + common.clear(*DONATION_SLOTS)
        dispatcher.utter_message(response="utter_confirm_donation", coins=minutes_to_words(minutes))
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
                            {"recipient_name": recipient.get("name", "")}) + common.clear(*GIFT_SLOTS)


def submit_donation(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    backend = common.client()
    caller, events = common.find_caller(tracker, backend)
    if caller is None:
        common.tell_unknown_caller(dispatcher, tracker)
        return events + common.clear(*DONATION_SLOTS)
    body = {"from_person_id": caller["id"], "minutes": parse_coin_minutes(tracker.get_slot("coin_amount")),
            "channel": common.channel(tracker)}
    return events + _submit(dispatcher, tracker, backend.donate, body, "donation", "utter_donation_done",
                            {}) + common.clear(*DONATION_SLOTS)


def _submit(dispatcher, tracker, write, body: dict, action: str, done: str, fields: dict) -> list:
    key = idempotency_key(common.conversation_id(tracker), action, body)
    try:
        result = write(body, key)
    except BackendError as exc:
        common.tell_backend_problem(dispatcher, exc)
        return []
    dispatcher.utter_message(response="utter_backend_queued" if result.queued else done, **fields)
    return []
