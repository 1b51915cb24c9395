"""Flows against the real parts: the backend (started from .venv on a scratch SQLite database with
its demo data), the action server (this env) and the trained model, talking over HTTP (fixtures in
conftest.py, shared with test_dialogue_live.py).

The demo elder 王秀英 (+8613912340001) calls on the phone channel.
"""
import httpx
import pytest

from tests.bot.conftest import ELDER_PHONE, TOKEN

pytestmark = pytest.mark.slow


def elder(backend_url: str) -> dict:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return httpx.get(f"{backend_url}/api/v1/persons/by-phone/{ELDER_PHONE}", headers=headers).json()


def test_live__balance_and_stars_answered_in_one_turn(talk):
    balance = " ".join(talk("我还有多少时间币", "live-balance"))
    assert "时间币" in balance and "小时" in balance, balance
    stars = " ".join(talk("我现在是几星了", "live-balance"))
    assert "星" in stars, stars


def test_live__booking_is_read_back_and_created_only_on_affirm(talk, backend_url):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    person = elder(backend_url)
    orders_url = f"{backend_url}/api/v1/persons/{person['id']}/orders"
    before = httpx.get(orders_url, params={"active": "true"}, headers=headers).json()

    replies = talk("嗯那个我下礼拜二要去医院复查，能不能找个人陪我去", "live-book")
    assert any("交代" in r for r in replies), replies          # only the note is still missing
    read_back = " ".join(talk("没有", "live-book"))
    assert "陪同就医" in read_back and "对吗" in read_back, read_back
    assert len(httpx.get(orders_url, params={"active": "true"}, headers=headers).json()) == len(before)

    done = " ".join(talk("对", "live-book"))
    assert "约好了" in done, done
    after = httpx.get(orders_url, params={"active": "true"}, headers=headers).json()
    new = [o for o in after if o["id"] not in {b["id"] for b in before}]
    everything = httpx.get(orders_url, headers=headers).json()
    assert [o["service_slug"] for o in new] == ["escort_medical"], [(o["id"], o["state"], o["start_at"], o["service_slug"]) for o in everything]
    assert new[0]["address"] == person["address"]


def test_live__deny_asks_which_part_and_the_correction_keeps_the_rest(talk):
    talk("我想预约送餐，明天中午", "live-correct")
    talk("没有", "live-correct")
    assert any("哪里要改" in r for r in talk("不对", "live-correct"))
    read_back = " ".join(talk("时间改成后天中午", "live-correct"))
    assert "后天中午12点" in read_back and "送餐" in read_back, read_back


def balance_minutes(backend_url: str, person_id: int) -> int:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return httpx.get(f"{backend_url}/api/v1/persons/{person_id}/balance", headers=headers).json()["minutes"]


def answer_until_read_back(talk, first: str, answers: dict[str, str], sender: str) -> str:
    """Say ``first``, then answer each question whose key word appears, until a read-back or a refusal."""
    replies = " ".join(talk(first, sender))
    for _ in range(4):
        asked = next((key for key in answers if key in replies), None)
        if asked is None:
            break
        replies = " ".join(talk(answers.pop(asked), sender))
    return replies


def test_live__gift_beyond_the_balance_is_refused_in_the_first_answer(talk, backend_url):
    person = elder(backend_url)
    before = balance_minutes(backend_url, person["id"])
    first = " ".join(talk("我想给儿子转三百个时间币", "live-gift-big"))
    assert "不够" in first and "12个时间币" in first and "手机号" not in first, first
    assert balance_minutes(backend_url, person["id"]) == before == 12 * 60


def test_live__gift_to_the_linked_son_is_read_back_and_sent_on_affirm(talk, backend_url):
    person = elder(backend_url)
    before = balance_minutes(backend_url, person["id"])
    read_back = answer_until_read_back(talk, "给我儿子转一个时间币",
                                       {"手机号": "幺三九一二三四零零零七", "多少个": "一个"}, "live-gift")
    assert "1个时间币" in read_back and "王军" in read_back and "对吗" in read_back, read_back
    done = " ".join(talk("对", "live-gift"))
    assert "已经送给王军" in done, done
    assert balance_minutes(backend_url, person["id"]) == before - 60


def test_live__cancel_reads_the_choice_back_and_cancels_on_affirm(talk, backend_url):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    person = elder(backend_url)
    orders_url = f"{backend_url}/api/v1/persons/{person['id']}/orders"
    talk("我想预约陪我买菜，大后天上午", "live-cancel")
    talk("没有", "live-cancel")
    talk("对", "live-cancel")
    active = httpx.get(orders_url, params={"active": "true"}, headers=headers).json()
    assert active, "the booking above should have created an order"

    replies = " ".join(talk("把陪我买菜那个预约取消了", "live-cancel"))
    if "第几个" in replies:
        replies = " ".join(talk("第一个", "live-cancel"))
    assert "陪同购物" in replies and "对吗" in replies, replies
    assert "已经取消" in " ".join(talk("对", "live-cancel"))
    after = httpx.get(orders_url, params={"active": "true"}, headers=headers).json()
    assert len(after) == len(active) - 1
    assert "escort_shopping" not in [o["service_slug"] for o in after]


def add_family_member(backend_url: str, name: str, phone: str, relation: str, consent: bool = False) -> int:
    """A new family member of the demo elder, linked the way the web sign-up does it (pending); returns the link id."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    person = elder(backend_url)
    member = httpx.post(f"{backend_url}/api/v1/persons", headers=headers, json={
        "name": name, "phone": phone, "birth_date": "1975-05-01", "station_id": person["station_id"],
        "roles": ["family"]})
    assert member.status_code == 201, member.text
    link = httpx.post(f"{backend_url}/api/v1/family-links", headers=headers, json={
        "elder_id": person["id"], "member_id": member.json()["id"], "relation": relation})
    assert link.status_code == 201 and link.json()["consent"] == "pending", link.text
    if consent:
        done = httpx.post(f"{backend_url}/api/v1/family-links/{link.json()['id']}/consent", headers=headers,
                          json={"consent": "consented"})
        assert done.status_code == 200
    return link.json()["id"]


def link_consents(backend_url: str) -> dict[str, str]:
    """The demo elder's family links: member name -> consent."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    links = httpx.get(f"{backend_url}/api/v1/family-links", params={"elder_id": elder(backend_url)["id"]},
                      headers=headers).json()
    return {link["member_name"]: link["consent"] for link in links}


def test_live__family_consent_is_read_back_and_given_only_on_affirm(talk, backend_url):
    add_family_member(backend_url, "张小红", "+8613912349901", "child")
    read_back = " ".join(talk("我同意我女儿帮我办事", "live-consent"))
    assert "女儿张小红" in read_back and "对或不对" in read_back, read_back
    assert link_consents(backend_url)["张小红"] == "pending"

    kept = " ".join(talk("不对", "live-consent"))
    assert "先不同意" in kept, kept
    assert link_consents(backend_url)["张小红"] == "pending"

    assert "张小红" in " ".join(talk("让我闺女在网上帮我预约吧", "live-consent"))
    done = " ".join(talk("对", "live-consent"))
    assert "张小红现在可以替您办事" in done, done
    assert link_consents(backend_url)["张小红"] == "consented"
    assert link_consents(backend_url)["王军"] == "consented"


def test_live__family_revoke_is_read_back_and_done_only_on_affirm(talk, backend_url):
    add_family_member(backend_url, "李强", "+8613912349902", "other", consent=True)
    read_back = " ".join(talk("不让我侄子代办了", "live-revoke"))
    assert "侄子李强" in read_back and "对吗" in read_back, read_back
    assert link_consents(backend_url)["李强"] == "consented"
    done = " ".join(talk("对", "live-revoke"))
    assert "李强以后不能再替您办事" in done, done
    consents = link_consents(backend_url)
    assert (consents["李强"], consents["王军"]) == ("revoked", "consented")
