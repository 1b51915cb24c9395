"""The follow-up queue (回访) in a real browser: an outcome recorded and the item gone from the queue,
three unanswered calls closing an item, incomplete answers refused, and scope."""
from __future__ import annotations

from sqlalchemy import select

from backend.fulfilment.completion import queue_follow_up
from backend.fulfilment.ratings import rate
from backend.models import FollowUp
from backend.models.base import utcnow
from tests.web.conftest import shot
from tests.web.console_world import (OTHER_STREET, PHONES, audit_entries, completed_order, db, login,
                                     operator_id, person_id)


def follow_up_for(web_app, order_id: int) -> FollowUp:
    with db(web_app) as s:
        return s.scalar(select(FollowUp).where(FollowUp.order_id == order_id))


def sampled_follow_up(web_app, elder: str = "wu", volunteer: str = "huang") -> int:
    order_id = completed_order(web_app, elder, volunteer)
    with db(web_app) as s:
        return queue_follow_up(s, order_id, "sample").id


def csrf(page) -> str:
    return page.get_attribute("meta[name=csrf-token]", "content")


def test_followup__outcome_recorded_and_item_leaves_the_queue(web_app, page):
    order_id = completed_order(web_app, "wu", "huang")
    with db(web_app) as s:
        rate(s, order_id, by_person_id=person_id(web_app, "wu"), stars=2, comment="做饭太咸", complaint=False,
             channel="phone", at=utcnow())
    follow_up_id = follow_up_for(web_app, order_id).id
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/followups")
    item = page.locator(f"#queue article[data-followup-id='{follow_up_id}']")
    text = item.inner_text()
    assert "差评" in text and PHONES["wu"] in text and f"#{order_id}" in text and "做饭太咸" in text
    shot(page, "console-followups")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "console-followups-phone")
    token = csrf(page)
    item.locator("input[name=reached][value=yes]").check()
    item.locator("input[name=satisfied][value=no]").check()
    item.locator("input[name=note]").fill("老人说志愿者态度不太好")
    item.locator("button[type=submit]").click()
    page.wait_for_url("**/console/followups?done=*")
    assert "回访结果已记录" in page.inner_text(".flash")
    assert page.locator(f"#queue article[data-followup-id='{follow_up_id}']").count() == 0
    assert "老人说志愿者态度不太好" in page.inner_text(f"#finished li[data-followup-id='{follow_up_id}']")
    follow_up = follow_up_for(web_app, order_id)
    assert follow_up.status == "done" and follow_up.outcome == "已联系上；不满意；老人说志愿者态度不太好"
    assert follow_up.operator_id == operator_id(web_app, "hunan_road")
    [entry] = audit_entries(web_app, "followup.record", f"followup:{follow_up_id}")
    assert entry.actor == f"operator:{operator_id(web_app, 'hunan_road')}"

    again = page.request.post(web_app.url + f"/console/followups/{follow_up_id}",
                              form={"csrf_token": token, "reached": "yes", "satisfied": "yes", "note": "改口了"})
    assert again.status == 409 and "已经记录过了" in again.text()
    assert follow_up_for(web_app, order_id).outcome == "已联系上；不满意；老人说志愿者态度不太好"


def test_followup__three_unanswered_calls_close_the_item(web_app, page):
    follow_up_id = sampled_follow_up(web_app)
    login(page, web_app.url, "hunan_road")
    for attempt in (1, 2, 3):
        page.goto(web_app.url + "/console/followups")
        item = page.locator(f"#queue article[data-followup-id='{follow_up_id}']")
        if attempt > 1:
            assert f"已尝试 {attempt - 1} 次" in item.inner_text()
        item.locator("input[name=reached][value=no]").check()
        item.locator("button[type=submit]").click()
        page.wait_for_url("**/console/followups?done=*")
    assert page.locator(f"#queue article[data-followup-id='{follow_up_id}']").count() == 0
    with db(web_app) as s:
        follow_up = s.get(FollowUp, follow_up_id)
        assert follow_up.status == "done" and follow_up.outcome == "3次未联系上"
    assert len(audit_entries(web_app, "followup.not_reached", f"followup:{follow_up_id}")) == 2
    assert len(audit_entries(web_app, "followup.record", f"followup:{follow_up_id}")) == 1


def test_followup__reached_without_satisfaction_is_refused_and_stays_open(web_app, page):
    follow_up_id = sampled_follow_up(web_app)
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/followups")
    item = page.locator(f"#queue article[data-followup-id='{follow_up_id}']")
    item.locator("input[name=reached][value=yes]").check()
    item.locator("button[type=submit]").click()
    assert "请选择老人是否满意" in page.inner_text(".flash.error")
    assert page.locator(f"#queue article[data-followup-id='{follow_up_id}'] input[name=reached][value=yes]").is_checked()
    with db(web_app) as s:
        assert s.get(FollowUp, follow_up_id).status == "pending"


def test_followup__operator_of_another_street_neither_sees_nor_records(web_app, page):
    follow_up_id = sampled_follow_up(web_app)
    login(page, web_app.url, OTHER_STREET, web_app)
    page.goto(web_app.url + "/console/followups")
    assert page.locator(f"[data-followup-id='{follow_up_id}']").count() == 0
    assert PHONES["wu"] not in page.content()
    response = page.request.post(web_app.url + f"/console/followups/{follow_up_id}",
                                 form={"csrf_token": csrf(page), "reached": "yes", "satisfied": "yes"})
    assert response.status == 404
    with db(web_app) as s:
        assert s.get(FollowUp, follow_up_id).status == "pending"
