"""The caller's (or, in the family chat, the elder's) active orders read aloud: ``check_order``,
and ``describe_order`` which the cancel flow uses to read its choices."""
from __future__ import annotations

import datetime as dt

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.catalogue import service_name
from bot.actions.parsing import datetime_to_words


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
            dispatcher.utter_message(response="utter_no_orders", who=common.who(recipient))
            return events
        dispatcher.utter_message(response="utter_orders_intro", count=len(orders), who=common.who(recipient))
        for index, order in enumerate(orders[:3], start=1):
            dispatcher.utter_message(response="utter_order_item", index=index, **describe_order(order))
        return events


def describe_order(order: dict) -> dict[str, str]:
    """when / service_name / state words for reading an OrderPublic aloud."""
    start = dt.datetime.fromisoformat(str(order["start_at"]).replace("Z", "+00:00"))
    return {"when": datetime_to_words(start, common.now()),
            "service_name": order.get("service_name") or service_name(order.get("service_slug")),
            "state": order.get("state_zh") or order.get("state", "")}
