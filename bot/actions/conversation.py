"""Conversation-level actions: affirm/deny answer whatever was read back last
(``pending_confirmation``), repeat the last bot message, speak slower, and session start."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.cancel import CANCEL_SLOTS, submit_cancel
from bot.actions.family import keep_family_link, submit_family_link
from bot.actions.handoff import start_handoff
from bot.actions.orders import ORDER_SLOTS, submit_order
from bot.actions.registration import REG_SLOTS, submit_registration
from bot.actions.transfers import DONATION_SLOTS, GIFT_SLOTS, submit_donation, submit_gift

ON_AFFIRM = {"order": submit_order, "cancel": submit_cancel, "gift": submit_gift, "donation": submit_donation,
             "registration": submit_registration,
             "family_consent": submit_family_link, "family_revoke": submit_family_link,
             "handoff": lambda d, t: start_handoff(d, t, reason="two misunderstandings in a row")}
DROPPED = {"order_change": ORDER_SLOTS, "gift": GIFT_SLOTS, "donation": DONATION_SLOTS,
           "registration": REG_SLOTS}


class ActionConfirm(Action):
    def name(self) -> str:
        return "action_confirm"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        pending = tracker.get_slot("pending_confirmation")
        handler = ON_AFFIRM.get(pending)
        if handler is None:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        return handler(dispatcher, tracker)


class ActionDeny(Action):
    """Deny after the order read-back asks which part to change; a second deny drops it."""

    def name(self) -> str:
        return "action_deny"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        pending = tracker.get_slot("pending_confirmation")
        if pending == "order":
            dispatcher.utter_message(response="utter_ask_which_part")
            return [SlotSet("pending_confirmation", "order_change")]
        if pending == "cancel":
            dispatcher.utter_message(response="utter_cancel_kept")
            return common.clear(*CANCEL_SLOTS)
        if pending in ("family_consent", "family_revoke"):
            return keep_family_link(dispatcher, tracker)
        if pending in DROPPED:
            dispatcher.utter_message(response="utter_ok_dropped")
            return common.clear(*DROPPED[pending])
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("pending_confirmation", None)]


def last_bot_messages(events: list[dict]) -> list[dict]:
    """The bot messages of the latest bot turn (everything said after the last user message)."""
    said: list[dict] = []
    for event in reversed(events):
        if event.get("event") == "user" and said:
            break
        if event.get("event") == "bot" and (event.get("text") or (event.get("data") or {}).get("custom")):
            said.insert(0, event)
    return said


class ActionRepeat(Action):
    def name(self) -> str:
        return "action_repeat"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        said = [e for e in last_bot_messages(tracker.events) if e.get("text")]
        if not said:
            dispatcher.utter_message(response="utter_nothing_to_repeat")
        for event in said:
            dispatcher.utter_message(text=event["text"])
        return []


class ActionSlowDown(Action):
    """Sets speech_rate=slow (the voice channel reads it) and says the last message again."""

    def name(self) -> str:
        return "action_slow_down"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        said = [e for e in last_bot_messages(tracker.events) if e.get("text")]
        dispatcher.utter_message(json_message={"action": "slow_down"})  # the phone line lowers its rate now
        dispatcher.utter_message(response="utter_slow_down")
        for event in said:
            dispatcher.utter_message(text=event["text"])
        return [SlotSet("speech_rate", "slow")]


class ActionSessionStart(Action):
    """Start a session and note the channel. Who is calling is not remembered here: every action
    checks the claim of the message it answers (common.verified_caller)."""

    def name(self) -> str:
        return "action_session_start"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        meta = tracker.get_slot("session_started_metadata") or {}
        events: list = [SessionStarted(), SlotSet("session_started_metadata", meta)]
        events.append(SlotSet("channel", "phone" if meta.get("channel") == "phone" else "chat"))
        return events + [ActionExecuted("action_listen")]
