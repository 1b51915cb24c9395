"""The elder's say over family members acting for them (issue 7): a relative's new link stays
pending until the elder consents here, by phone, or an operator verifies it.

"我同意我女儿帮我办事" reads the caller's pending links back one at a time ("您同意女儿张小红在网上
替您办事吗？请说对或不对。"); only affirm writes the consent, deny leaves the link pending, and the
next pending link, if any, is asked about. "不让我儿子代办了" does the same for consented links
and revokes. Only links where the *caller* is the elder are ever listed, so a family member cannot
consent to their own link.
"""
from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.backend_client import BackendError, idempotency_key
from bot.actions.parsing import normalize_text
from trust import claims

FAMILY_SLOTS = ("family_link", "family_links", "relation", "pending_confirmation")

# How a link's relation is named in the read-back when the caller did not name it themselves
# (vocabulary, like the service names in catalogue.py; the sentences are in the domain).
RELATION_WORDS = {"spouse": "老伴", "child": "子女", "parent": "长辈", "grandchild": "孙辈",
                  "grandparent": "长辈", "sibling": "兄弟姐妹", "other": "家属"}


@dataclass(frozen=True)
class Mode:
    """One direction of the change: what it looks up, writes and says (response keys)."""

    name: str
    lookup: str
    write: str
    ask: str
    none: str
    done: str
    kept: str

    @property
    def pending(self) -> str:
        """The ``pending_confirmation`` value while a link of this mode is read back."""
        return f"family_{self.name}"


CONSENT = Mode("consent", lookup="pending", write="consented", ask="utter_confirm_family_consent",
               none="utter_no_pending_family", done="utter_family_consented", kept="utter_family_consent_kept")
REVOKE = Mode("revoke", lookup="consented", write="revoked", ask="utter_confirm_family_revoke",
              none="utter_no_linked_family", done="utter_family_revoked", kept="utter_family_revoke_kept")
MODES = {CONSENT.pending: CONSENT, REVOKE.pending: REVOKE}


def spoken_relation(message: dict) -> tuple[str | None, str | None]:
    """(backend relation value, the caller's own word for it) of the latest message, e.g. ("child", "女儿")."""
    text = normalize_text(message.get("text") or "")
    for entity in message.get("entities") or []:
        if entity.get("entity") != "relation":
            continue
        start, end = entity.get("start"), entity.get("end")
        word = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
        ok = 0 < len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word)
        return entity.get("value"), (word if ok else None)
    return None, None


def narrow_links(links: list[dict], relation: str | None) -> list[dict]:
    """The links of the relation the caller named ("我女儿" → child), or all when none match."""
    matching = [link for link in links if relation and link.get("relation") == relation]
    return matching or links


def relation_word(link: dict, relation: str | None, word: str | None) -> str:
    """The caller's own word when it names this link's relation, else the generic one."""
    if word and relation == link.get("relation"):
        return word
    return RELATION_WORDS.get(link.get("relation"), RELATION_WORDS["other"])


def ask_next(dispatcher: CollectingDispatcher, mode: Mode, links: list[dict]) -> list:
    """Read the first link back and remember the rest; with none left, forget the exchange."""
    if not links:
        return common.clear(*FAMILY_SLOTS)
    link, rest = links[0], links[1:]
    dispatcher.utter_message(response=mode.ask, relation_word=link["word"], member_name=link["member_name"])
    return [SlotSet("family_link", link), SlotSet("family_links", rest), SlotSet("pending_confirmation", mode.pending)]


def start(dispatcher: CollectingDispatcher, tracker: Tracker, mode: Mode) -> list:
    backend = common.client()
    caller, events = common.find_caller(tracker, backend)
    if caller is None:
        common.tell_unknown_caller(dispatcher, tracker)
        return events + common.clear(*FAMILY_SLOTS)
    try:
        links = backend.family_links(caller["id"], consent=mode.lookup)
    except BackendError as exc:
        common.tell_backend_problem(dispatcher, exc)
        return events + common.clear(*FAMILY_SLOTS)
    relation, word = spoken_relation(tracker.latest_message or {})
    relation = relation or tracker.get_slot("relation")
    secret = backend.settings.claim_secret
    links = [{"id": link["id"], "member_name": link["member_name"], "relation": link["relation"],
              "word": relation_word(link, relation, word),
              "seal": claims.seal(secret, {"link": link["id"], "elder": caller["id"]})}
             for link in narrow_links(links, relation)]
    if not links:
        dispatcher.utter_message(response=mode.none)
        return events + common.clear(*FAMILY_SLOTS)
    return events + ask_next(dispatcher, mode, links)


class ActionAskFamilyConsent(Action):
    def name(self) -> str:
        return "action_ask_family_consent"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        return start(dispatcher, tracker, CONSENT)


class ActionAskFamilyRevoke(Action):
    """Revokes; but "不同意他代办" said in answer to a consent read-back is a no to that question."""

    def name(self) -> str:
        return "action_ask_family_revoke"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if tracker.get_slot("pending_confirmation") == CONSENT.pending and tracker.get_slot("family_link"):
            return keep_family_link(dispatcher, tracker)
        return start(dispatcher, tracker, REVOKE)


def own_link(link: dict, caller: dict) -> bool:
    """The link was listed by ``start`` for this caller as the elder (its seal says so)."""
    try:
        sealed = claims.unseal(common.client().settings.claim_secret, link.get("seal"))
    except claims.ClaimRefused:
        return False
    return sealed == {"link": link.get("id"), "elder": caller["id"]}


def submit_family_link(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    """Affirm: write the consent (or revocation) of the link read back, then ask about the next."""
    mode = MODES[tracker.get_slot("pending_confirmation")]
    link = tracker.get_slot("family_link") or {}
    body = {"consent": mode.write}
    key = idempotency_key(common.conversation_id(tracker), f"family_{mode.name}", {"link": link.get("id"), **body})
    backend = common.client()
    try:
        # Only the verified caller's own links, as the elder: the slot says which, not whose.
        caller, _ = common.find_caller(tracker, backend)
        if caller is None:
            common.tell_unknown_caller(dispatcher, tracker)
            return common.clear(*FAMILY_SLOTS)
        if not own_link(link, caller):
            dispatcher.utter_message(response=mode.none)
            return common.clear(*FAMILY_SLOTS)
        result = backend.set_family_consent(link["id"], body, key)
    except BackendError as exc:
        common.tell_backend_problem(dispatcher, exc)
        return common.clear(*FAMILY_SLOTS)
    dispatcher.utter_message(response="utter_backend_queued" if result.queued else mode.done,
                             member_name=link.get("member_name", ""))
    return ask_next(dispatcher, mode, tracker.get_slot("family_links") or [])


def keep_family_link(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    """Deny: the link stays as it was (pending stays pending); ask about the next."""
    mode = MODES[tracker.get_slot("pending_confirmation")]
    link = tracker.get_slot("family_link") or {}
    dispatcher.utter_message(response=mode.kept, member_name=link.get("member_name", ""))
    return ask_next(dispatcher, mode, tracker.get_slot("family_links") or [])
