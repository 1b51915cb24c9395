"""Issue 15 point 3 against the real parts (backend + demo data, action server, trained model): a
complaint on the phone picks the service (by word or key), leaving mid-complaint stores nothing, an
explicit yes opens one case with the caller's words, a retried submit opens no second one, and in the
family chat the elder is named. The demo elder 刘桂兰 calls here and 王军 chats for 王秀英; the services
complained about are made here (booked, accepted by 陈志强, checked in and out: credited)."""
import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.actions.backend_client import idempotency_key
from tests.bot.conftest import TOKEN

pytestmark = pytest.mark.slow

HEADERS = {"Authorization": f"Bearer {TOKEN}"}
CALLER = {"phone": "+8613912340003", "channel": "phone"}  # 刘桂兰
TZ = ZoneInfo("Asia/Shanghai")


def person(backend_url: str, phone: str) -> dict:
    return httpx.get(f"{backend_url}/api/v1/persons/by-phone/{phone}", headers=HEADERS).json()


def served(backend_url: str, recipient: dict, slug: str, hour: int, lat: float, lon: float) -> dict:
    """A credited service of ``recipient`` tomorrow at ``hour``, through the API as the hotline would."""
    volunteer = person(backend_url, "+8613912340004")  # 陈志强
    start = (dt.datetime.now(TZ) + dt.timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    api = f"{backend_url}/api/v1/orders"
    order = httpx.post(api, headers=HEADERS, json={"recipient_id": recipient["id"], "service_slug": slug,
                                                   "start_at": start.isoformat(), "channel": "phone"})
    assert order.status_code in (200, 201), order.text
    order_id = order.json()["id"]
    steps = [("accept", {"volunteer_id": volunteer["id"], "channel": "phone"}),
             ("check-in", {"volunteer_id": volunteer["id"], "lat": lat, "lon": lon, "at": start.isoformat()}),
             ("check-out", {"volunteer_id": volunteer["id"], "lat": lat, "lon": lon,
                            "at": (start + dt.timedelta(minutes=60)).isoformat()})]
    for step, body in steps:
        answer = httpx.post(f"{api}/{order_id}/{step}", headers=HEADERS, json=body)
        assert answer.status_code in (200, 201), (step, answer.text)
    done = httpx.get(f"{api}/{order_id}", headers=HEADERS).json()
    assert done["state"] == "completed", done
    return done


@pytest.fixture(scope="module")
def operator(backend_url) -> dict:
    login = httpx.post(f"{backend_url}/api/v1/auth/login", json={"username": "city_admin", "password": "yinling-demo-1"})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def cases(backend_url: str, operator: dict) -> list[dict]:
    """Every dispute case so far, as the city-level operator reads them (ids count up from 1)."""
    found = []
    while True:
        answer = httpx.get(f"{backend_url}/api/v1/disputes/{len(found) + 1}", headers=operator)
        if answer.status_code == 404:
            return found
        found.append(answer.json())


@pytest.fixture(scope="module")
def services(backend_url) -> list[dict]:
    liu = person(backend_url, CALLER["phone"])
    return [served(backend_url, liu, "chat_companion", 9, 32.0651, 118.7832),
            served(backend_url, liu, "escort_shopping", 15, 32.0651, 118.7832)]


def test_live__leaving_mid_complaint_stores_nothing(talk, backend_url, services, operator):
    asked = " ".join(talk("我要投诉", "complain-leave", CALLER))
    assert "第1个" in asked and "第2个" in asked and "哪一次" in asked and "还接着" not in asked, asked
    story = " ".join(talk("/affirm", "complain-leave", CALLER))  # key 1 on the phone
    assert "什么情况" in story, story
    left = " ".join(talk("算了不用了", "complain-leave", CALLER))
    assert "不投诉了" in left, left
    assert "投诉已经登记" not in " ".join(talk("对", "complain-leave", CALLER))
    assert cases(backend_url, operator) == []


def test_live__complaint_read_back_filed_on_yes_and_a_retry_opens_no_second_case(talk, backend_url, services, operator):
    said = "那个志愿者态度不好，说话难听"
    asked = " ".join(talk(said, "complain-file", CALLER))
    assert "哪一次" in asked, asked
    read_back = " ".join(talk("第二个", "complain-file", CALLER))
    assert "态度不好" in read_back and "对吗" in read_back, read_back
    assert cases(backend_url, operator) == []
    done = " ".join(talk("对", "complain-file", CALLER))
    assert "投诉已经登记" in done, done
    [case] = cases(backend_url, operator)
    newest_first = sorted(services, key=lambda o: o["start_at"], reverse=True)
    assert (case["order_id"], case["source"], case["complainant"]) == (newest_first[1]["id"], "phone", "elder")
    assert [s["text"] for s in case["statements"]] == [said]
    # The action server retries the same submit: same conversation, order and words, same key.
    body = {"side": "elder", "statement": said, "source": "phone", "conversation_id": "complain-file"}
    key = idempotency_key("complain-file", "complain", {"order": case["order_id"], "statement": said})
    retried = httpx.post(f"{backend_url}/api/v1/orders/{case['order_id']}/disputes", headers={**HEADERS, "Idempotency-Key": key},
                         json=body)
    assert retried.status_code == 201 and retried.json()["id"] == case["id"]
    [again] = cases(backend_url, operator)
    assert len(again["statements"]) == 1


def test_live__family_chat_complaint_names_the_elder(talk, backend_url, services, operator):
    wang = person(backend_url, "+8613912340001")
    balance_url = f"{backend_url}/api/v1/persons/{wang['id']}/balance"
    before = httpx.get(balance_url, headers=HEADERS).json()["minutes"]
    served(backend_url, wang, "chat_companion", 10, 32.0660, 118.7810)
    son = person(backend_url, "+8613912340007")
    chat = {"person_id": son["id"], "channel": "chat"}
    read_back = " ".join(talk("我替我妈反映个情况，上回来的人没干完活就走了", "family-complain", chat))
    assert "王秀英" in read_back and "没干完活就走了" in read_back and "对吗" in read_back, read_back
    done = " ".join(talk("对", "family-complain", chat))
    assert "王秀英的投诉已经登记了" in done, done
    filed = [c for c in cases(backend_url, operator) if c["source"] == "chat"]
    assert [s["text"] for c in filed for s in c["statements"]] == ["（家属代述）我替我妈反映个情况，上回来的人没干完活就走了"]
    # The reviewer revokes the service: 王秀英's coin comes back (test_flows_live.py counts on her balance).
    decided = httpx.post(f"{backend_url}/api/v1/disputes/{filed[0]['id']}/decision", headers=operator,
                         json={"decision": "revoke", "reason": "电话核实，志愿者没干完就走了"})
    assert decided.status_code == 200 and decided.json()["decision"] == "revoke", decided.text
    assert httpx.get(balance_url, headers=HEADERS).json()["minutes"] == before
