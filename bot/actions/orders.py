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
from bot.actions.forms import Leavable, forget, problem, solved, wants_to_leave, was_stopped
from bot.actions.parsing import correction_text, datetime_to_words, mentions_datetime, parse_choice, resolve_datetime

ORDER_SLOTS = ("service_type", "date_time", "start_at", "address", "address_is_home", "note",
               "pending_confirmation", "recipient", "relation", "service_choices")
# When a volunteer can be booked to start (hours, local time): a visit at 5 in the morning or 10 at
# night is refused with a question, not booked.
SERVICE_HOURS = (7, 20)
# service_type while an either/or question is due (extract → validate: rasa_sdk keeps only what a
# validator returns).
EITHER = "?either"
# A sentence that corrects what was said before ("不对，不是后天，是大后天", "改成下午").
_CORRECTION = re.compile(r"^(不对|不是|错了|说错了|改成|改到|换成|换到|改一下)")
# Words that say which part of a read-back is wrong ("时间不对") when no new value is given.
_PART_WORDS = {"date_time": re.compile(r"时间|几点|哪天|日子|日期|钟点"),
               "address": re.compile(r"地址|地点|地方|不在家|哪里|哪儿"),
               "service_type": re.compile(r"服务|项目")}
_NO_NOTE = re.compile(r"^(没有|没了|不用|无|没啥|没什么|没别的)|^(对|好|好的|是|是的|行|嗯|可以|不|不是)[。！!.，,]?$")


def _recipient(tracker: Tracker) -> dict | None:
    """Whom the booking is for, quietly (the submit step explains any problem)."""
    try:
        caller, _ = common.find_caller(tracker, common.client())
    except BackendError:
        return None
    recipient, _problem = common.choose_recipient(caller, tracker.get_slot("relation")) if caller else (None, "")
    if recipient and not recipient.get("address"):
        try:
            recipient["address"] = common.client().person(recipient["id"]).get("address")
        except BackendError:
            pass
    return recipient


def _home_address(tracker: Tracker) -> str | None:
    """The recipient's registered address."""
    return (_recipient(tracker) or {}).get("address")


def _text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def _value_before_this_turn(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the caller's latest message."""
    seen_user, value = False, None
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return value


def is_correction(text: str) -> bool:
    """"不对，不是后天，是大后天" / "改成下午三点": a new value for something already said."""
    rest = correction_text(text)
    return bool(_CORRECTION.match(text.strip())) and bool(mentions_datetime(rest) or match_service(rest))


def check_start(text: str) -> tuple[str | None, str | None]:
    """(start_at ISO, None) for a usable time, else (None, the response key saying why)."""
    current = common.now()
    start = resolve_datetime(text, current)
    if start is None:
        return None, "utter_date_unclear"
    if start < current:
        return None, "utter_date_past"
    if not SERVICE_HOURS[0] <= start.hour < SERVICE_HOURS[1]:
        return None, "utter_date_outside_hours"
    return start.isoformat(), None


def _latest_entities(tracker: Tracker, name: str) -> list[str]:
    return [e.get("value") for e in (tracker.latest_message or {}).get("entities", []) if e.get("entity") == name]


class ValidateServiceRequestForm(Leavable, FormValidationAction):
    """Service, time, place and note. Every turn, the whole sentence may fill any of them: a
    one-breath request ("明天下午来个人教我用手机视频") fills the time and the service at once, and
    "不对，不是后天，是大后天" changes the time whichever question was asked."""

    def name(self) -> str:
        return "validate_service_request_form"

    async def extract_address(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        """Default the place to the recipient's home; forget it when a correction names it."""
        text = _text(tracker)
        if tracker.get_slot("pending_confirmation") == "order_change" and _PART_WORDS["address"].search(text):
            return {"address": None, "address_is_home": False, "pending_confirmation": None}
        if tracker.get_slot("address") or tracker.get_slot("address_is_home") is False:
            return {}
        home = _home_address(tracker)
        return {"address": home, "address_is_home": True} if home else {}

    async def extract_date_time(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        forgotten = self._forget_named_part(tracker, "date_time", extra={"start_at": None})
        if forgotten:
            return forgotten
        text = _text(tracker)
        said_now = mentions_datetime(correction_text(text))
        if said_now and (not tracker.get_slot("start_at") or is_correction(text)
                         or tracker.get_slot("pending_confirmation") in ("order", "order_change")):
            return {"date_time": text}
        return {}

    async def extract_service_type(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        forgotten = self._forget_named_part(tracker, "service_type")
        if forgotten:
            return forgotten
        text = _text(tracker)
        choices = tracker.get_slot("service_choices") or []
        if choices and not tracker.get_slot("service_type"):
            # The answer to "是要送饭，还是陪您去买菜？": "第二个", "买菜", "前面那个".
            index = parse_choice(text.replace("前面", "第一").replace("后面", "第二"), len(choices))
            named = match_service(text)
            chosen = choices[index] if index is not None else named if named in choices else None
            if chosen:
                return {"service_type": chosen}
        alternatives = (tracker.latest_message or {}).get("service_alternatives") or []
        if len(alternatives) == 2 and not tracker.get_slot("service_type") and all(a in SLUGS for a in alternatives):
            return {"service_type": EITHER}  # validate_service_type asks the either/or question
        named = match_service(correction_text(text))
        if named and (not tracker.get_slot("service_type") or is_correction(text)):
            return {"service_type": named}
        return {}

    async def extract_note(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        """Free words said to the read-back ("要带病历本") are a note, read back again."""
        text = _text(tracker).strip()
        if tracker.get_slot("pending_confirmation") != "order" or not text:
            return {}
        if mentions_datetime(text) or match_service(text) or is_correction(text):
            return {"pending_confirmation": None}
        note = tracker.get_slot("note")
        joined = text if not note or note == "无" else f"{note}；{text}"
        return {"note": joined[:200], "pending_confirmation": None}

    @staticmethod
    def _forget_named_part(tracker: Tracker, slot: str, extra: dict | None = None) -> dict[str, Any]:
        text = _text(tracker)
        if (tracker.get_slot("pending_confirmation") == "order_change" and _PART_WORDS[slot].search(text)
                and not _latest_entities(tracker, slot) and not mentions_datetime(correction_text(text))):
            return {slot: None, **(extra or {})}
        return {}

    def validate_service_type(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        if value is None:
            return {"service_type": None}
        if value == EITHER:
            # The NLU could not choose between two services: ask, naming both (bot/nlu/service_classifier.py).
            alternatives = (tracker.latest_message or {}).get("service_alternatives")
            return {**problem("service_type", "utter_service_either", tracker, miss=False,
                              args={"first": service_name(alternatives[0]), "second": service_name(alternatives[1])}),
                    "service_choices": list(alternatives)}
        # Two tagged spans ("陪我去医院" + "看病") arrive as a list: the first that names a service.
        values = value if isinstance(value, list) else [value]
        slug = next((v for v in values if v in SLUGS), None) or next(
            (match_service(str(v)) for v in values if match_service(str(v))), None) or match_service(_text(tracker))
        before = _value_before_this_turn(tracker, "service_type")
        text = _text(tracker)
        if (before in SLUGS and slug != before and tracker.get_slot("requested_slot") != "service_type"
                and not is_correction(text) and match_service(text) != slug
                and tracker.get_slot("pending_confirmation") != "order_change"):
            # A service tagged on an answer that names none ("明天中午" tagged as cleaning) does not
            # replace the one already chosen; naming a service, or correcting, does.
            return {"service_type": before}
        if slug is None:
            return problem("service_type", "utter_service_unclear", tracker)
        return solved({"service_type": slug, "service_choices": None})

    def validate_date_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        if value is None:
            return {"date_time": None, "start_at": None}
        # The whole sentence first: the tagged span is often only part of it ("10点" of "后天上午10点").
        text = _text(tracker)
        value = " ".join(map(str, value)) if isinstance(value, list) else str(value)  # several tagged spans
        said = text if mentions_datetime(correction_text(text)) else value
        start_at, why = check_start(said)
        if start_at is None and said != str(value):
            start_at, why = check_start(str(value))
        if start_at is None:
            return {**problem("date_time", why, tracker), "start_at": None}
        return solved({"date_time": said, "start_at": start_at})

    def validate_address(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").strip()
        if len(text) < 2:
            return {"address": None}
        defaulted = tracker.get_slot("address_is_home") is True and text == tracker.get_slot("address")
        return {"address": text[:200], "address_is_home": defaulted or text == _home_address(tracker)}

    def validate_note(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> dict[str, Any]:
        if is_correction(_text(tracker)) and tracker.get_slot("requested_slot") == "note":
            return {"note": None}  # the correction changed the time or service; the note is asked again
        text = str(value or "").strip()
        return {"note": "无" if not text or _NO_NOTE.match(text) else text[:200]}


def read_back(dispatcher: CollectingDispatcher, tracker: Tracker, slots: dict | None = None) -> list:
    """"您要预约明天上午9点陪同就医，到您家，对吗？" (in the family chat: "您要给王秀英预约…，到王秀英家").

    ``slots`` overrides tracker slots (a correction made outside the form)."""
    values = {name: tracker.get_slot(name) for name in ("start_at", "note", "address_is_home", "service_type",
                                                        "address")}
    values.update(slots or {})
    start = dt.datetime.fromisoformat(values["start_at"])
    note = values["note"]
    has_note = bool(note) and note != "无"
    home = bool(values["address_is_home"])
    recipient = _recipient(tracker)
    for_elder = bool(recipient and recipient.get("for_elder"))
    response = "utter_confirm_order_" + ("home" if home else "address") + ("_note" if has_note else "")
    dispatcher.utter_message(response=response, when=datetime_to_words(start, common.now()),
                             service_name=service_name(values["service_type"]),
                             address=values["address"] or "", note=note or "",
                             for_whom=f"给{recipient['name']}" if for_elder else "",
                             home=common.who(recipient))
    return [SlotSet(name, value) for name, value in (slots or {}).items()] + \
        [SlotSet("pending_confirmation", "order")]


class ActionReadBackOrder(Action):
    """The read-back after the form; or, when the caller left the form, one sentence and nothing kept."""

    def name(self) -> str:
        return "action_read_back_order"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if was_stopped(tracker) or not tracker.get_slot("start_at"):
            dispatcher.utter_message(response="utter_stopped_order")
            return forget(*ORDER_SLOTS)
        return read_back(dispatcher, tracker)


def amend_read_back(dispatcher: CollectingDispatcher, tracker: Tracker) -> list | None:
    """Free words said to the order read-back, whatever the NLU made of them ("12月5日上午10点",
    "要带病历本"): a new time or service, or a note, and the booking is read back again. None when
    no order read-back is waiting for this turn's answer."""
    if common.pending_answered_now(tracker) not in ("order", "order_change") or not tracker.get_slot("start_at"):
        return None
    text = _text(tracker).strip()
    if wants_to_leave(text):
        dispatcher.utter_message(response="utter_stopped_order")
        return forget(*ORDER_SLOTS)
    rest = correction_text(text)
    if mentions_datetime(rest):
        start_at, why = check_start(rest)
        if start_at is None:
            dispatcher.utter_message(response=why)
            return [SlotSet("pending_confirmation", "order_change")]
        return read_back(dispatcher, tracker, {"date_time": rest, "start_at": start_at})
    named = match_service(rest)
    if named:
        return read_back(dispatcher, tracker, {"service_type": named})
    if tracker.get_slot("pending_confirmation") == "order_change" or len(text) < 2:
        return None
    note = tracker.get_slot("note")
    joined = text if not note or note == "无" else f"{note}；{text}"
    return read_back(dispatcher, tracker, {"note": joined[:200]})


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
        return events + forget(*ORDER_SLOTS)
    caller, _ = common.find_caller(tracker, backend)
    body = order_request(tracker, recipient, caller)
    key = idempotency_key(common.conversation_id(tracker), "create_order", body)
    try:
        result = backend.create_order(body, key)
    except BackendError as exc:
        common.tell_backend_problem(dispatcher, exc)
        return events + forget(*ORDER_SLOTS)
    if result.queued:
        dispatcher.utter_message(response="utter_backend_queued")
    else:
        start = dt.datetime.fromisoformat(body["start_at"])
        # For the voice channel's call record; the chat widget ignores custom payloads it does not know.
        dispatcher.utter_message(json_message={"action": "order_created", "order_id": result.data["id"]})
        dispatcher.utter_message(response="utter_order_created", when=datetime_to_words(start, common.now()),
                                 service_name=service_name(body["service_slug"]),
                                 for_whom=f"给{recipient['name']}" if recipient["for_elder"] else "")
    return events + forget(*ORDER_SLOTS)
