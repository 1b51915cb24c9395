"""What every action needs: the backend client, the clock, who is calling and for whom.

``now`` and ``client`` are functions so tests can replace them (monkeypatch) without a network.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.backend_client import BackendClient, BackendError, BackendRefused, BackendUnavailable, NotFound
from bot.actions.parsing import TZ, parse_phone
from bot.actions.settings import BotSettings


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


def find_caller(tracker: Tracker, backend: BackendClient) -> tuple[dict | None, list]:
    """The caller's PersonPublic (from the slot, else looked up by the channel's phone number or
    logged-in person id) and the SlotSet events that remember it. None when unknown."""
    caller = tracker.get_slot("caller")
    if caller:
        return caller, []
    meta = metadata(tracker)
    try:
        if meta.get("person_id"):
            caller = backend.person(int(meta["person_id"]))
        elif parse_phone(str(meta.get("phone") or "")):
            caller = backend.person_by_phone(parse_phone(str(meta["phone"])))
    except NotFound:
        caller = None
    return caller, ([SlotSet("caller", caller)] if caller else [])


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
        dispatcher.utter_message(response="utter_not_registered")
        return None, events
    recipient, problem = choose_recipient(caller, tracker.get_slot("relation"))
    if problem:
        dispatcher.utter_message(response="utter_no_consent")
        return None, events
    if recipient["for_elder"] and not recipient.get("address"):
        try:
            recipient["address"] = backend.person(recipient["id"]).get("address")
        except BackendRefused:
            pass
    return recipient, events + [SlotSet("recipient", recipient)]


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


__all__ = ["BackendRefused", "BackendUnavailable", "NotFound", "channel", "choose_recipient", "clear",
           "client", "conversation_id", "fetch_for_recipient", "find_caller", "metadata", "now", "resolve_recipient",
           "tell_backend_problem"]
