"""Console forms store text the same clean way the API does (backend.core.text): right-to-left
overrides, zero-width and control characters typed or pasted into a reason or an address never reach
the audit trail or a person's record; ids beyond the database's integer are a missing page."""
from __future__ import annotations

import httpx
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.models import Person
from tests.web import console_a


def test_console_reasons_and_addresses_are_cleaned_before_storing(web_app):
    hunan = console_a.station_id(web_app.state, console_a.HUNAN)
    phone, other_phone = console_a.unique_phone(), console_a.unique_phone()
    with httpx.Client(base_url=web_app.url, headers={"Authorization": f"Bearer {web_app.service_token}"}) as api:
        made = [api.post("/api/v1/registrations", json={"name": "\u202e清洁\u200b测试", "phone": number,
                                                        "roles": ["elder"], "channel": "phone", "station_id": hunan})
                for number in (phone, other_phone)]
    assert [m.status_code for m in made] == [201, 201] and made[0].json()["name"] == "清洁测试"
    console = console_a.http_console(web_app.url, "hunan_road")
    verified = console.post(f"/console/people/registrations/{made[0].json()['id']}/verify", {
        "station_id": hunan, "birth_date": "1944-02-02", "reason": "回拨\u202e核对\x00了\u2066",
        "address": "湖南路\u200b8号\u202e"})
    assert verified.status_code == 303, verified.text
    rejected = console.post(f"/console/people/registrations/{made[1].json()['id']}/reject",
                            {"reason": "\ufeff空号\u200d\x07"})
    assert rejected.status_code == 303, rejected.text
    with unit_of_work(web_app.state.sessions) as session:
        person = session.scalar(select(Person).where(Person.phone == phone))
        assert (person.name, person.address) == ("清洁测试", "湖南路8号")
    [verify_entry] = console_a.audit_for(web_app.state, f"person:{person.id}")
    [reject_entry] = console_a.audit_for(web_app.state, f"registration:{made[1].json()['id']}")
    assert (verify_entry.reason, reject_entry.reason) == ("回拨核对了", "空号")
    beyond = console.post("/console/people/registrations/99999999999999999999/reject", {"reason": "不存在"})
    assert beyond.status_code == 404 and "没有找到" in beyond.text
