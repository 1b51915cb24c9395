"""Handing the caller to a person: misunderstanding counter (two in a row → offer a person or the
keypad), and the operator ticket with the conversation so far (plus, on the phone, a transfer
instruction the IVR carries out)."""
from __future__ import annotations

import datetime as dt

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.backend_client import BackendError, idempotency_key
from bot.actions.orders import amend_read_back


NOT_UNDERSTOOD = ("nlu_fallback", "out_of_scope")


def misunderstandings_in_a_row(events: list[dict]) -> int:
    """How many of the latest user turns, counting back, were not understood (nlu_fallback, or
    nothing the assistant can do: out_of_scope)."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") not in NOT_UNDERSTOOD:
            break
        count += 1
    return count


def transcript(events: list[dict], limit: int = 40) -> list[dict]:
    """[{speaker, text, at}] of the conversation's user and bot turns, oldest first."""
    turns = []
    for event in events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            at = dt.datetime.fromtimestamp(event.get("timestamp") or 0, dt.timezone.utc).isoformat()
            turns.append({"speaker": "caller" if event["event"] == "user" else "assistant",
                          "text": event["text"], "at": at})
    return turns[-limit:]


class ActionMisunderstood(Action):
    """Not understood (or out of scope): at an order read-back the words are a change or a note;
    else one polite sentence, and the second time in a row a person (the keypad on the phone)."""

    def name(self) -> str:
        return "action_misunderstood"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        amended = amend_read_back(dispatcher, tracker)
        if amended is not None:
            return amended
        if misunderstandings_in_a_row(tracker.events) < 2:
            intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
            dispatcher.utter_message(response="utter_out_of_scope" if intent == "out_of_scope"
                                     else "utter_please_rephrase")
            return [SlotSet("pending_confirmation", None)] if tracker.get_slot("pending_confirmation") else []
        phone = common.channel(tracker) == "phone"
        dispatcher.utter_message(response="utter_offer_handoff_phone" if phone else "utter_offer_handoff_chat")
        return [SlotSet("pending_confirmation", "handoff")]


def start_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str = "caller asked for a person") -> list:
    backend = common.client()
    try:
        caller, events = common.find_caller(tracker, backend)
    except BackendError:
        caller, events = None, []
    phone = common.channel(tracker) == "phone"
    body = {"phone": common.caller_phone(tracker), "person_id": (caller or {}).get("id"),
            "channel": common.channel(tracker), "conversation_id": common.conversation_id(tracker),
            "transcript": transcript(tracker.events), "reason": reason}
    # One ticket per conversation and reason, however often the caller asks.
    key = idempotency_key(body["conversation_id"], "handoff", {"reason": reason})
    dispatcher.utter_message(response="utter_handoff_phone" if phone else "utter_handoff_chat")
    try:
        result = backend.handoff(body, key)
    except BackendError:
        result = None
    operator = (result.data or {}).get("operator_phone") if result and not result.queued else None
    if phone and operator:
        dispatcher.utter_message(json_message={"action": "transfer", "to": operator})
    return events + [SlotSet("pending_confirmation", None)]


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        return start_handoff(dispatcher, tracker)
