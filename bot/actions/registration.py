"""Registration of an unknown caller: name, role, phone → read back → a *pending* registration
that an operator verifies (人工辅助审核). No account is ever created here."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.backend_client import BackendError, idempotency_key
from bot.actions.forms import Leavable, forget, problem, solved, was_stopped
from bot.actions.parsing import parse_phone

REG_SLOTS = ("reg_name", "reg_role", "reg_phone", "pending_confirmation")
_NAME_PREFIX = re.compile(r"^(嗯|那个|就是|我叫|我是|俺叫|俺是|叫|名字是|我的名字是|[，,。 ])+")


def parse_role(text: str) -> str | None:
    """'volunteer' for 志愿者/帮别人/服务别人, 'elder' for 接受服务/老人/要人帮, else None."""
    if re.search(r"志愿|帮别人|服务别人|去帮忙|当义工", text):
        return "volunteer"
    if re.search(r"接受|老人|要人帮|需要服务|享受|被服务|我自己用|养老", text):
        return "elder"
    return None


# Words no name contains: a sentence said instead of the name ("我想注册时间银行") is not a name.
_NOT_A_NAME = re.compile(r"注册|登记|时间|银行|服务|志愿|想|要|帮|什么|怎么|吗|呢|吧|啊|请问|可以|不|没|电话|手机|\d")


def clean_name(text: str) -> str | None:
    """The name in "我叫王秀英" / "王秀英"; None for anything that is not just a name."""
    name = _NAME_PREFIX.sub("", text.strip()).strip("，,。.！!？? ")
    if not 2 <= len(name) <= 6 or _NOT_A_NAME.search(name):
        return None
    return name if re.fullmatch(r"[\u4e00-\u9fa5·]+|[A-Za-z][A-Za-z .'-]*", name) else None


class ValidateRegistrationForm(Leavable, FormValidationAction):
    def name(self) -> str:
        return "validate_registration_form"

    async def extract_reg_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        """The phone channel already knows the number: do not ask for it."""
        if tracker.get_slot("reg_phone"):
            return {}
        phone = common.caller_phone(tracker)
        return {"reg_phone": phone} if phone else {}

    def validate_reg_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> dict[str, Any]:
        if (tracker.latest_message or {}).get("intent", {}).get("name") == "register":
            return {"reg_name": None}  # the request itself, said before the name question was answered
        name = clean_name(str(value or ""))
        return solved({"reg_name": name}) if name else problem("reg_name", "utter_name_unclear", tracker)

    def validate_reg_role(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> dict[str, Any]:
        role = parse_role(str(value or ""))
        return solved({"reg_role": role}) if role else problem("reg_role", "utter_role_unclear", tracker)

    def validate_reg_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        phone = parse_phone(str(value or ""))
        return solved({"reg_phone": phone}) if phone else problem("reg_phone", "utter_phone_unclear", tracker)


class ActionReadBackRegistration(Action):
    def name(self) -> str:
        return "action_read_back_registration"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if was_stopped(tracker) or not tracker.get_slot("reg_name"):
            dispatcher.utter_message(response="utter_stopped_registration")
            return forget(*REG_SLOTS)
        role = tracker.get_slot("reg_role")
        dispatcher.utter_message(response=f"utter_confirm_registration_{role}", reg_name=tracker.get_slot("reg_name"),
                                 phone_tail=(tracker.get_slot("reg_phone") or "")[-4:])
        return [SlotSet("pending_confirmation", "registration")]


def submit_registration(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    if common.verified_caller(tracker) is None:  # only through a front door, even for a pending record
        common.tell_unknown_caller(dispatcher, tracker)
        return common.clear(*REG_SLOTS)
    body = {"name": tracker.get_slot("reg_name"), "phone": tracker.get_slot("reg_phone"),
            "roles": [tracker.get_slot("reg_role")], "channel": common.channel(tracker),
            "note": "通过语音助手登记，待人工核实"}
    key = idempotency_key(common.conversation_id(tracker), "register", body)
    try:
        result = common.client().register(body, key)
    except BackendError as exc:
        common.tell_backend_problem(dispatcher, exc)
        return forget(*REG_SLOTS)
    dispatcher.utter_message(response="utter_backend_queued" if result.queued else "utter_registered")
    return forget(*REG_SLOTS)
