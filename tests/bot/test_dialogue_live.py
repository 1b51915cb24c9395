"""Issue 12 against the real parts (backend + demo data, action server, trained model): callers can
leave any form and nothing is stored; only an explicit yes to the read-back just said books;
corrections change their own slot; times in digits; gifts refused at once; the family chat names
the elder. The demo elder 张德明 calls here (王秀英 is test_flows_live.py's), so neither module's
orders or balances move under the other.
"""
import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest

pytestmark = pytest.mark.slow

from tests.bot.conftest import TOKEN
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
CALLER = {"phone": "+8613912340002", "channel": "phone"}
TZ = ZoneInfo("Asia/Shanghai")


def person(backend_url: str, phone: str) -> dict:
    return httpx.get(f"{backend_url}/api/v1/persons/by-phone/{phone}", headers=HEADERS).json()


def orders(backend_url: str) -> list[dict]:
    """All of 张德明's orders, whatever their state (a cancelled one would count as stored too)."""
    caller = person(backend_url, CALLER["phone"])
    return httpx.get(f"{backend_url}/api/v1/persons/{caller['id']}/orders", headers=HEADERS).json()


@pytest.fixture
def say(talk):
    def turn(text: str, sender: str) -> str:
        return " ".join(talk(text, sender, CALLER))
    return turn


def test_live__leaving_at_the_time_question_stores_nothing(say, backend_url):
    before = orders(backend_url)
    assert "哪天几点" in say("我想约人来打扫卫生", "leave-time")
    reply = say("算了不用了", "leave-time")
    assert "这次不约了" in reply and "哪天几点" not in reply, reply
    assert "约好了" not in say("对", "leave-time")
    assert orders(backend_url) == before


@pytest.mark.parametrize("leave", ["我不要了", "取消", "回头再说", "先不弄了"])
def test_live__every_way_of_leaving_a_booking(say, backend_url, leave):
    before = orders(backend_url)
    say("我想约人来打扫卫生", f"leave-{leave}")
    reply = say(leave, f"leave-{leave}")
    assert "这次不约了" in reply, reply
    assert orders(backend_url) == before


def test_live__leaving_at_the_note_question_with_suan_le_is_not_no_note(say, backend_url):
    before = orders(backend_url)
    assert "交代" in say("明天上午陪我去医院看病", "leave-note")
    reply = say("算了不用了", "leave-note")
    assert "这次不约了" in reply and "对吗" not in reply, reply
    assert orders(backend_url) == before


def test_live__balance_in_the_middle_of_a_booking_is_answered_then_the_booking_goes_on(say, backend_url):
    assert "哪天几点" in say("我要约送饭", "interrupt")
    reply = say("我还有多少时间币", "interrupt")
    assert "时间币" in reply and "还接着约" in reply and "哪天几点" in reply, reply
    assert "交代" in say("明天中午", "interrupt")
    read_back = say("没有", "interrupt")
    assert "送餐" in read_back and "对吗" in read_back, read_back


def test_live__a_yes_after_an_unrelated_question_books_nothing(say, backend_url):
    before = orders(backend_url)
    say("后天上午来人打扫卫生", "stale")
    assert "对吗" in say("没有", "stale")
    say("我还有多少时间币", "stale")
    assert "约好了" not in say("对", "stale")
    assert orders(backend_url) == before


def test_live__free_words_at_the_read_back_are_a_note_read_back_again(say, backend_url):
    before = orders(backend_url)
    say("后天上午陪我去医院看病", "note-free")
    assert "对吗" in say("没有", "note-free")
    again = say("要带病历本", "note-free")
    assert "病历本" in again and "对吗" in again, again
    assert orders(backend_url) == before
    assert "约好了" in say("对", "note-free")
    new = [o for o in orders(backend_url) if o["id"] not in {b["id"] for b in before}]
    assert [o["note"] for o in new] == ["要带病历本"]


def test_live__not_this_day_but_that_one_changes_the_day_only(say, backend_url):
    say("后天上午陪我去医院看病", "correct-day")
    assert "后天" in say("没有", "correct-day")
    in_three_days = dt.datetime.now(TZ).date() + dt.timedelta(days=3)
    read_back = say("不对，不是后天，是大后天", "correct-day")
    assert f"{in_three_days.month}月{in_three_days.day}号" in read_back and "对吗" in read_back, read_back
    assert "不对" not in read_back and "陪同就医" in read_back


@pytest.mark.parametrize("first, heard", [("后天上午10点陪我去医院看病", "后天上午10点"),
                                          ("明天下午3点来人打扫卫生", "明天下午3点")])
def test_live__times_in_digits(say, first, heard):
    replies = say(first, f"digits-{heard}")
    assert "没听清" not in replies and "已经过了" not in replies, replies
    assert heard in say("没有", f"digits-{heard}")


def test_live__a_date_said_at_the_confirmation_changes_it_instead_of_goodbye(say):
    say("明天上午陪我去医院看病", "date-at-confirm")
    assert "对吗" in say("没有", "date-at-confirm")
    reply = say("12月5日上午10点", "date-at-confirm")
    assert "再见" not in reply and "上午10点" in reply and "对吗" in reply, reply


def test_live__one_breath_request_fills_every_slot_it_names(say):
    replies = say("明天下午来个人教我用手机视频", "one-breath")
    assert "交代" in replies, replies  # service and time taken at once: only the note is asked
    assert "明天下午2点" in say("没有", "one-breath")


def test_live__not_booking_while_changing_a_new_booking_ends_it_and_cancels_nothing(say, backend_url):
    say("后天上午来人打扫卫生", "new-then-no")
    say("没有", "new-then-no")
    booked = say("对", "new-then-no")
    assert "约好了" in booked
    active = [o for o in orders(backend_url) if o["state"] not in ("cancelled", "completed")]
    say("我要约送饭，大后天中午", "new-then-no")
    say("没有", "new-then-no")
    assert "哪里要改" in say("不对", "new-then-no")
    reply = say("不约了", "new-then-no")
    assert "这次不约了" in reply and "取消" not in reply, reply
    assert [o for o in orders(backend_url) if o["state"] not in ("cancelled", "completed")] == active


def test_live__two_unusable_answers_in_a_row_offer_the_keypad(say):
    say("我想约人来打扫卫生", "two-misses")
    say("昨天", "two-misses")
    reply = say("前天", "two-misses")
    assert "按0" in reply and reply.count("？") <= 2, reply


def test_live__a_sentence_before_the_name_is_not_the_name(talk):
    stranger = {"phone": "+8613700001111", "channel": "phone"}
    talk("我想注册时间银行", "register", stranger)
    replies = " ".join(talk("我想注册时间银行，我是老人", "register", stranger))
    assert "我想注册" not in replies and "名字" in replies, replies


def test_live__family_chat_names_the_elder(talk, backend_url):
    son = person(backend_url, "+8613912340007")
    chat = {"person_id": son["id"], "channel": "chat"}
    balance = " ".join(talk("我妈还有多少时间币", "family-names", chat))
    assert "王秀英还有" in balance, balance
    talk("给我妈约个明天上午陪同就医", "family-names", chat)
    read_back = " ".join(talk("没有", "family-names", chat))
    assert "给王秀英预约" in read_back and "到王秀英家" in read_back, read_back
    assert "这次不约了" in " ".join(talk("算了", "family-names", chat))
