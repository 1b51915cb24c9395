"""The outbound offer call: Twilio dials a volunteer who prefers calls (the backend's outbox places it)
and asks ``/ivr/offer-call?message=<id>`` what to say. The offer is read in the elder-friendly voice
inside a ``<Gather>`` that takes a key or a few words: 1 or 好 accepts, 2 or 不去 declines, anything
else is asked once more, then the call ends and the offer waits for the dispatcher's timeout as any
unanswered offer. The volunteer is the one the backend's message names (the webhook is Twilio-signed
over its URL); nothing the callee says can name anyone else. Accepting goes through the backend's
accept (exactly one winner); a taken order is said so."""
from __future__ import annotations

import logging
import re

from starlette.datastructures import FormData

from ivr import twiml
from ivr.errors import BackendRefused, IvrError
from ivr.services import IvrServices

log = logging.getLogger(__name__)

ACCEPTED = "好的，谢谢您！这一单是您的了。地址和老人的电话请在志愿者页面查看，出发前我们还会发短信提醒您。再见。"
DECLINED = "好的，我们请别的志愿者。谢谢您，再见。"
TAKEN = "这一单已经被别的志愿者接了。谢谢您，再见。"
GONE = "这一单已经不需要了。谢谢您，再见。"
AGAIN = "没有听清。接单请按1，或者说“好”；不方便请按2，或者说“不去”。"
UNCLEAR = "还是没有听清。这一单先留着，您也可以在志愿者页面接单。再见。"
TROUBLE = "系统暂时有点问题，这一单请在志愿者页面查看。再见。"

_NO = re.compile(r"不|没空|没时间|算了|拒绝")
_YES = re.compile(r"好|行|可以|接|去|没问题|愿意|要")


def answer_of(digits: str, speech: str) -> str | None:
    """"accept", "decline" or None (not understood) from the key pressed or the words said."""
    if digits:
        return {"1": "accept", "2": "decline"}.get(digits[:1])
    words = re.sub(r"\s+", "", speech or "")
    if _NO.search(words):  # 不去, 不行, 不好意思 … : any refusal wins over the 去/好 inside it
        return "decline"
    if _YES.search(words):
        return "accept"
    return None


def _action(services: IvrServices, message_id: int, tries: int) -> str:
    return f"{services.settings.public_url}/ivr/offer-call/answer?message={message_id}&try={tries}"


async def first(services: IvrServices, message_id: int) -> str:
    try:
        message = await services.backend.message(message_id)
    except IvrError as exc:
        log.warning("ivr: offer call for message %s: %s", message_id, exc)
        return twiml.say_and_hang_up(services.settings, TROUBLE)
    if message.get("kind") != "offer" or message.get("channel") != "call":
        return twiml.say_and_hang_up(services.settings, GONE)
    return twiml.gather(services.settings, say=[message["body"]], action=_action(services, message_id, 1))


async def answer(services: IvrServices, message_id: int, tries: int, form: FormData, call_sid: str) -> str:
    choice = answer_of(str(form.get("Digits", "")), str(form.get("SpeechResult", "")))
    if choice is None:
        if tries >= 2:
            return twiml.say_and_hang_up(services.settings, UNCLEAR)
        return twiml.gather(services.settings, say=[AGAIN], action=_action(services, message_id, tries + 1))
    try:
        message = await services.backend.message(message_id)
        order_id, volunteer_id = int(message["order_id"]), int(message["person_id"])
        if choice == "accept":
            await services.backend.accept(order_id, volunteer_id, key=f"offer-call:{call_sid}:{message_id}")
            return twiml.say_and_hang_up(services.settings, ACCEPTED)
        await services.backend.decline(order_id, volunteer_id)
        return twiml.say_and_hang_up(services.settings, DECLINED)
    except BackendRefused as exc:
        log.info("ivr: offer call %s (message %s) refused: %s %s", call_sid, message_id, exc.status, exc.code)
        return twiml.say_and_hang_up(services.settings, TAKEN if exc.code == "order_taken" else GONE)
    except IvrError as exc:
        log.warning("ivr: offer call %s (message %s): %s", call_sid, message_id, exc)
        return twiml.say_and_hang_up(services.settings, TROUBLE)
