"""Conversation-level actions: affirm/deny answer whatever was read back last
(``pending_confirmation``), repeat the last bot message, speak slower, and session start."""
from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.cancel import CANCEL_SLOTS, submit_cancel
from bot.actions.complaint import COMPLAINT_SLOTS, add_to_complaint, amend_complaint, submit_complaint
from bot.actions.family import keep_family_link, submit_family_link
from bot.actions.handoff import start_handoff
from bot.actions.forms import STOPPED, PENDING_FORM, forget, task_slots, wants_to_leave
from bot.actions.orders import ORDER_SLOTS, amend_read_back, is_correction, submit_order
from bot.actions.registration import REG_SLOTS, submit_registration
from bot.actions.transfers import DONATION_SLOTS, GIFT_SLOTS, submit_donation, submit_gift

ON_AFFIRM = {"order": submit_order, "cancel": submit_cancel, "gift": submit_gift, "donation": submit_donation,
             "registration": submit_registration, "complaint": submit_complaint,
             "complaint_handoff": lambda d, t: start_handoff(d, t, reason="complaint without a credited service"),
             "family_consent": submit_family_link, "family_revoke": submit_family_link,
             "handoff": lambda d, t: start_handoff(d, t, reason="two misunderstandings in a row")}
DROPPED = {"order_change": ORDER_SLOTS, "gift": GIFT_SLOTS, "donation": DONATION_SLOTS,
           "registration": REG_SLOTS}


_YES_WORDS = re.compile(r"对|是|好|行|可以|没错|没问题|确认|确定|就这样|就这么办|约吧|办吧|送吧|捐吧|同意|要得|对头|中|成|嗯|就|约|"
                        r"ok|OK|那|的|啊|呀|吧|了|呢|嘞|哦|谢谢|麻烦你|麻烦了|[，,。.！!？?\s]")


def explicit_yes(text: str) -> bool:
    """Whether the words are only a yes ("对对对", "好的，就这样"), not a yes-classified sentence
    that says something else ("要带病历本")."""
    return _YES_WORDS.sub("", text).strip() == ""


def _stale(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    """A yes/no to a read-back the caller has since moved away from: nothing is done."""
    if tracker.get_slot("pending_confirmation"):
        dispatcher.utter_message(response="utter_confirmation_expired")
        return [SlotSet("pending_confirmation", None)]
    dispatcher.utter_message(response="utter_anything_else")
    return []


class ActionConfirm(Action):
    """An explicit yes carries out what was read back in the bot's last turn, and nothing older."""

    def name(self) -> str:
        return "action_confirm"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        pending = common.pending_answered_now(tracker)
        handler = ON_AFFIRM.get(pending)
        if handler is None:
            return _stale(dispatcher, tracker)
        text = (tracker.latest_message or {}).get("text") or ""
        if pending in ("order", "order_change") and text and not explicit_yes(text):
            # "要带病历本" classified as affirm is no yes: a change or a note, read back again.
            amended = amend_read_back(dispatcher, tracker)
            if amended is not None:
                return amended
        if pending == "complaint" and text and not explicit_yes(text) and not text.startswith("/"):
            return add_to_complaint(dispatcher, tracker)  # "对，他还骂人了": more to the account, read back again
        return handler(dispatcher, tracker)


class ActionDeny(Action):
    """Deny after the order read-back asks which part to change; a second deny drops it."""

    def name(self) -> str:
        return "action_deny"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        pending = common.pending_answered_now(tracker)
        if pending is None:
            return _stale(dispatcher, tracker)
        text = (tracker.latest_message or {}).get("text") or ""
        if pending in PENDING_FORM and pending != "cancel" and wants_to_leave(text):
            form = PENDING_FORM[pending]  # "算了吧" at a read-back drops the task
            dispatcher.utter_message(response=STOPPED[form])
            return forget(*task_slots(form))
        if pending in ("order", "order_change") and is_correction(text):
            return amend_read_back(dispatcher, tracker) or []  # "不对，不是后天，是大后天"
        if pending == "order":
            dispatcher.utter_message(response="utter_ask_which_part")
            return [SlotSet("pending_confirmation", "order_change")]
        if pending == "cancel":
            dispatcher.utter_message(response="utter_cancel_kept")
            return common.clear(*CANCEL_SLOTS)
        if pending == "complaint":
            # "不对，是时间算多了" changes the account; a bare no stores nothing.
            amended = amend_complaint(dispatcher, tracker)
            if amended is not None:
                return amended
            dispatcher.utter_message(response="utter_complaint_not_filed")
            return forget(*COMPLAINT_SLOTS)
        if pending in ("family_consent", "family_revoke"):
            return keep_family_link(dispatcher, tracker)
        if pending in DROPPED:
            dispatcher.utter_message(response="utter_stopped_order" if pending == "order_change" else "utter_ok_dropped")
            return forget(*DROPPED[pending])
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


class ActionGoodbye(Action):
    """Goodbye; but words said to an order read-back ("12月5日上午10点") change it instead."""

    def name(self) -> str:
        return "action_goodbye"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        amended = amend_read_back(dispatcher, tracker)
        if amended is not None:
            return amended
        dispatcher.utter_message(response="utter_goodbye")
        return [SlotSet("pending_confirmation", None)] if tracker.get_slot("pending_confirmation") else []
