"""What every action needs: the backend client, the clock, who is calling and for whom.

``now`` and ``client`` are functions so tests can replace them (monkeypatch) without a network.

Who is calling comes only from the signed claim the front door attached to the latest message
(``verified_caller``, trust/claims.py): never from a ``phone``/``person_id`` metadata field or a
``caller`` slot, which anyone able to reach Rasa, or to post a tracker, could set. The caller's
record is fetched from the backend for each action and not kept in the tracker (docs/bot.md,
"What the tracker holds").
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.backend_client import BackendClient, BackendError, BackendRefused, BackendUnavailable, NotFound
from bot.actions.parsing import TZ, parse_phone
from bot.actions.settings import BotSettings
from trust import claims

log = logging.getLogger(__name__)


def now() -> dt.datetime:
    """The current time in Asia/Shanghai."""
    return dt.datetime.now(TZ)


@functools.lru_cache(maxsize=1)
def client() -> BackendClient:
    """The action server's one backend client, created on first use (not at import)."""
    return BackendClient(BotSettings.from_env())


def conversation_id(tracker: Tracker) -> str:
    return tracker.sender_id


def metadata(tracker: Tracker) -> dict:
    """Channel metadata: the session's first message's, overridden by the latest message's."""
    merged = dict(tracker.get_slot("session_started_metadata") or {})
    merged.update((tracker.latest_message or {}).get("metadata") or {})
    return merged


def channel(tracker: Tracker) -> str:
    """'phone' or 'chat' (the backend's channel names); chat unless the IVR says phone."""
    value = tracker.get_slot("channel") or metadata(tracker).get("channel")
    return "phone" if value == "phone" else "chat"


def verified_caller(tracker: Tracker) -> claims.Claim | None:
    """The claim of the latest message, if a front door signed it for this conversation and it has
    not expired; None otherwise (then nothing may be read or written for anyone)."""
    token = ((tracker.latest_message or {}).get("metadata") or {}).get(claims.METADATA_KEY)
    try:
        return claims.verify(client().settings.claim_secret, token, conversation_id=tracker.sender_id)
    except claims.ClaimRefused as exc:
        log.warning("conversation %s: %s", tracker.sender_id, exc)
        return None


def _subject(claim: claims.Claim) -> str:
    return f"person:{claim.person_id}" if claim.person_id is not None else f"phone:{parse_phone(claim.phone or '') or ''}"


def kept_of_caller(person: dict, subject: str) -> dict:
    """What the conversation remembers of its caller: who (id, roles) and for whom they may act (the
    linked elders' ids, names, relations, consent). No phone, birth date, address or coordinates."""
    return {"subject": subject, "id": person["id"], "roles": list(person.get("roles") or []),
            "linked_elders": [{key: link.get(key) for key in ("id", "name", "relation", "consent")}
                              for link in person.get("linked_elders") or []]}


def find_caller(tracker: Tracker, backend: BackendClient) -> tuple[dict | None, list]:
    """The verified caller and the SlotSet events that remember them; None when the claim is
    missing or invalid, or names nobody registered.

    The ``caller`` slot is only a cache, sealed with the claim secret (a slot written by anyone
    else does not unseal) and used only for the same person the current claim names; otherwise
    the caller is looked up by the claim's person id or phone number."""
    claim = verified_caller(tracker)
    if claim is None:
        return None, []
    subject, secret = _subject(claim), client().settings.claim_secret
    try:
        cached = claims.unseal(secret, tracker.get_slot("caller"))
        if cached.get("subject") == subject and cached.get("id"):
            return cached, []
    except claims.ClaimRefused:
        pass
    try:
        if claim.person_id is not None:
            person = backend.person(claim.person_id)
        elif parse_phone(claim.phone or ""):
            person = backend.person_by_phone(parse_phone(claim.phone))
        else:
            return None, []
    except NotFound:
        return None, []
    kept = kept_of_caller(person, subject)
    return {**kept, "address": person.get("address")}, [SlotSet("caller", claims.seal(secret, kept))]


def tell_unknown_caller(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Why nothing can be done for this caller: not verified (offer a person), or not registered."""
    if verified_caller(tracker) is None:
        dispatcher.utter_message(response="utter_identity_unverified")
    else:
        dispatcher.utter_message(response="utter_not_registered")


def caller_phone(tracker: Tracker) -> str | None:
    """The phone number the hotline verified for this call (None on chat, withheld or unverified)."""
    claim = verified_caller(tracker)
    return parse_phone(claim.phone or "") if claim else None


def choose_recipient(caller: dict, relation: str | None = None) -> tuple[dict | None, str]:
    """Whom the caller acts for: themselves, or a linked elder whose link is consented.

    Returns (recipient, problem); recipient is {"id", "name", "address", "for_elder"}; problem is
    "" or "no_consent" (a family member whose only links lack consent).
    """
    own = {"id": caller["id"], "name": caller.get("name", ""), "address": caller.get("address"),
           "for_elder": False}
    links = caller.get("linked_elders") or []
    roles = set(caller.get("roles") or [])
    if not links or ("elder" in roles and not relation):
        return own, ""
    consented = [link for link in links if link.get("consent") in ("consented", True)]
    if not consented:
        return (own, "") if "elder" in roles else (None, "no_consent")
    chosen = next((link for link in consented if relation and link.get("relation") == relation), consented[0])
    return {"id": chosen["id"], "name": chosen.get("name", ""), "address": chosen.get("address"),
            "for_elder": True}, ""


def resolve_recipient(dispatcher: CollectingDispatcher, tracker: Tracker,
                      backend: BackendClient) -> tuple[dict | None, list]:
    """Caller → recipient, telling the caller when neither can be used. Returns (recipient, events)."""
    caller, events = find_caller(tracker, backend)
    if caller is None:
        tell_unknown_caller(dispatcher, tracker)
        return None, events
    recipient, problem = choose_recipient(caller, tracker.get_slot("relation"))
    if problem:
        dispatcher.utter_message(response="utter_no_consent")
        return None, events
    return recipient, events


def fetch_for_recipient(dispatcher: CollectingDispatcher, tracker: Tracker,
                        fetch: Callable[[BackendClient, int], Any]) -> tuple[dict | None, Any, list]:
    """Whom the caller acts for, and ``fetch(backend, their person id)``.

    Returns (recipient, data, events). ``data`` is None when the recipient could not be resolved or
    the backend failed; the caller has then already been told in one short sentence.
    """
    backend = client()
    recipient, events = resolve_recipient(dispatcher, tracker, backend)
    if recipient is None:
        return None, None, events
    try:
        return recipient, fetch(backend, recipient["id"]), events
    except BackendError as exc:
        tell_backend_problem(dispatcher, exc)
        return recipient, None, events


def tell_backend_problem(dispatcher: CollectingDispatcher, exc: Exception) -> None:
    """One short sentence for any backend failure; refusals carry the backend's own Chinese."""
    if isinstance(exc, BackendRefused) and exc.message:
        dispatcher.utter_message(response="utter_backend_refused", message=exc.message)
    else:
        dispatcher.utter_message(response="utter_backend_down")


def clear(*names: str) -> list[dict[str, Any]]:
    return [SlotSet(name, None) for name in names]


def pending_answered_now(tracker: Tracker) -> str | None:
    """The read-back this yes/no answers, or None when the question was not the bot's last turn.

    A read-back is answered only in the very next user turn: after anything else was asked and
    answered in between ("查余额" after "…对吗？"), a later "对" must not book, gift or cancel.
    A turn the bot never answered, said again word for word, does not count as moving on: when the action
    answering a "对" was lost (an action server down or busy mid-turn: Rasa drops the action's events and
    says nothing), the caller's repeated "对" is the same answer to the same question.
    Trackers without the events that set it (unit tests) count as answered now.
    """
    pending = tracker.get_slot("pending_confirmation")
    if not pending:
        return None
    users, answered, latest = 0, True, None  # the latest user turn is the one being answered now
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            answered = True
        elif event.get("event") == "user":
            latest = event.get("text") if latest is None else latest
            users += 0 if not answered and event.get("text") == latest else 1
            answered = False
        elif event.get("event") == "slot" and event.get("name") == "pending_confirmation":
            return pending if users <= 1 and event.get("value") == pending else None
    return pending


def who(recipient: dict | None) -> str:
    """How answers name the person they are about: "您", or the elder's name in the family chat."""
    if recipient and recipient.get("for_elder") and recipient.get("name"):
        return recipient["name"]
    return "您"


__all__ = ["BackendRefused", "BackendUnavailable", "NotFound", "caller_phone", "channel", "choose_recipient",
           "clear", "client", "conversation_id", "fetch_for_recipient", "find_caller", "metadata", "now",
           "pending_answered_now", "resolve_recipient", "tell_backend_problem", "tell_unknown_caller",
           "verified_caller", "who"]
