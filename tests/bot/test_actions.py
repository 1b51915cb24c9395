"""Custom actions against the in-memory backend (MockTransport): what they say, what they send."""
import asyncio
import datetime as dt
import json

import pytest
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import common
from bot.actions.balance import ActionCheckBalance, ActionCheckHistory, ActionCheckStars
from bot.actions.cancel import ActionListCancellable
from bot.actions.conversation import ActionConfirm, ActionDeny, ActionRepeat, ActionSlowDown
from bot.actions.handoff import ActionMisunderstood
from bot.actions.orders import ActionReadBackOrder, ValidateServiceRequestForm
from bot.actions.parsing import TZ
from bot.actions.transfers import ActionReadBackGift, ActionReadBackDonation
from tests.bot.fakes import ELDER, FAMILY, GRANDSON, FakeBackend, customs, make_tracker, responses, sealed_caller

NOW = dt.datetime(2025, 3, 12, 10, 0, tzinfo=TZ)
ELDER_PHONE = {"phone": ELDER["phone"], "channel": "phone"}
BOOKING = {"service_type": "escort_medical", "date_time": "明天上午", "start_at": "2025-03-13T09:00:00+08:00",
           "address": ELDER["address"], "address_is_home": True, "note": "无"}


@pytest.fixture
def backend(tmp_path, monkeypatch):
    fake = FakeBackend()
    client = fake.client(tmp_path)
    monkeypatch.setattr(common, "client", lambda: client)
    monkeypatch.setattr(common, "now", lambda: NOW)
    fake.outbox = client.outbox
    return fake


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker, {})
    events = asyncio.run(result) if asyncio.iscoroutine(result) else result
    return dispatcher, events


def slot(events, name):
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else "<unset>"


def test_check_balance__states_coins_and_hours_in_words(backend):
    dispatcher, _ = run(ActionCheckBalance(), make_tracker(metadata=ELDER_PHONE))
    assert dispatcher.messages[0]["response"] == "utter_balance"
    assert dispatcher.messages[0]["coins"] == "12个半时间币"
    assert dispatcher.messages[0]["hours"] == "12个半小时"


def test_check_balance__family_member_hears_the_consented_elders_balance(backend):
    dispatcher, _ = run(ActionCheckBalance(), make_tracker(metadata={"person_id": FAMILY["id"]}))
    assert dispatcher.messages[0]["coins"] == "12个半时间币"
    assert "/api/v1/persons/1/balance" in [r.url.path for r in backend.requests]


def test_check_balance__family_member_without_consent_is_told_so(backend):
    backend.people[7] = {**FAMILY, "linked_elders": [{**FAMILY["linked_elders"][0], "consent": "pending"}]}
    dispatcher, _ = run(ActionCheckBalance(), make_tracker(metadata={"person_id": 7}))
    assert responses(dispatcher) == ["utter_no_consent"]


def test_check_balance__unknown_caller_gets_the_registration_path(backend):
    dispatcher, _ = run(ActionCheckBalance(), make_tracker(metadata={"phone": "+8613800000000"}))
    assert responses(dispatcher) == ["utter_not_registered"]


def test_check_stars__level_and_hours_to_next(backend):
    dispatcher, _ = run(ActionCheckStars(), make_tracker(metadata=ELDER_PHONE))
    message = dispatcher.messages[0]
    assert (message["response"], message["level"], message["next_level"], message["hours"]) == \
        ("utter_stars", 2, 3, "50个小时")


def test_check_history__reads_entries_with_direction(backend):
    dispatcher, _ = run(ActionCheckHistory(), make_tracker(metadata=ELDER_PHONE))
    assert responses(dispatcher) == ["utter_history_intro", "utter_history_out"]
    assert dispatcher.messages[1]["amount"] == "2个时间币" and dispatcher.messages[1]["when"] == "3月10号"


def test_validate_date_time__past_date_is_refused_politely_in_the_question_itself(backend):
    dispatcher = CollectingDispatcher()
    result = ValidateServiceRequestForm().validate_date_time("昨天上午", dispatcher, make_tracker(), {})
    assert result == {"date_time": None, "start_at": None, "form_problem": "utter_date_past", "form_misses": 1,
                      "form_problem_args": None}
    assert responses(dispatcher) == []  # said once, by the form's question (one bubble per turn)


@pytest.mark.parametrize("said, start_at", [
    ("后天上午10点", "2025-03-14T10:00:00+08:00"),   # was "没听清是哪天"
    ("明天下午3点", "2025-03-13T15:00:00+08:00"),    # was "这个时间已经过了"
    ("12月5日上午10点", "2025-12-05T10:00:00+08:00"),
    ("大后天傍晚", "2025-03-15T17:00:00+08:00"),
])
def test_validate_date_time__digits_and_every_day_form_are_understood(backend, said, start_at):
    # The NLU tags only part of the sentence ("10点"); the whole sentence decides.
    tracker = make_tracker(text=said)
    result = ValidateServiceRequestForm().validate_date_time("10点", CollectingDispatcher(), tracker, {})
    assert result["start_at"] == start_at


@pytest.mark.parametrize("said, why", [("明天凌晨5点", "utter_date_outside_hours"),
                                       ("今天晚上九点", "utter_date_outside_hours"),
                                       ("随便吧", "utter_date_unclear")])
def test_validate_date_time__outside_service_hours_or_unclear_gets_a_reason_and_the_question(backend, said, why):
    result = ValidateServiceRequestForm().validate_date_time(said, CollectingDispatcher(), make_tracker(text=said), {})
    assert (result["start_at"], result["form_problem"]) == (None, why)


def test_validate_date_time__future_date_sets_start_at(backend):
    result = ValidateServiceRequestForm().validate_date_time("后天下午三点", CollectingDispatcher(), make_tracker(), {})
    assert result["start_at"] == "2025-03-14T15:00:00+08:00"


def test_validate_service_type__free_text_is_matched_to_a_slug(backend):
    form = ValidateServiceRequestForm()
    assert form.validate_service_type("想找人陪我唠嗑", CollectingDispatcher(), make_tracker(), {}) == \
        {"service_type": "chat_companion", "service_choices": None}


def test_read_back_order__one_sentence_with_home_address(backend):
    dispatcher, events = run(ActionReadBackOrder(), make_tracker(slots=BOOKING, metadata=ELDER_PHONE))
    message = dispatcher.messages[0]
    assert (message["response"], message["when"], message["service_name"]) == \
        ("utter_confirm_order_home", "明天上午9点", "陪同就医")
    assert slot(events, "pending_confirmation") == "order"


def test_confirm__creates_the_order_once_even_when_the_action_is_retried(backend):
    tracker = make_tracker(slots={**BOOKING, "pending_confirmation": "order"}, metadata=ELDER_PHONE)
    first, events = run(ActionConfirm(), tracker)
    run(ActionConfirm(), tracker)
    posts = backend.posts("/orders")
    assert responses(first) == ["utter_order_created"]
    assert customs(first) == [{"action": "order_created", "order_id": backend.orders[0]["id"]}]
    assert json.loads(posts[0].content)["recipient_id"] == ELDER["id"]
    assert json.loads(posts[0].content)["start_at"] == "2025-03-13T09:00:00+08:00"
    assert posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
    assert slot(events, "service_type") is None


def test_confirm__family_member_books_for_the_linked_elder(backend):
    tracker = make_tracker(slots={**BOOKING, "pending_confirmation": "order"}, metadata={"person_id": 7})
    dispatcher, _ = run(ActionConfirm(), tracker)
    body = json.loads(backend.posts("/orders")[0].content)
    assert (body["recipient_id"], body["requested_by_person_id"]) == (ELDER["id"], FAMILY["id"])
    assert responses(dispatcher) == ["utter_order_created"]  # one bubble, naming the elder
    assert dispatcher.messages[-1]["for_whom"] == "给王秀英"


def test_confirm__backend_down_keeps_the_order_in_the_outbox(backend):
    backend.down = True
    caller = sealed_caller(ELDER, f"phone:{ELDER['phone']}")  # remembered from an earlier turn
    tracker = make_tracker(slots={**BOOKING, "pending_confirmation": "order", "caller": caller},
                           metadata=ELDER_PHONE)
    dispatcher, _ = run(ActionConfirm(), tracker)
    assert responses(dispatcher) == ["utter_backend_queued"]
    assert [e["path"] for e in backend.outbox.pending()] == ["/orders"]


def test_deny__after_order_read_back_asks_which_part(backend):
    dispatcher, events = run(ActionDeny(), make_tracker(slots={**BOOKING, "pending_confirmation": "order"}))
    assert responses(dispatcher) == ["utter_ask_which_part"]
    assert slot(events, "pending_confirmation") == "order_change"
    assert slot(events, "service_type") == "<unset>"  # nothing else forgotten


def test_correction__naming_the_time_forgets_only_the_time(backend):
    tracker = make_tracker(slots={**BOOKING, "pending_confirmation": "order_change"}, text="时间不对")
    result = asyncio.run(ValidateServiceRequestForm().extract_date_time(CollectingDispatcher(), tracker, {}))
    assert result == {"date_time": None, "start_at": None}
    kept = asyncio.run(ValidateServiceRequestForm().extract_service_type(CollectingDispatcher(), tracker, {}))
    assert kept == {}


def test_cancel__nothing_to_cancel_is_said_in_one_sentence(backend):
    dispatcher, events = run(ActionListCancellable(), make_tracker(metadata=ELDER_PHONE))
    assert responses(dispatcher) == ["utter_no_cancellable"]
    assert slot(events, "order_choice") == "-"


def test_gift__more_than_the_balance_is_refused_before_confirming(backend):
    tracker = make_tracker(slots={"coin_amount": "三百个", "gift_to": GRANDSON}, metadata=ELDER_PHONE)
    dispatcher, events = run(ActionReadBackGift(), tracker)
    assert responses(dispatcher) == ["utter_insufficient"]
    assert dispatcher.messages[0]["coins"] == "12个半时间币"
    assert slot(events, "pending_confirmation") is None


def test_gift__direct_relatives_policy_refuses_a_neighbour(backend):
    backend.policy = {"gift_recipients": "direct_relatives"}
    tracker = make_tracker(slots={"coin_amount": "两个", "gift_to": GRANDSON, "relation": "other"},
                           metadata=ELDER_PHONE)
    dispatcher, _ = run(ActionReadBackGift(), tracker)
    assert responses(dispatcher) == ["utter_gift_direct_relatives_only"]


def test_gift__linked_family_policy_allows_the_linked_son_and_refuses_a_stranger(backend):
    backend.policy = {"gift_recipients": "linked_family"}
    son, _ = run(ActionReadBackGift(), make_tracker(slots={"coin_amount": "一个", "gift_to": FAMILY},
                                                    metadata=ELDER_PHONE))
    stranger, _ = run(ActionReadBackGift(), make_tracker(slots={"coin_amount": "一个", "gift_to": GRANDSON},
                                                         metadata=ELDER_PHONE))
    assert responses(son) == ["utter_confirm_gift"]
    assert responses(stranger) == ["utter_gift_linked_family_only"]


def test_gift__allowed_gift_is_read_back_then_sent_on_affirm(backend):
    tracker = make_tracker(slots={"coin_amount": "两个", "gift_to": GRANDSON, "relation": "grandchild"},
                           metadata=ELDER_PHONE)
    dispatcher, events = run(ActionReadBackGift(), tracker)
    assert (dispatcher.messages[0]["coins"], dispatcher.messages[0]["recipient_name"]) == ("2个时间币", "王小明")
    confirm = make_tracker(slots={"coin_amount": "两个", "gift_to": GRANDSON, "pending_confirmation": "gift"},
                           metadata=ELDER_PHONE)
    done, _ = run(ActionConfirm(), confirm)
    assert responses(done) == ["utter_gift_done"]
    assert customs(done) == [{"action": "gift_made", "entry_id": 1}]  # the ledger entry's seq, for the transcript
    assert json.loads(backend.posts("/transfers/gift")[0].content)["minutes"] == 120


def test_confirm__donation_reports_its_ledger_entry_for_the_transcript(backend):
    tracker = make_tracker(slots={"coin_amount": "两个", "pending_confirmation": "donation"}, metadata=ELDER_PHONE)
    done, _ = run(ActionConfirm(), tracker)
    assert responses(done) == ["utter_donation_done"]
    assert customs(done) == [{"action": "gift_made", "entry_id": 1}]


def test_confirm__queued_gift_reports_no_ledger_entry(backend):
    backend.down = True
    caller = sealed_caller(ELDER, f"phone:{ELDER['phone']}")
    tracker = make_tracker(slots={"coin_amount": "两个", "gift_to": GRANDSON, "pending_confirmation": "gift",
                                  "caller": caller}, metadata=ELDER_PHONE)
    done, _ = run(ActionConfirm(), tracker)
    assert responses(done) == ["utter_backend_queued"] and customs(done) == []


def test_donation__not_allowed_by_policy(backend):
    backend.policy = {"gift_recipients": "anyone", "donation_allowed": False}
    dispatcher, _ = run(ActionReadBackDonation(), make_tracker(slots={"coin_amount": "两个"}, metadata=ELDER_PHONE))
    assert responses(dispatcher) == ["utter_donation_not_allowed"]


def fallback_turn(text):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}}


def test_misunderstood__first_time_asks_to_rephrase():
    dispatcher, events = run(ActionMisunderstood(), make_tracker(events=[fallback_turn("呃")]))
    assert responses(dispatcher) == ["utter_please_rephrase"] and events == []


def test_misunderstood__second_in_a_row_offers_the_keypad_on_the_phone():
    turns = [fallback_turn("呃"), {"event": "bot", "text": "对不起"}, fallback_turn("啊")]
    dispatcher, events = run(ActionMisunderstood(), make_tracker(events=turns, slots={"channel": "phone"}))
    assert responses(dispatcher) == ["utter_offer_handoff_phone"]
    assert slot(events, "pending_confirmation") == "handoff"


def test_misunderstood__an_understood_turn_in_between_resets_the_count():
    understood = {"event": "user", "text": "查余额", "parse_data": {"intent": {"name": "check_balance"}}}
    dispatcher, _ = run(ActionMisunderstood(), make_tracker(events=[fallback_turn("呃"), understood,
                                                                     fallback_turn("啊")]))
    assert responses(dispatcher) == ["utter_please_rephrase"]


def test_confirm__after_the_offer_creates_a_handoff_ticket_and_a_phone_transfer(backend):
    turns = [fallback_turn("呃"), {"event": "bot", "text": "我还是没听明白。", "timestamp": 1}, fallback_turn("对")]
    tracker = make_tracker(slots={"pending_confirmation": "handoff", "channel": "phone"}, events=turns,
                           metadata=ELDER_PHONE)
    dispatcher, _ = run(ActionConfirm(), tracker)
    body = json.loads(backend.posts("/handoffs")[0].content)
    assert [t["speaker"] for t in body["transcript"]] == ["caller", "assistant", "caller"]
    assert dispatcher.messages[-1]["custom"] == {"action": "transfer", "to": "+8625000000"}


def test_repeat__says_the_last_bot_turn_again():
    turns = [{"event": "user", "text": "查余额"}, {"event": "bot", "text": "您还有2个时间币。"},
             {"event": "bot", "text": "还有别的吗？"}, {"event": "user", "text": "再说一遍"}]
    dispatcher, _ = run(ActionRepeat(), make_tracker(events=turns))
    assert [m["text"] for m in dispatcher.messages] == ["您还有2个时间币。", "还有别的吗？"]


def test_slow_down__sets_speech_rate_for_the_voice_channel():
    turns = [{"event": "bot", "text": "您好"}, {"event": "user", "text": "说慢点"}]
    dispatcher, events = run(ActionSlowDown(), make_tracker(events=turns))
    assert slot(events, "speech_rate") == "slow"
    assert responses(dispatcher) == ["utter_slow_down", "您好"]
    assert customs(dispatcher) == [{"action": "slow_down"}]


@pytest.mark.parametrize("said, note", [("没有", "无"), ("对", "无"), ("好的。", "无"), ("不", "无"), ("", "无"),
                                        ("我腿脚不好，请慢点走", "我腿脚不好，请慢点走"), ("对了，带上病历本", "对了，带上病历本")])
def test_validate_note__a_bare_yes_or_no_is_no_note(said, note):
    """Asked "还有要交代志愿者的吗？", an elder often just says "对"; that must not become the note."""
    form = ValidateServiceRequestForm()
    assert form.validate_note(said, CollectingDispatcher(), make_tracker(), {}) == {"note": note}
