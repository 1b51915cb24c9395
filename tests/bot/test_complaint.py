"""Issue 15 point 3: the assistant takes a complaint. Actions against the in-memory backend
(MockTransport): which service it is about, the caller's words, leaving stores nothing, only an
explicit yes files it, a retried submit files one case, the family chat names the elder. The same
flows run against the real backend in test_complaint_live.py."""
import asyncio
import datetime as dt

import pytest
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import common
from bot.actions.complaint import (ActionFindComplained, ActionReadBackComplaint, ValidateComplaintForm,
                                   complainable, says_what_happened)
from bot.actions.conversation import ActionConfirm, ActionDeny
from bot.actions.forms import wants_to_leave
from bot.actions.parsing import TZ
from tests.bot.fakes import ELDER, FAMILY, FakeBackend, make_tracker, responses

NOW = dt.datetime(2025, 3, 12, 10, 0, tzinfo=TZ)
ELDER_PHONE = {"phone": ELDER["phone"], "channel": "phone"}
FAMILY_CHAT = {"person_id": FAMILY["id"], "channel": "chat"}


def served(order_id: int, start_at: str, slug: str = "home_cleaning", state: str = "completed",
           recipient_id: int = 1) -> dict:
    return {"id": order_id, "recipient_id": recipient_id, "volunteer_id": 4, "service_slug": slug,
            "service_name": {"home_cleaning": "居家保洁", "meal_delivery": "助餐送餐"}.get(slug, slug),
            "state": state, "state_zh": "已完成", "start_at": start_at, "duration_minutes": 60}


@pytest.fixture
def backend(tmp_path, monkeypatch):
    fake = FakeBackend()
    client = fake.client(tmp_path)
    monkeypatch.setattr(common, "client", lambda: client)
    monkeypatch.setattr(common, "now", lambda: NOW)
    return fake


def run(action, tracker, domain=None):
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker, domain or {})
    events = asyncio.run(result) if asyncio.iscoroutine(result) else result
    return dispatcher, events


def slots(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def at_read_back(text: str, intent: str, order: dict, said: str = "志愿者没来还记了时间", metadata=None):
    """The tracker of the turn right after the complaint was read back."""
    events = [{"event": "user", "text": "我要投诉", "parse_data": {"intent": {"name": "complain"}}},
              {"event": "slot", "name": "pending_confirmation", "value": "complaint"},
              {"event": "bot", "text": "…对吗？"},
              {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}]
    return make_tracker(slots={"complaint_orders": [order], "complaint_choice": "1", "complaint_text": said,
                               "pending_confirmation": "complaint"},
                        text=text, intent=intent, events=events, metadata=metadata or ELDER_PHONE, sender_id="CA-complaint-1")


@pytest.mark.parametrize("said, tells", [
    ("我要投诉", False), ("反映个问题", False), ("我想投诉一下", False), ("喂，我要反映个情况", False),
    ("志愿者没来还记了时间", True), ("干得不好", True), ("时间算多了", True), ("那个小伙子态度不好", True)])
def test_says_what_happened__only_words_that_tell_the_story(said, tells):
    assert says_what_happened(said) is tells


def test_complainable__several_recent_are_asked_about_newest_first_one_old_is_taken():
    old = served(1, "2025-01-02T01:00:00Z")
    recent = [served(2, "2025-03-10T01:00:00Z"), served(3, "2025-03-11T01:00:00Z", "meal_delivery")]
    assert [o["id"] for o in complainable([old, *recent], NOW, None)] == [3, 2]
    assert [o["id"] for o in complainable([old, recent[0]], NOW, None)] == [2]
    assert [o["id"] for o in complainable([old, *recent], NOW, "home_cleaning")] == [2]


def test_find__one_service_and_the_story_in_the_request_go_straight_to_the_read_back(backend):
    backend.orders.append(served(11, "2025-03-10T01:00:00Z"))
    dispatcher, events = run(ActionFindComplained(), make_tracker(text="志愿者没来还记了时间", intent="complain",
                                                                  metadata=ELDER_PHONE))
    assert responses(dispatcher) == []
    assert (slots(events)["complaint_choice"], slots(events)["complaint_text"]) == ("1", "志愿者没来还记了时间")


def test_find__several_recent_services_are_read_and_the_caller_asked_which(backend):
    backend.orders += [served(11, "2025-03-10T01:00:00Z"), served(12, "2025-03-11T04:00:00Z", "meal_delivery"),
                       served(13, "2025-03-11T06:00:00Z", state="open")]
    dispatcher, events = run(ActionFindComplained(), make_tracker(text="我要投诉", intent="complain",
                                                                  metadata=ELDER_PHONE))
    assert responses(dispatcher) == ["utter_complaint_orders_intro", "utter_complaint_order_item",
                                     "utter_complaint_order_item"]
    assert [o["id"] for o in slots(events)["complaint_orders"]] == [12, 11]
    assert (slots(events)["complaint_choice"], slots(events)["complaint_text"]) == (None, None)


def test_find__nothing_to_complain_about_offers_a_person_and_stores_nothing(backend):
    dispatcher, events = run(ActionFindComplained(), make_tracker(text="我要投诉", intent="complain",
                                                                  metadata=ELDER_PHONE))
    assert responses(dispatcher) == ["utter_no_complainable_phone"]
    assert slots(events)["pending_confirmation"] == "complaint_handoff"
    assert backend.posts("/orders/11/disputes") == []


@pytest.mark.parametrize("said, choice", [("/affirm", "1"), ("/deny", "2"), ("第二个", "2"), ("2", "2"), ("第一个", "1")])
def test_choice__words_or_the_phone_keys(backend, said, choice):
    two = [served(11, "2025-03-10T01:00:00Z"), served(12, "2025-03-11T04:00:00Z")]
    tracker = make_tracker(slots={"complaint_orders": two, "requested_slot": "complaint_choice"}, text=said,
                           metadata=ELDER_PHONE)
    assert ValidateComplaintForm().validate_complaint_choice(said, CollectingDispatcher(), tracker, {}) == \
        {"complaint_choice": choice}


@pytest.mark.parametrize("said, leaves", [
    ("算了不用了", True), ("不投诉了", True), ("算了，回头再说", True), ("不用了", True),
    ("他把时间算了三个小时，其实就待了半小时", False), ("志愿者没来还记了时间", False)])
def test_leaving__at_the_account_only_words_that_leave(said, leaves):
    assert wants_to_leave(said, "complaint_text") is leaves


def test_leaving_mid_complaint__the_form_ends_and_the_read_back_stores_nothing(backend):
    backend.orders.append(served(11, "2025-03-10T01:00:00Z"))
    events = [{"event": "active_loop", "name": "complaint_form"},
              {"event": "user", "text": "算了不用了", "parse_data": {"intent": {"name": "deny"}}}]
    tracker = make_tracker(slots={"complaint_orders": [backend.orders[0]], "complaint_choice": "1",
                                  "requested_slot": "complaint_text"}, text="算了不用了", intent="deny",
                           events=events, active_loop="complaint_form", metadata=ELDER_PHONE)
    _, stop = run(ValidateComplaintForm(), tracker)
    assert slots(stop)["form_problem"] == "stopped"
    done = make_tracker(slots={**tracker.slots, **slots(stop)}, text="算了不用了", intent="deny", metadata=ELDER_PHONE)
    dispatcher, events = run(ActionReadBackComplaint(), done)
    assert responses(dispatcher) == ["utter_stopped_complaint"]
    assert slots(events)["complaint_text"] is None and backend.requests_of("POST") == []


def test_account_read_as_another_task_is_still_the_account(backend):
    order = served(11, "2025-03-10T01:00:00Z")
    events = [{"event": "active_loop", "name": "complaint_form"},
              {"event": "user", "text": "人根本就没来", "parse_data": {"intent": {"name": "check_order"}}}]
    tracker = make_tracker(slots={"complaint_orders": [order], "complaint_choice": "1", "complaint_text": "人根本就没来",
                                  "requested_slot": "complaint_text"}, text="人根本就没来", intent="check_order",
                           events=events, active_loop="complaint_form", metadata=ELDER_PHONE)
    assert ValidateComplaintForm().is_answer("check_order", tracker)
    assert not ValidateComplaintForm().is_answer("check_balance", tracker)


def test_read_back__names_the_service_and_the_words_and_waits_for_yes(backend):
    order = served(11, "2025-03-10T01:00:00Z")
    tracker = make_tracker(slots={"complaint_orders": [order], "complaint_choice": "1", "complaint_text": "干得不好"},
                           metadata=ELDER_PHONE)
    dispatcher, events = run(ActionReadBackComplaint(), tracker)
    [said] = dispatcher.messages
    assert (said["response"], said["who"], said["service_name"], said["said"]) == (
        "utter_confirm_complaint", "您", "居家保洁", "干得不好")
    assert slots(events)["pending_confirmation"] == "complaint" and backend.requests_of("POST") == []


def test_family_chat__the_read_back_names_the_elder_and_the_case_says_a_relative_told_it(backend):
    order = served(11, "2025-03-10T01:00:00Z")
    tracker = make_tracker(slots={"complaint_orders": [order], "complaint_choice": "1", "complaint_text": "那个小伙子态度不好"},
                           metadata=FAMILY_CHAT)
    dispatcher, _ = run(ActionReadBackComplaint(), tracker)
    assert dispatcher.messages[0]["who"] == "王秀英"
    dispatcher, _ = run(ActionConfirm(), at_read_back("对", "affirm", order, "那个小伙子态度不好", FAMILY_CHAT))
    assert responses(dispatcher) == ["utter_complaint_received"] and dispatcher.messages[0]["who"] == "王秀英"
    assert backend.disputes[0]["statements"] == [{"side": "elder", "text": "（家属代述）那个小伙子态度不好"}]
    assert backend.disputes[0]["source"] == "chat"


def test_yes__files_the_case_with_the_channel_and_the_conversation_once_however_often_retried(backend):
    order = served(11, "2025-03-10T01:00:00Z")
    for _ in range(2):  # the action server retried: the same turn runs again
        dispatcher, _ = run(ActionConfirm(), at_read_back("对", "affirm", order))
    assert responses(dispatcher) == ["utter_complaint_received"]
    posts = backend.posts("/orders/11/disputes")
    assert len(posts) == 2 and len({p.headers["Idempotency-Key"] for p in posts}) == 1
    assert len(backend.disputes) == 1 and len(backend.disputes[0]["statements"]) == 1
    assert (backend.disputes[0]["source"], backend.disputes[0]["conversation_id"]) == ("phone", "CA-complaint-1")


def test_yes__another_recipients_order_is_never_filed(backend):
    order = served(11, "2025-03-10T01:00:00Z", recipient_id=2)
    run(ActionConfirm(), at_read_back("对", "affirm", order))
    assert backend.posts("/orders/11/disputes") == []


def test_yes_without_a_verified_caller_files_nothing(backend):
    order = served(11, "2025-03-10T01:00:00Z")
    tracker = at_read_back("对", "affirm", order, metadata={"channel": "phone"})
    run(ActionConfirm(), tracker)
    assert backend.posts("/orders/11/disputes") == []


def test_no_with_new_words__the_account_changes_and_is_read_back_again(backend):
    order = served(11, "2025-03-10T01:00:00Z")
    dispatcher, events = run(ActionDeny(), at_read_back("不对，是时间算多了", "deny", order))
    assert dispatcher.messages[0]["said"] == "是时间算多了"
    assert slots(events)["pending_confirmation"] == "complaint" and backend.requests_of("POST") == []


def test_bare_no__nothing_filed(backend):
    order = served(11, "2025-03-10T01:00:00Z")
    dispatcher, events = run(ActionDeny(), at_read_back("不对", "deny", order))
    assert responses(dispatcher) == ["utter_complaint_not_filed"]
    assert slots(events)["complaint_text"] is None and backend.requests_of("POST") == []


def test_yes_with_more_words__added_to_the_account_and_read_back_not_filed(backend):
    order = served(11, "2025-03-10T01:00:00Z")
    dispatcher, _ = run(ActionConfirm(), at_read_back("对，他还骂人了", "affirm", order))
    assert dispatcher.messages[0]["said"] == "志愿者没来还记了时间；他还骂人了"
    assert backend.requests_of("POST") == []


def test_leaving_at_the_read_back__nothing_filed(backend):
    order = served(11, "2025-03-10T01:00:00Z")
    dispatcher, _ = run(ActionDeny(), at_read_back("算了不投诉了", "deny", order))
    assert responses(dispatcher) == ["utter_stopped_complaint"] and backend.requests_of("POST") == []


def test_first_question__the_services_just_read_out_are_no_interruption():
    from bot.actions.forms import QUESTIONS
    ask = next(cls for cls in QUESTIONS if cls.slot == "complaint_choice")()
    events = [{"event": "user", "text": "我要投诉", "parse_data": {"intent": {"name": "complain"}}},
              {"event": "action", "name": "action_find_complained"},
              {"event": "bot", "text": "您最近做完了2次服务："},
              {"event": "action", "name": "complaint_form"}]
    dispatcher, result = run(ask, make_tracker(events=events, metadata=ELDER_PHONE))
    assert responses(dispatcher) == ["utter_ask_complaint_choice"] and result == []


@pytest.mark.parametrize("intent", ["deny", "cancel_order", "out_of_scope"])
def test_choice__taken_from_the_words_whatever_the_intent(backend, intent):
    two = [served(11, "2025-03-10T01:00:00Z"), served(12, "2025-03-11T04:00:00Z")]
    events = [{"event": "active_loop", "name": "complaint_form"},
              {"event": "user", "text": "第二个", "parse_data": {"intent": {"name": intent}}}]
    tracker = make_tracker(slots={"complaint_orders": two, "requested_slot": "complaint_choice"}, text="第二个",
                           intent=intent, events=events, active_loop="complaint_form", metadata=ELDER_PHONE)
    _, result = run(ValidateComplaintForm(), tracker)
    assert slots(result).get("complaint_choice") == "2"
