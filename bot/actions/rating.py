"""Rating the last completed service (1–5 stars)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.backend_client import BackendError, idempotency_key
from bot.actions.catalogue import service_name
from bot.actions.forms import Leavable, forget, problem, solved, was_stopped
from bot.actions.parsing import parse_rating

RATEABLE_STATES = ["completed"]
RATING_SLOTS = ("rating", "target_order")


class ActionFindRateable(Action):
    """Find the newest completed, not yet rated order; without one the rating form ends at once."""

    def name(self) -> str:
        return "action_find_rateable"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        recipient, orders, events = common.fetch_for_recipient(
            dispatcher, tracker, lambda b, pid: b.orders(pid, states=RATEABLE_STATES))
        if orders is None:
            return events + [SlotSet("target_order", None), SlotSet("rating", "-")]
        if not orders:
            dispatcher.utter_message(response="utter_no_rateable")
            return events + [SlotSet("target_order", None), SlotSet("rating", "-")]
        newest = max(orders, key=lambda o: str(o.get("start_at")))
        return events + [SlotSet("target_order", newest)]


class ValidateRatingForm(Leavable, FormValidationAction):
    def name(self) -> str:
        return "validate_rating_form"

    def validate_rating(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> dict[str, Any]:
        if value == "-" and not tracker.get_slot("target_order"):
            return {"rating": "-"}
        stars = parse_rating(str(value or "")) or parse_rating((tracker.latest_message or {}).get("text"))
        if stars is None:
            return problem("rating", "utter_rating_unclear", tracker)
        return solved({"rating": str(stars)})


class ActionSubmitRating(Action):
    def name(self) -> str:
        return "action_submit_rating"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        order = tracker.get_slot("target_order")
        if was_stopped(tracker):
            dispatcher.utter_message(response="utter_stopped_rating")
            return forget(*RATING_SLOTS)
        if not order or tracker.get_slot("rating") in (None, "-"):
            return forget(*RATING_SLOTS)
        backend = common.client()
        recipient, events = common.resolve_recipient(dispatcher, tracker, backend)
        if recipient is None or order.get("recipient_id") != recipient["id"]:
            return events + common.clear(*RATING_SLOTS)
        caller, _ = common.find_caller(tracker, backend)
        body = {"stars": int(tracker.get_slot("rating")), "comment": None, "by_person_id": caller["id"]}
        key = idempotency_key(common.conversation_id(tracker), "rate_order", {"order": order["id"], **body})
        try:
            result = backend.rate_order(order["id"], body, key)
        except BackendError as exc:
            common.tell_backend_problem(dispatcher, exc)
            return events + forget(*RATING_SLOTS)
        if result.queued:
            dispatcher.utter_message(response="utter_backend_queued")
        else:
            dispatcher.utter_message(response="utter_rated", stars=body["stars"],
                                     service_name=order.get("service_name") or service_name(order.get("service_slug")))
        return events + forget(*RATING_SLOTS)
