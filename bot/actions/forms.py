"""What every form shares: leaving it, asking its questions in one bubble, and noticing that
the caller was answered something else in between.

- **Leaving.** "算了", "不约了", "不要了", "回头再说", "先不弄了" end any form, or a read-back waiting
  for yes/no, whatever intent the NLU gives them (deny, cancel_order, goodbye: the labels of the
  independent evaluation set): ``wants_to_leave`` recognises the words, the form ends and its
  read-back (or ``action_stop_form``) says one sentence for the task that was dropped and forgets
  its slots. Nothing is written to the backend.
- **One bubble per turn.** Validators do not speak; they return ``problem(slot, key)``, which
  empties the slot and remembers the problem (``form_problem``) and how many answers in a row
  were not usable (``form_misses``). The form then asks its question through ``FormQuestion``
  (``action_ask_<slot>``), which says the problem and the question as one sentence, and after two
  unusable answers in a row also offers a person (on the phone, the keypad's 0).
- **Interrupted.** When the caller asked something else in the middle of a form (查余额, 都有什么服务)
  and was answered, the form's next question asks whether to go on ("还接着约吗？…"); a plain no to
  that ends the form like ``stop``.
"""
from __future__ import annotations

import inspect
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common

FORM_SLOTS = ("requested_slot", "form_problem", "form_misses", "form_problem_args")
# The form a pending read-back belongs to (stop at "…对吗？" drops that task).
PENDING_FORM = {"order": "service_request_form", "order_change": "service_request_form", "gift": "gift_form",
                "donation": "donation_form", "cancel": "cancel_form", "registration": "registration_form",
                "complaint": "complaint_form"}
# What "算了" at any point of a form means, said back in one sentence (response keys).
STOPPED = {"service_request_form": "utter_stopped_order", "gift_form": "utter_stopped_gift",
           "donation_form": "utter_stopped_donation", "cancel_form": "utter_cancel_kept",
           "rating_form": "utter_stopped_rating", "registration_form": "utter_stopped_registration",
           "complaint_form": "utter_stopped_complaint"}
# Actions that belong to a form's own turn: anything else run since the caller spoke interrupted it.
# Intents that are never an answer to a form's question (the same as the domain's not_intent lists):
# the form rejects them and a rule answers (interruptions.yml, leave_form.yml, the per-form rules).
NOT_AN_ANSWER = frozenset({"check_balance", "check_stars", "check_history", "check_order", "help",
                           "cancel_order", "human_handoff", "goodbye", "repeat", "slow_down"})
_FORM_TURN = ("action_listen", "action_extract_slots", "action_deactivate_loop")
# Actions a rule runs just before opening a form (finding the order, reading out the choices its first
# question asks about): part of asking, so the first question is not put as "还要…吗？".
_OPENERS = ("action_find_complained", "action_find_rateable", "action_list_cancellable")
STOPPED_MARK = "stopped"
RESUMED_MARK = "resumed"
_BARE_YES = ("好", "好的", "要", "约", "接着约", "继续", "继续约", "嗯", "对", "是", "行", "可以", "接着来", "还约")
_BARE_NO = ("不", "不了", "不用", "不用了", "不要", "不要了", "不约了", "不办了", "算了", "不用啦", "先不了")
# Words that leave a task whatever the NLU made of them ("算了不用了" is deny, "不约了" cancel_order,
# "回头再说" goodbye).
_LEAVE = re.compile(r"算了|不约了|我不要了|我不用了|那就不要了|不想约了|不要约了|不送了|不捐了|不登记了|不评了|不投诉了|不告了|回头再说|以后再说|改天再说|"
                    r"先不弄了|不弄了|先不办了|不办了|先不约|先不要了|先这样吧")
# Slots that take the caller's own account of something, where 算了 may be part of the story.
_TOLD_SLOTS = ("complaint_text",)
# Said to "还有要交代志愿者的吗？", a bare 不用了/不要了 means "no note", not "drop the booking".
_BARE_LEAVE = re.compile(r"^(不用了?|不要了?|取消(吧|了)?|不用不用)[。！!，,]?$")


def first(value: Any) -> Any:
    """One value of a slot the NLU filled from several tagged spans (Rasa then sets a list)."""
    return (value[0] if value else None) if isinstance(value, list) else value


def problem(slot: str, key: str, tracker: Tracker, args: dict | None = None, miss: bool = True) -> dict[str, Any]:
    """Validator result for an unusable answer: the slot stays empty, the question says why
    (response ``key`` with ``args``). ``miss=False`` for a question that is no misunderstanding
    (the either/or question)."""
    misses = int(tracker.get_slot("form_misses") or 0)
    return {slot: None, "form_problem": key, "form_problem_args": args, "form_misses": misses + int(miss)}


def solved(values: dict[str, Any]) -> dict[str, Any]:
    """Validator result for a usable answer (the miss counter is reset at the end of the run, when
    no other slot of the same answer had a problem)."""
    return dict(values)


def stop_here(tracker: Tracker) -> dict[str, Any]:
    """Validator result that ends the form at once; its read-back then says ``utter_stopped_*``."""
    return {"requested_slot": None, "form_problem": STOPPED_MARK}


def was_stopped(tracker: Tracker) -> bool:
    return tracker.get_slot("form_problem") == STOPPED_MARK


def interrupted(tracker: Tracker, form: str) -> bool:
    """Whether another action answered the caller since their last message (a question in between)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action":
            name = event.get("name") or ""
            if (name not in _FORM_TURN and name not in _OPENERS and name != form
                    and not name.startswith(("validate_", "action_ask_"))):
                return True
    return False


def wants_to_leave(text: str | None, asked: str | None = None) -> bool:
    """Whether these words drop the task at hand ("算了不用了", "不约了", "回头再说"); a bare
    "不用了" does too, except as the answer to the note question (``asked == "note"``). Told what
    happened (``asked == "complaint_text"``), a long account leaves only when it opens with 算了."""
    text = (text or "").strip()
    if asked in _TOLD_SLOTS and len(text) > 8 and not _LEAVE.match(text):
        return False  # "他把时间算了三个小时" tells what happened; only a short turn or one opening with 算了 leaves
    return bool(_LEAVE.search(text)) or (asked != "note" and bool(_BARE_LEAVE.match(text)))


def _bare_yes(tracker: Tracker) -> bool:
    message = tracker.latest_message or {}
    text = (message.get("text") or "").strip("。！!，, ")
    return text in _BARE_YES or ((message.get("intent") or {}).get("name") == "affirm" and len(text) <= 3)


def loop_when_caller_spoke(tracker: Tracker) -> str | None:
    """The form that was active when the caller said the latest message (None: none was)."""
    loop, at_user = None, None
    for event in tracker.events:
        if event.get("event") == "active_loop":
            loop = event.get("name")
        elif event.get("event") == "user":
            at_user = loop
    return at_user if tracker.events else (tracker.active_loop or {}).get("name")


def said_no_to_resume(tracker: Tracker) -> bool:
    """A bare no right after "还接着约吗？" ends the form."""
    if tracker.get_slot("form_problem") != RESUMED_MARK:
        return False
    message = tracker.latest_message or {}
    text = (message.get("text") or "").strip("。！!，, ")
    return (message.get("intent") or {}).get("name") in ("deny", "stop") or text in _BARE_NO


class Leavable:
    """Mixed into every form validator (``class V(Leavable, FormValidationAction)``): words that
    leave the task, or a no to "还接着…吗？", end the form instead of being taken as an answer."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        text = (tracker.latest_message or {}).get("text")
        # While the form is being activated the words are the request itself ("不约了" starting a cancel).
        activating = loop_when_caller_spoke(tracker) != self.form_name()
        if not activating and (said_no_to_resume(tracker) or wants_to_leave(text, tracker.get_slot("requested_slot"))):
            return [SlotSet(key, value) for key, value in stop_here(tracker).items()]
        if not activating and not self.is_answer(((tracker.latest_message or {}).get("intent") or {}).get("name"), tracker):
            return []  # nothing to take from it: the form rejects and the rules answer it

        if tracker.get_slot("form_problem") == RESUMED_MARK and _bare_yes(tracker):
            # "要"/"接着约" to "还接着约吗？": the question is asked again, plainly (no miss counted).
            asked = tracker.get_slot("requested_slot")
            return ([SlotSet(asked, None)] if asked else []) + [SlotSet("form_problem", None)]
        events = await super().run(dispatcher, tracker, domain)
        if tracker.get_slot("form_problem") == RESUMED_MARK and not any(
                e.get("name") == "form_problem" for e in events if e.get("event") == "slot"):
            events.append(SlotSet("form_problem", None))
        return events


    def is_answer(self, intent: str | None, tracker: Tracker) -> bool:
        """Whether a message of this intent can answer the form's question (a form may widen it)."""
        return intent not in NOT_AN_ANSWER

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list:
        """rasa_sdk's, except that nothing a validator or an extractor set is dropped.

        rasa_sdk pops every candidate that is not a required slot *after* the validators ran, which
        silently lost what they set beside the slot (the person a gift goes to, whether the place is
        the recipient's home). Candidates are re-emitted as they are; only required slots are validated.
        """
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        candidates = tracker.slots_to_validate()
        slots, answered = dict(candidates), False
        for name, value in candidates.items():
            method = getattr(self, f"validate_{name}", None) if name in required else None
            if method is None:
                continue
            output = method(value, dispatcher, tracker, domain)
            output = await output if inspect.isawaitable(output) else output
            if isinstance(output, dict):
                slots.update(output)
                tracker.slots.update(output)
                answered = answered or any(output.get(slot) is not None for slot in required)
        if answered and "form_problem" not in slots:
            slots["form_misses"] = 0  # a usable answer: the misunderstandings are no longer "in a row"
        return [SlotSet(name, value) for name, value in slots.items()]


def _response_text(domain: DomainDict, key: str) -> str:
    variants = (domain.get("responses") or {}).get(key) or [{}]
    return variants[0].get("text") or ""


class FormQuestion:
    """Mixed into ``action_ask_<slot>`` actions: the form's question, said once, with the problem
    or the resume hint. (A mixin, so that rasa_sdk registers only the concrete actions.)"""

    slot = ""
    form = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        question = f"utter_ask_{self.slot}"
        problem_key = tracker.get_slot("form_problem")
        misses = int(tracker.get_slot("form_misses") or 0)
        if problem_key and problem_key not in (STOPPED_MARK, RESUMED_MARK):
            if misses >= 2:
                offer = "utter_offer_handoff_in_form_" + ("phone" if common.channel(tracker) == "phone" else "chat")
                dispatcher.utter_message(response=offer, problem=_response_text(domain, problem_key))
            else:
                dispatcher.utter_message(response=problem_key, **(tracker.get_slot("form_problem_args") or {}))
            return [SlotSet("form_problem", None), SlotSet("form_problem_args", None)]
        if interrupted(tracker, self.form):
            dispatcher.utter_message(response=f"utter_resume_{self.form}", question=_response_text(domain, question))
            return [SlotSet("form_problem", RESUMED_MARK)]
        dispatcher.utter_message(response=question)
        return []


def _question(slot: str, form: str) -> type[FormQuestion]:
    return type(f"Ask_{slot}", (FormQuestion, Action), {"slot": slot, "form": form, "__module__": __name__})


# One question action per form slot (rasa_sdk registers every Action subclass it imports).
QUESTIONS = [_question(slot, form) for form, slots in {
    "service_request_form": ("service_type", "date_time", "address", "note"),
    "gift_form": ("coin_amount", "recipient_phone"),
    "cancel_form": ("order_choice",),
    "rating_form": ("rating",),
    "registration_form": ("reg_name", "reg_role", "reg_phone"),
    "complaint_form": ("complaint_choice", "complaint_text"),
}.items() for slot in slots]


class AskDonationAmount(FormQuestion, Action):
    """The donation form shares ``coin_amount`` with the gift form: its own question action."""

    slot = "coin_amount"
    form = "donation_form"

    def name(self) -> str:
        return "action_ask_donation_form_coin_amount"


def stopped_form(tracker: Tracker) -> str | None:
    """The task "算了" drops: the active form, the form deactivated in this turn, else the pending
    read-back's."""
    active = (tracker.active_loop or {}).get("name")
    if active:
        return active
    deactivated, seen_user = False, False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if not deactivated:
                break
            seen_user = True
        elif event.get("event") == "active_loop":
            if event.get("name") is None and not seen_user:
                deactivated = True
            elif event.get("name") and deactivated:
                return event["name"]
    return PENDING_FORM.get(tracker.get_slot("pending_confirmation"))


def task_slots(form: str | None) -> tuple[str, ...]:
    """The slots of the task a form collects (imported here: those modules import this one)."""
    from bot.actions.cancel import CANCEL_SLOTS
    from bot.actions.complaint import COMPLAINT_SLOTS
    from bot.actions.orders import ORDER_SLOTS
    from bot.actions.rating import RATING_SLOTS
    from bot.actions.registration import REG_SLOTS
    from bot.actions.transfers import DONATION_SLOTS, GIFT_SLOTS

    return {"service_request_form": ORDER_SLOTS, "gift_form": GIFT_SLOTS, "donation_form": DONATION_SLOTS,
            "cancel_form": CANCEL_SLOTS, "rating_form": RATING_SLOTS,
            "registration_form": REG_SLOTS, "complaint_form": COMPLAINT_SLOTS}.get(form or "", ())


def forget(*task_slots: str) -> list:
    """Events that forget a task's slots and the form's own bookkeeping."""
    return common.clear(*task_slots, *FORM_SLOTS) + [SlotSet("pending_confirmation", None)]


class ActionStopForm(Action):
    """"算了" / "不约了" / "回头再说": the task is dropped, nothing is stored."""

    def name(self) -> str:
        return "action_stop_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        form = stopped_form(tracker)
        dispatcher.utter_message(response=STOPPED.get(form or "", "utter_ok_dropped"))
        events = [ActiveLoop(None)] if (tracker.active_loop or {}).get("name") else []
        return events + forget(*task_slots(form), "relation", "family_link", "family_links")
