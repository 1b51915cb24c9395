"""A complaint about a service (投诉): find the service it is about, take what happened in the
caller's words, read it back, and on an explicit yes open the order's dispute case in the backend
(``POST /orders/{id}/disputes``, source chat or phone, linked to this conversation by its id).

- **Which service.** The recipient's credited services (completed or rated), newest first; a
  service the caller named ("上回送饭那个…") narrows them. Several in the last ``RECENT_DAYS``:
  the caller picks one ("第二个"; on the phone keys 1 and 2 arrive as yes/no, ``KEY_CHOICES``).
  One, or none recent: the newest. None at all: nothing to open, a person is offered.
- **What happened.** Taken from the request itself when it says more than "我要投诉"
  (``says_what_happened``), else asked. Leaving ("算了", "不用了") at any point stores nothing.
- **Whose.** The caller comes only from the signed claim (``common.resolve_recipient``); the order
  must be the recipient's; in the family chat the read-back names the elder.
- **Once.** The write's idempotency key is made of the conversation, the order and the words, so a
  retried submit never opens two cases (the backend also adds the same words only once).
"""
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
from bot.actions.catalogue import match_service
from bot.actions.forms import Leavable, forget, problem, solved, was_stopped
from bot.actions.order_list import describe_order
from bot.actions.parsing import parse_choice

COMPLAINABLE_STATES = ["completed", "rated"]  # credited services: the backend's DISPUTABLE
COMPLAINT_SLOTS = ("complaint_orders", "complaint_choice", "complaint_text", "pending_confirmation")
RECENT_DAYS = 14
MAX_CHOICES = 3
# The hotline sends keys 1 and 2 as yes/no (ivr/keypad.py CONVERSATION_KEYS); asked "第几个", they are choices.
KEY_CHOICES = {"/affirm": "1", "/deny": "2"}
# Said to "是什么情况？", these intents are still the caller's account ("志愿者根本没来" reads as check_order).
_ACCOUNT_INTENTS = frozenset({"check_order", "check_history", "cancel_order"})
# Words that only say "I want to complain", not what happened.
_GENERIC = re.compile(r"我要|我想|我得|想要|要|投诉|反映|一下|个|点|问题|情况|意见|事情|事儿|事|说说|说|跟你|给你|你们|"
                      r"那个|就是|这个|嗯|呃|啊|喂|哎|您好|你好|我|有|[，。！？、,.!?~\s]")
_NO_WORDS = re.compile(r"^(不对|不是|错了|不|没有)+[，。,.！!\s]*")


def says_what_happened(text: str | None) -> bool:
    """Whether the words tell what went wrong ("志愿者没来还记了时间"), not only that the caller
    wants to complain ("我要投诉", "反映个问题")."""
    return len(_GENERIC.sub("", text or "")) >= 4


def statement(text: str, for_elder: bool) -> str:
    """The words stored on the case; a family member's are marked as told for the elder."""
    said = text.strip()[:900]
    return f"（家属代述）{said}" if for_elder else said


def complainable(orders: list[dict], now: dt.datetime, service_slug: str | None) -> list[dict]:
    """The services to ask about, newest first: those of the named service if any; the recent ones
    (at most ``MAX_CHOICES``) when there are several, else just the newest."""
    newest_first = sorted(orders, key=lambda o: str(o.get("start_at")), reverse=True)
    named = [o for o in newest_first if service_slug and o.get("service_slug") == service_slug]
    newest_first = named or newest_first
    since = now - dt.timedelta(days=RECENT_DAYS)
    recent = [o for o in newest_first
              if dt.datetime.fromisoformat(str(o["start_at"]).replace("Z", "+00:00")) >= since]
    return recent[:MAX_CHOICES] if len(recent) > 1 else newest_first[:1]


class ActionFindComplained(Action):
    """The services the complaint may be about; the words of the request kept when they say what
    happened. Nothing to complain about ends the form at once and offers a person."""

    def name(self) -> str:
        return "action_find_complained"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        nothing = [SlotSet("complaint_orders", []), SlotSet("complaint_choice", "-"), SlotSet("complaint_text", "-")]
        recipient, orders, events = common.fetch_for_recipient(
            dispatcher, tracker, lambda b, pid: b.orders(pid, states=COMPLAINABLE_STATES))
        if orders is None:
            return events + nothing
        if not orders:
            phone = common.channel(tracker) == "phone"
            dispatcher.utter_message(response="utter_no_complainable_phone" if phone else "utter_no_complainable_chat",
                                     who=common.who(recipient))
            return events + nothing + [SlotSet("pending_confirmation", "complaint_handoff")]
        text = (tracker.latest_message or {}).get("text") or ""
        named = tracker.get_slot("service_type") or match_service(text)
        choices = complainable(orders, common.now(), named)
        said = [SlotSet("complaint_text", text.strip())] if says_what_happened(text) else [SlotSet("complaint_text", None)]
        if len(choices) == 1:
            return events + said + [SlotSet("complaint_orders", choices), SlotSet("complaint_choice", "1")]
        dispatcher.utter_message(response="utter_complaint_orders_intro", count=len(choices), who=common.who(recipient))
        for index, order in enumerate(choices, start=1):
            dispatcher.utter_message(response="utter_complaint_order_item", index=index, **describe_order(order))
        return events + said + [SlotSet("complaint_orders", choices), SlotSet("complaint_choice", None)]


class ValidateComplaintForm(Leavable, FormValidationAction):
    def name(self) -> str:
        return "validate_complaint_form"

    def is_answer(self, intent: str | None, tracker: Tracker) -> bool:
        if tracker.get_slot("requested_slot") == "complaint_text" and intent in _ACCOUNT_INTENTS:
            return True
        if tracker.get_slot("requested_slot") == "complaint_choice" and intent == "cancel_order":
            return True  # "第二个" may read as cancel_order: get_validation_events takes it from the text
        return super().is_answer(intent, tracker)

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list:
        """Asked "第几个", the words are the choice whatever intent the NLU gave them ("第二个" may read
        as deny or cancel_order, which the slot's mapping leaves out): taken from the text."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        if tracker.get_slot("requested_slot") == "complaint_choice" and not any(
                e.get("name") == "complaint_choice" for e in events):
            text = (tracker.latest_message or {}).get("text") or ""
            chosen = self.validate_complaint_choice(text, dispatcher, tracker, domain)
            if chosen.get("complaint_choice"):
                events += [SlotSet(key, value) for key, value in chosen.items()]
        return events

    def validate_complaint_choice(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        count = len(tracker.get_slot("complaint_orders") or [])
        if value in ("-", "1") and count <= 1:
            return {"complaint_choice": value}
        value = KEY_CHOICES.get(str(value or "").strip(), value)
        index = parse_choice(str(value or ""), count)
        if index is None:
            return problem("complaint_choice", "utter_complaint_choice_unclear", tracker)
        return solved({"complaint_choice": str(index + 1)})

    def validate_complaint_text(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        if value == "-":
            return {"complaint_text": "-"}
        text = str(value or "").strip()
        if not says_what_happened(text) and len(text) < 2:
            return problem("complaint_text", "utter_complaint_text_unclear", tracker)
        return solved({"complaint_text": text})


def _chosen(tracker: Tracker) -> dict | None:
    orders = tracker.get_slot("complaint_orders") or []
    choice = tracker.get_slot("complaint_choice")
    if not orders or choice in (None, "-") or not str(choice).isdigit() or not 1 <= int(choice) <= len(orders):
        return None
    return orders[int(choice) - 1]


def read_back(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list:
    """Says the complaint back in one sentence; an explicit yes then submits it."""
    order = _chosen(tracker)
    described = describe_order(order)
    recipient, events = common.resolve_recipient(dispatcher, tracker, common.client())
    if recipient is None:
        return events + forget(*COMPLAINT_SLOTS)
    dispatcher.utter_message(response="utter_confirm_complaint", who=common.who(recipient),
                             when=described["when"], service_name=described["service_name"], said=text)
    return events + [SlotSet("complaint_text", text), SlotSet("pending_confirmation", "complaint")]


class ActionReadBackComplaint(Action):
    def name(self) -> str:
        return "action_read_back_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if was_stopped(tracker):
            dispatcher.utter_message(response="utter_stopped_complaint")
            return forget(*COMPLAINT_SLOTS)
        text = tracker.get_slot("complaint_text")
        if _chosen(tracker) is None or text in (None, "-"):
            pending = tracker.get_slot("pending_confirmation")  # the offer of a person stays open
            return forget(*COMPLAINT_SLOTS) + ([SlotSet("pending_confirmation", pending)] if pending else [])
        return read_back(dispatcher, tracker, text)


def amend_complaint(dispatcher: CollectingDispatcher, tracker: Tracker) -> list | None:
    """Words beyond a bare yes or no at the read-back ("不对，是时间算多了", "对，他还骂人") change
    or add to what is stored; read back again. None when there are no such words."""
    text = ((tracker.latest_message or {}).get("text") or "").strip()
    rest = _NO_WORDS.sub("", text)
    if rest == text or len(rest) < 2:
        return None
    return read_back(dispatcher, tracker, rest)


def add_to_complaint(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    """"对，他还骂人了": the words are added to what was read back, and read back again."""
    text = ((tracker.latest_message or {}).get("text") or "").strip()
    extra = re.sub(r"^(对|是|嗯|好)+[的啊呀]?[，。,.！!\s]*", "", text)
    return read_back(dispatcher, tracker, f"{tracker.get_slot('complaint_text')}；{extra}")


def submit_complaint(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    order, text = _chosen(tracker), tracker.get_slot("complaint_text")
    if order is None or text in (None, "-"):
        return forget(*COMPLAINT_SLOTS)
    backend = common.client()
    recipient, events = common.resolve_recipient(dispatcher, tracker, backend)
    if recipient is None or order.get("recipient_id") != recipient["id"]:  # whose order: the claim says
        return events + forget(*COMPLAINT_SLOTS)
    conversation = common.conversation_id(tracker)
    body = {"side": "elder", "statement": statement(text, recipient["for_elder"]), "source": common.channel(tracker),
            "conversation_id": conversation}
    key = idempotency_key(conversation, "complain", {"order": order["id"], "statement": body["statement"]})
    try:
        result = backend.complain(order["id"], body, key)
    except BackendError as exc:
        common.tell_backend_problem(dispatcher, exc)
        return events + forget(*COMPLAINT_SLOTS)
    if result.queued:
        dispatcher.utter_message(response="utter_backend_queued")
    else:
        dispatcher.utter_message(response="utter_complaint_received", who=common.who(recipient))
    return events + forget(*COMPLAINT_SLOTS)


__all__ = ["ActionFindComplained", "ActionReadBackComplaint", "ValidateComplaintForm", "amend_complaint",
           "add_to_complaint", "says_what_happened", "submit_complaint"]
