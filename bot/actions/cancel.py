"""Cancelling an order: list the open ones, let the caller pick ("第二个"), read the choice back,
cancel on affirm. Nothing to cancel is said in one sentence and the form ends at once."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.backend_client import BackendError, idempotency_key
from bot.actions.catalogue import match_service
from bot.actions.forms import Leavable, forget, problem, solved, was_stopped
from bot.actions.order_list import describe_order
from bot.actions.orders import ORDER_SLOTS
from bot.actions.parsing import parse_choice

CANCEL_SLOTS = ("open_orders", "order_choice", "target_order", "pending_confirmation", "service_type",
                "date_time")


def narrow_orders(orders: list[dict], service_slug: str | None) -> list[dict]:
    """Orders matching the service the caller named ("把陪诊取消了"), or all when none match."""
    if not service_slug:
        return orders
    matching = [o for o in orders if o.get("service_slug") == service_slug]
    return matching or orders


class ActionListCancellable(Action):
    def name(self) -> str:
        return "action_list_cancellable"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        nothing = [SlotSet("open_orders", []), SlotSet("order_choice", "-"), SlotSet("target_order", None)]
        if common.pending_answered_now(tracker) in ("order", "order_change"):
            # "不约了" while a new booking is read back or changed drops that booking, and touches no
            # existing order.
            dispatcher.utter_message(response="utter_stopped_order")
            return forget(*ORDER_SLOTS) + nothing
        recipient, orders, events = common.fetch_for_recipient(
            dispatcher, tracker, lambda b, pid: b.orders(pid, active=True))
        if orders is None:
            return events + nothing
        named = tracker.get_slot("service_type") or match_service((tracker.latest_message or {}).get("text"))
        orders = narrow_orders(orders, named)[:5]
        if not orders:
            dispatcher.utter_message(response="utter_no_cancellable", who=common.who(recipient))
            return events + nothing
        if len(orders) == 1:
            return events + [SlotSet("open_orders", orders), SlotSet("order_choice", "1")]
        dispatcher.utter_message(response="utter_orders_intro", count=len(orders), who=common.who(recipient))
        for index, order in enumerate(orders, start=1):
            dispatcher.utter_message(response="utter_order_item", index=index, **describe_order(order))
        return events + [SlotSet("open_orders", orders), SlotSet("order_choice", None), SlotSet("target_order", None)]


class ValidateCancelForm(Leavable, FormValidationAction):
    def name(self) -> str:
        return "validate_cancel_form"

    def validate_order_choice(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        if value in ("-", "1") and len(tracker.get_slot("open_orders") or []) <= 1:
            return {"order_choice": value}
        index = parse_choice(str(value or ""), len(tracker.get_slot("open_orders") or []))
        if index is None:
            return problem("order_choice", "utter_choice_unclear", tracker)
        return solved({"order_choice": str(index + 1)})


class ActionReadBackCancel(Action):
    def name(self) -> str:
        return "action_read_back_cancel"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        orders = tracker.get_slot("open_orders") or []
        choice = tracker.get_slot("order_choice")
        if was_stopped(tracker):
            dispatcher.utter_message(response="utter_cancel_kept")
            return forget(*CANCEL_SLOTS)
        if not orders or choice in (None, "-"):
            return forget(*CANCEL_SLOTS)
        order = orders[int(choice) - 1]
        described = describe_order(order)
        dispatcher.utter_message(response="utter_confirm_cancel", when=described["when"],
                                 service_name=described["service_name"])
        return [SlotSet("target_order", order), SlotSet("pending_confirmation", "cancel")]


def submit_cancel(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    order = tracker.get_slot("target_order") or {}
    recipient, _ = common.resolve_recipient(dispatcher, tracker, common.client())
    if recipient is None or order.get("recipient_id") != recipient["id"]:  # whose order: the claim says
        return common.clear(*CANCEL_SLOTS)
    body = {"reason": "用户电话取消" if common.channel(tracker) == "phone" else "用户在线取消",
            "channel": common.channel(tracker)}
    key = idempotency_key(common.conversation_id(tracker), "cancel_order", {"order": order.get("id"), **body})
    try:
        result = common.client().cancel_order(order["id"], body, key)
    except BackendError as exc:
        common.tell_backend_problem(dispatcher, exc)
        return forget(*CANCEL_SLOTS)
    dispatcher.utter_message(response="utter_backend_queued" if result.queued else "utter_cancelled")
    return forget(*CANCEL_SLOTS)
