"""Booking a service: the form's validator, the one-sentence read-back, creating the order on
affirm, and reading the caller's orders back (check_order)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.backend_client import BackendError, idempotency_key
from bot.actions.catalogue import SLUGS, match_service, service_name
from bot.actions.parsing import datetime_to_words, resolve_datetime

ORDER_SLOTS = ("service_type", "date_time", "start_at", "address", "address_is_home", "note",
               "pending_confirmation", "recipient", "relation")
# Words that say which part of a read-back is wrong ("时间不对") when no new value is given.
_PART_WORDS = {"date_time": re.compile(r"时间|几点|哪天|日子|日期|钟点"),
               "address": re.compile(r"地址|地点|地方|不在家|哪里|哪儿"),
               "service_type": re.compile(r"服务|项目")}
_NO_NOTE = re.compile(r"^(没有|没了|不用|无|没啥|没什么|没别的)|^(对|好|好的|是|是的|行|嗯|可以|不|不是)[。！!.，,]?$")


def _home_address(tracker: Tracker) -> str | None:
    """The recipient's registered address, quietly (the submit step explains any problem)."""
    try:
        caller, _ = common.find_caller(tracker, common.client())
    except BackendError:
        return None
    recipient, _problem = common.choose_recipient(caller, tracker.get_slot("relation")) if caller else (None, "")
    if recipient and not recipient.get("address"):
        try:
            recipient["address"] = common.client().person(recipient["id"]).get("address")
        except BackendError:
            return None
    return (recipient or {}).get("address")


def _latest_entities(tracker: Tracker, name: str) -> list[str]:
    return [e.get("value") for e in (tracker.latest_message or {}).get("entities", []) if e.get("entity") == name]


class ValidateServiceRequestForm(FormValidationAction):
    def name(self) -> str:
        return "validate_service_request_form"

    async def extract_address(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        """Default the place to the recipient's home; forget it when a correction names it."""
        text = (tracker.latest_message or {}).get("text") or ""
        if tracker.get_slot("pending_confirmation") == "order_change" and _PART_WORDS["address"].search(text):
            return {"address": None, "address_is_home": False, "pending_confirmation": None}
        if tracker.get_slot("address") or tracker.get_slot("address_is_home") is False:
            return {}
        home = _home_address(tracker)
        return {"address": home, "address_is_home": True} if home else {}

    async def extract_date_time(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        return self._forget_named_part(tracker, "date_time", extra={"start_at": None})

    async def extract_service_type(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        return self._forget_named_part(tracker, "service_type")

    @staticmethod
    def _forget_named_part(tracker: Tracker, slot: str, extra: dict | None = None) -> dict[str, Any]:
        text = (tracker.latest_message or {}).get("text") or ""
        if (tracker.get_slot("pending_confirmation") == "order_change" and _PART_WORDS[slot].search(text)
                and not _latest_entities(tracker, slot)):
            return {slot: None, **(extra or {})}
        return {}

    def validate_service_type(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        if value is None:
            return {"service_type": None}
        slug = value if value in SLUGS else match_service(str(value))
        if slug is None:
            dispatcher.utter_message(response="utter_service_unclear")
        return {"service_type": slug}

    def validate_date_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        if value is None:
            return {"date_time": None, "start_at": None}
        current = common.now()
        start = resolve_datetime(str(value or ""), current)
        if start is None:
            dispatcher.utter_message(response="utter_date_unclear")
            return {"date_time": None, "start_at": None}
        if start < current:
            dispatcher.utter_message(response="utter_date_past")
            return {"date_time": None, "start_at": None}
        return {"date_time": value, "start_at": start.isoformat()}

    def validate_address(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").strip()
        if len(text) < 2:
            return {"address": None}
        return {"address": text[:200], "address_is_home": text == _home_address(tracker)}

    def validate_note(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").strip()
        return {"note": "无" if not text or _NO_NOTE.match(text) else text[:200]}


class ActionReadBackOrder(Action):
    """"您要预约明天上午9点陪同就医，到您家，对吗？" — then wait for affirm/deny."""

    def name(self) -> str:
        return "action_read_back_order"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        start = dt.datetime.fromisoformat(tracker.get_slot("start_at"))
        note = tracker.get_slot("note")
        has_note = bool(note) and note != "无"
        home = bool(tracker.get_slot("address_is_home"))
        response = "utter_confirm_order_" + ("home" if home else "address") + ("_note" if has_note else "")
        dispatcher.utter_message(response=response, when=datetime_to_words(start, common.now()),
                                 service_name=service_name(tracker.get_slot("service_type")),
                                 address=tracker.get_slot("address") or "", note=note or "")
        return [SlotSet("pending_confirmation", "order")]


def order_request(tracker: Tracker, recipient: dict, caller: dict, settings_minutes: int = 60) -> dict:
    """The POST /orders body for the booking in the tracker's slots."""
    note = tracker.get_slot("note")
    return {
        "recipient_id": recipient["id"],
        "service_slug": tracker.get_slot("service_type"),
        "start_at": tracker.get_slot("start_at"),
        "duration_minutes": settings_minutes,
        "address": tracker.get_slot("address"),
        "note": None if not note or note == "无" else note,
        "channel": common.channel(tracker),
        "requested_by_person_id": caller["id"] if caller["id"] != recipient["id"] else None,
    }


def submit_order(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    """Create the order read back last (on affirm). Never twice for the same conversation and values."""
    backend = common.client()
    recipient, events = common.resolve_recipient(dispatcher, tracker, backend)
    if recipient is None:
        return events + common.clear(*ORDER_SLOTS)
    caller, _ = common.find_caller(tracker, backend)
    body = order_request(tracker, recipient, caller)
    key = idempotency_key(common.conversation_id(tracker), "create_order", body)
    try:
        result = backend.create_order(body, key)
    except BackendError as exc:
        common.tell_backend_problem(dispatcher, exc)
        return events + common.clear(*ORDER_SLOTS)
    if result.queued:
        dispatcher.utter_message(response="utter_backend_queued")
    else:
        start = dt.datetime.fromisoformat(body["start_at"])
        # For the voice channel's call record; the chat widget ignores custom payloads it does not know.
        dispatcher.utter_message(json_message={"action": "order_created", "order_id": result.data["id"]})
        dispatcher.utter_message(response="utter_order_created", when=datetime_to_words(start, common.now()),
                                 service_name=service_name(body["service_slug"]))
        if recipient["for_elder"]:
            dispatcher.utter_message(response="utter_order_for_elder", name=recipient["name"])
    return events + common.clear(*ORDER_SLOTS)


class ActionCheckOrder(Action):
    """Read the caller's (or their elder's) active orders, at most three."""

    def name(self) -> str:
        return "action_check_order"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        recipient, orders, events = common.fetch_for_recipient(
            dispatcher, tracker, lambda b, pid: b.orders(pid, active=True))
        if orders is None:
            return events
        if not orders:
            dispatcher.utter_message(response="utter_no_orders")
            return events
        dispatcher.utter_message(response="utter_orders_intro", count=len(orders))
        for index, order in enumerate(orders[:3], start=1):
            dispatcher.utter_message(response="utter_order_item", index=index, **describe_order(order))
        return events


def describe_order(order: dict) -> dict[str, str]:
    """when / service_name / state words for reading an OrderPublic aloud."""
    start = dt.datetime.fromisoformat(str(order["start_at"]).replace("Z", "+00:00"))
    return {"when": datetime_to_words(start, common.now()),
            "service_name": order.get("service_name") or service_name(order.get("service_slug")),
            "state": order.get("state_zh") or order.get("state", "")}
