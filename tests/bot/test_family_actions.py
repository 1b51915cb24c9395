"""The elder consents to (or revokes) a family member acting for them: read back one link at a
time, write only on affirm. Against the in-memory backend (MockTransport); the same flow runs
against the real backend and model in test_flows_live.py."""
import json

import pytest

from bot.actions import common
from bot.actions.conversation import ActionConfirm, ActionDeny
from bot.actions.family import ActionAskFamilyConsent, ActionAskFamilyRevoke, narrow_links, spoken_relation
from tests.bot.fakes import CLAIM_SECRET, ELDER, FAMILY, FakeBackend, make_tracker, responses, sealed_caller
from trust import claims
from tests.bot.test_actions import ELDER_PHONE, NOW, run, slot

DAUGHTER = {"id": 31, "elder_id": ELDER["id"], "elder_name": ELDER["name"], "member_id": 20, "member_name": "张小红",
            "relation": "child", "consent": "pending", "created_at": "2025-03-01T08:00:00Z"}
GRANDSON = {"id": 32, "elder_id": ELDER["id"], "elder_name": ELDER["name"], "member_id": 21, "member_name": "王小明",
            "relation": "grandchild", "consent": "pending", "created_at": "2025-03-02T08:00:00Z"}
SON = {"id": 33, "elder_id": ELDER["id"], "elder_name": ELDER["name"], "member_id": 7, "member_name": "李娟",
       "relation": "child", "consent": "consented", "created_at": "2025-02-01T08:00:00Z"}


@pytest.fixture
def backend(tmp_path, monkeypatch):
    fake = FakeBackend(family_links=[dict(DAUGHTER), dict(GRANDSON), dict(SON)])
    client = fake.client(tmp_path)
    monkeypatch.setattr(common, "client", lambda: client)
    monkeypatch.setattr(common, "now", lambda: NOW)
    fake.outbox = client.outbox
    return fake


def relation_entity(text: str, word: str, value: str) -> list[dict]:
    start = text.index(word)
    return [{"entity": "relation", "start": start, "end": start + len(word), "value": value}]


def said_by_elder(text: str, intent: str, word: str | None = None, value: str | None = None, **slots):
    entities = relation_entity(text, word, value) if word else []
    return make_tracker(slots=slots, text=text, intent=intent, entities=entities, metadata=ELDER_PHONE)


def consent_posts(backend) -> list[tuple[str, dict]]:
    return [(r.url.path, json.loads(r.content)) for r in backend.requests
            if r.method == "POST" and r.url.path.startswith("/api/v1/family-links/")]


def link_state(backend, link_id: int) -> str:
    return next(link["consent"] for link in backend.family_links if link["id"] == link_id)


def test_consent__reads_back_the_named_relatives_pending_link_in_the_callers_words(backend):
    dispatcher, events = run(ActionAskFamilyConsent(), said_by_elder("我同意我女儿帮我办事", "consent_family",
                                                                     "女儿", "child"))
    assert responses(dispatcher) == ["utter_confirm_family_consent"]
    assert (dispatcher.messages[0]["relation_word"], dispatcher.messages[0]["member_name"]) == ("女儿", "张小红")
    assert slot(events, "pending_confirmation") == "family_consent"
    assert slot(events, "family_link")["id"] == DAUGHTER["id"]
    assert consent_posts(backend) == []  # nothing is written before the elder says 对
    listed = [r for r in backend.requests if r.url.path == "/api/v1/family-links"]
    assert listed[0].url.params.get("elder_id") == str(ELDER["id"]) and listed[0].url.params.get("consent") == "pending"


def test_consent__affirm_posts_consented_once_even_when_retried(backend):
    _, events = run(ActionAskFamilyConsent(), said_by_elder("我同意我女儿帮我办事", "consent_family", "女儿", "child"))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    confirm = make_tracker(slots=slots, text="对", intent="affirm", metadata=ELDER_PHONE)
    done, after = run(ActionConfirm(), confirm)
    run(ActionConfirm(), confirm)
    assert responses(done) == ["utter_family_consented"] and done.messages[0]["member_name"] == "张小红"
    posts = consent_posts(backend)
    assert posts[0] == (f"/api/v1/family-links/{DAUGHTER['id']}/consent", {"consent": "consented"})
    posts_raw = [r for r in backend.requests if r.method == "POST"]
    assert posts_raw[0].headers["Idempotency-Key"] == posts_raw[1].headers["Idempotency-Key"]
    assert link_state(backend, DAUGHTER["id"]) == "consented"
    assert link_state(backend, GRANDSON["id"]) == "pending"
    assert slot(after, "pending_confirmation") is None and slot(after, "family_link") is None


def test_consent__deny_leaves_the_link_pending(backend):
    tracker = make_tracker(slots={"pending_confirmation": "family_consent",
                                  "family_link": {"id": DAUGHTER["id"], "member_name": "张小红", "word": "女儿"},
                                  "family_links": []}, text="不对", intent="deny", metadata=ELDER_PHONE)
    dispatcher, events = run(ActionDeny(), tracker)
    assert responses(dispatcher) == ["utter_family_consent_kept"]
    assert consent_posts(backend) == [] and link_state(backend, DAUGHTER["id"]) == "pending"
    assert slot(events, "pending_confirmation") is None


def test_consent__without_a_relation_each_pending_link_is_asked_about_in_turn(backend):
    dispatcher, events = run(ActionAskFamilyConsent(), said_by_elder("同意家属绑定", "consent_family"))
    assert dispatcher.messages[0]["relation_word"] == "子女" and dispatcher.messages[0]["member_name"] == "张小红"
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert [link["id"] for link in slots["family_links"]] == [GRANDSON["id"]]
    # 不对 to the daughter, then the grandson is asked about; 对 consents to him alone.
    denied, events = run(ActionDeny(), make_tracker(slots=slots, text="不对", intent="deny", metadata=ELDER_PHONE))
    assert responses(denied) == ["utter_family_consent_kept", "utter_confirm_family_consent"]
    assert (denied.messages[1]["relation_word"], denied.messages[1]["member_name"]) == ("孙辈", "王小明")
    slots.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
    done, _ = run(ActionConfirm(), make_tracker(slots=slots, text="对", intent="affirm", metadata=ELDER_PHONE))
    assert responses(done) == ["utter_family_consented"]
    assert (link_state(backend, DAUGHTER["id"]), link_state(backend, GRANDSON["id"])) == ("pending", "consented")


def test_consent__naming_a_relative_picks_their_link_first(backend):
    dispatcher, events = run(ActionAskFamilyConsent(), said_by_elder("让我孙子在网上帮我预约吧", "consent_family",
                                                                     "孙子", "grandchild"))
    assert (dispatcher.messages[0]["relation_word"], dispatcher.messages[0]["member_name"]) == ("孙子", "王小明")
    assert slot(events, "family_links") == []


def test_consent__no_pending_link_is_said_in_one_sentence(backend):
    backend.family_links = [dict(SON)]
    dispatcher, events = run(ActionAskFamilyConsent(), said_by_elder("同意家属绑定", "consent_family"))
    assert responses(dispatcher) == ["utter_no_pending_family"]
    assert slot(events, "pending_confirmation") is None


def test_consent__a_family_member_only_ever_sees_links_where_they_are_the_elder(backend):
    tracker = make_tracker(text="同意家属绑定", intent="consent_family", metadata={"person_id": FAMILY["id"]})
    dispatcher, _ = run(ActionAskFamilyConsent(), tracker)
    assert responses(dispatcher) == ["utter_no_pending_family"]
    listed = [r for r in backend.requests if r.url.path == "/api/v1/family-links"]
    assert [r.url.params.get("elder_id") for r in listed] == [str(FAMILY["id"])]


def test_consent__unknown_caller_gets_the_registration_path(backend):
    tracker = make_tracker(text="同意家属绑定", intent="consent_family", metadata={"phone": "+8613800000000"})
    dispatcher, _ = run(ActionAskFamilyConsent(), tracker)
    assert responses(dispatcher) == ["utter_not_registered"]


def test_consent__backend_down_on_affirm_keeps_the_consent_in_the_outbox(backend):
    link = {"id": DAUGHTER["id"], "member_name": "张小红", "word": "女儿",
            "seal": claims.seal(CLAIM_SECRET, {"link": DAUGHTER["id"], "elder": ELDER["id"]})}
    slots = {"pending_confirmation": "family_consent", "caller": sealed_caller(ELDER, f"phone:{ELDER['phone']}"),
             "family_links": [], "family_link": link}
    backend.down = True
    dispatcher, _ = run(ActionConfirm(), make_tracker(slots=slots, text="对", intent="affirm", metadata=ELDER_PHONE))
    assert responses(dispatcher) == ["utter_backend_queued"]
    assert [e["path"] for e in backend.outbox.pending()] == [f"/family-links/{DAUGHTER['id']}/consent"]


def test_revoke__reads_back_a_consented_link_and_revokes_on_affirm(backend):
    dispatcher, events = run(ActionAskFamilyRevoke(), said_by_elder("不让我女儿代办了", "revoke_family",
                                                                    "女儿", "child"))
    assert responses(dispatcher) == ["utter_confirm_family_revoke"]
    assert (dispatcher.messages[0]["relation_word"], dispatcher.messages[0]["member_name"]) == ("女儿", "李娟")
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["pending_confirmation"] == "family_revoke"
    done, _ = run(ActionConfirm(), make_tracker(slots=slots, text="对", intent="affirm", metadata=ELDER_PHONE))
    assert responses(done) == ["utter_family_revoked"]
    assert consent_posts(backend) == [(f"/api/v1/family-links/{SON['id']}/consent", {"consent": "revoked"})]


def test_revoke__nobody_to_revoke_is_said_in_one_sentence(backend):
    backend.family_links = [dict(DAUGHTER)]
    dispatcher, _ = run(ActionAskFamilyRevoke(), said_by_elder("解除家属绑定", "revoke_family"))
    assert responses(dispatcher) == ["utter_no_linked_family"]


def test_revoke__said_in_answer_to_a_consent_read_back_is_a_no_to_that_question(backend):
    slots = {"pending_confirmation": "family_consent", "family_links": [],
             "family_link": {"id": DAUGHTER["id"], "member_name": "张小红", "word": "女儿"}}
    tracker = make_tracker(slots=slots, text="不同意她帮我办事", intent="revoke_family", metadata=ELDER_PHONE)
    dispatcher, _ = run(ActionAskFamilyRevoke(), tracker)
    assert responses(dispatcher) == ["utter_family_consent_kept"]
    assert consent_posts(backend) == [] and link_state(backend, SON["id"]) == "consented"


def test_spoken_relation__takes_the_callers_word_from_the_normalised_text():
    message = {"text": "我 同 意 我 女 儿 帮 我 办 事", "entities": [{"entity": "relation", "start": 4, "end": 6,
                                                               "value": "child"}]}
    assert spoken_relation(message) == ("child", "女儿")
    assert spoken_relation({"text": "同意绑定", "entities": []}) == (None, None)


def test_narrow_links__falls_back_to_all_when_none_match():
    links = [DAUGHTER, GRANDSON]
    assert narrow_links(links, "grandchild") == [GRANDSON]
    assert narrow_links(links, "spouse") == links and narrow_links(links, None) == links
