"""Issuing, public verification and scope, through the real app on both databases."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update

from backend.core.db import unit_of_work
from backend.ledger.operations import credit_service, reverse
from backend.models import LedgerEntry
from tests.backend.certificates.conftest import ID_NUMBER, SYSTEM, login

PUBLIC_FIELDS = {"code", "valid", "status", "message", "name_masked", "id_masked", "service_minutes",
                 "service_hours_text", "star_level", "issued_on"}


def _issue(client, person_id: int, **kwargs) -> dict:
    response = client.post(f"/api/v1/persons/{person_id}/certificates", **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


def test_issue_returns_code_and_urls(client, volunteer):
    issued = _issue(client, volunteer.person_id)
    assert len(issued["code"]) == 12 and issued["code"].isalnum() and issued["code"].isupper()
    assert not set(issued["code"]) & set("01OIL")
    assert issued["verify_url"].endswith(f"/certificates/{issued['code']}")
    assert issued["pdf_url"].endswith(f"/api/v1/certificates/{issued['code']}/pdf")
    assert issued["service_minutes"] == 255 and issued["star_level"] == 0
    assert issued["ledger_seq"] == volunteer.credit_seqs[-1]


def test_issue_with_same_idempotency_key_returns_the_same_certificate(client, volunteer):
    headers = {"Idempotency-Key": "desk-7:cert"}
    first = _issue(client, volunteer.person_id, headers=headers)
    again = _issue(client, volunteer.person_id, headers=headers)
    assert again["code"] == first["code"]
    assert _issue(client, volunteer.person_id)["code"] != first["code"]


def test_verify_round_trip_without_login_shows_only_masked_data(client, volunteer):
    issued = _issue(client, volunteer.person_id)
    response = client.get(f"/certificates/{issued['code']}", headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == PUBLIC_FIELDS
    assert body["valid"] is True and body["status"] == "valid" and body["message"] == "证明有效，与账本记录一致。"
    assert body["name_masked"] == "王*英"
    assert body["id_masked"] == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    assert body["service_minutes"] == 255 and body["service_hours_text"] == "4小时15分钟"
    issued_local = datetime.fromisoformat(issued["issued_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert body["star_level"] == 0 and body["issued_on"] == issued_local.date().isoformat()
    assert ID_NUMBER not in response.text and "王秀英" not in response.text


def test_verify_accepts_lower_case_and_dashes(client, volunteer):
    code = _issue(client, volunteer.person_id)["code"]
    typed = f"{code[:4]}-{code[4:8]}-{code[8:]}".lower()
    assert client.get(f"/certificates/{typed}").json()["code"] == code


def test_later_service_keeps_certificate_valid(client, state, volunteer):
    code = _issue(client, volunteer.person_id)["code"]
    with unit_of_work(state.sessions) as s:
        credit_service(s, volunteer_id=volunteer.person_id, station_id=volunteer.tree["comm_a"], served_minutes=60,
                       tier="ordinary", policy=state.policy, actor=SYSTEM)
    body = client.get(f"/certificates/{code}").json()
    assert body["status"] == "valid" and body["service_minutes"] == 255


def test_verify_says_outdated_after_a_stated_credit_is_reversed(client, state, volunteer):
    code = _issue(client, volunteer.person_id)["code"]
    with unit_of_work(state.sessions) as s:
        reverse(s, seq=volunteer.credit_seqs[1], reason="虚假服务，追回时间币", actor=SYSTEM)
    body = client.get(f"/certificates/{code}").json()
    assert body["valid"] is False and body["status"] == "outdated"
    assert "已过期" in body["message"]
    assert body["service_minutes"] == 255  # what the paper says, not the corrected total
    reissued = _issue(client, volunteer.person_id)
    assert reissued["service_minutes"] == 135
    assert client.get(f"/certificates/{reissued['code']}").json()["status"] == "valid"


def test_verify_says_mismatch_when_a_stated_entry_was_edited_in_the_database(client, state, volunteer):
    code = _issue(client, volunteer.person_id)["code"]
    with unit_of_work(state.sessions) as s:
        s.execute(update(LedgerEntry).where(LedgerEntry.seq == volunteer.credit_seqs[0])
                  .values(hash="f" * 64))
    body = client.get(f"/certificates/{code}").json()
    assert body["valid"] is False and body["status"] == "mismatch"
    assert body["message"] == "证明与当前账本记录不一致，请重新开具。"


def test_verify_unknown_code_is_404_with_chinese_message(client, volunteer):
    for code in ("ZZZZZZZZZZZZ", "x" * 60):
        response = client.get(f"/certificates/{code}")
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == "certificate_not_found" and body["message"] == "没有找到这份证明，请核对验证码。"


def test_issue_for_unknown_person_is_404(client, volunteer):
    response = client.post("/api/v1/persons/999999/certificates")
    assert response.status_code == 404 and response.json()["code"] == "person_not_found"


def test_pdf_and_issue_need_a_login(client, volunteer):
    code = _issue(client, volunteer.person_id)["code"]
    anonymous = {"Authorization": ""}
    assert client.get(f"/api/v1/certificates/{code}/pdf", headers=anonymous).status_code == 401
    assert client.post(f"/api/v1/persons/{volunteer.person_id}/certificates", headers=anonymous).status_code == 401


def test_operator_of_another_street_cannot_fetch_the_pdf_or_issue(client, volunteer):
    code = _issue(client, volunteer.person_id)["code"]
    other = login(client, "street_b_op")
    refused = client.get(f"/api/v1/certificates/{code}/pdf", headers=other)
    assert refused.status_code == 404 and refused.json()["code"] == "person_not_found"  # as if it did not exist
    assert client.post(f"/api/v1/persons/{volunteer.person_id}/certificates", headers=other).status_code == 404
    own = login(client, "street_a_op")
    allowed = client.get(f"/api/v1/certificates/{code}/pdf", headers=own)
    assert allowed.status_code == 200 and allowed.content.startswith(b"%PDF")
