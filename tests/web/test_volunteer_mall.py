"""What hours buy, in Debian's Chromium: the demo volunteer (make run's demo, ``demo`` profile: 50 % goods
share) exchanges coins for an item on his phone and gets a collection code, the community desk confirms the
code once on the partner page (used again or mistyped: a Chinese message and nothing changed), an operator
reverses a second exchange in the console with a reason (coins and stock back), and the benefits his stars
earn are listed with codes the partner can check."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backend.api.app import create_app
from backend.core.bootstrap import seed_demo
from backend.core.db import unit_of_work
from backend.demo import DEMO_PARTNER, DEMO_VOLUNTEER
from backend.ledger.verify import verify
from backend.models import MallGoods, MallRedemption
from tests.backend.conftest import make_state
from tests.backend.authz_world import snapshot
from tests.ivr.servers import ServerThread
from tests.web import volunteer_world as vw
from tests.web.conftest import WebApp, shot
from tests.web.console_world import login as console_login
from web.app import attach_web

CHEN = "+8613912340004"


@pytest.fixture(scope="module")
def mall_app(tmp_path_factory):
    state = make_state(f"sqlite:///{tmp_path_factory.mktemp('mall') / 'yinling.db'}", policy="demo")
    seed_demo(state)
    with ServerThread(attach_web(create_app(state=state)), "mall-web") as server:
        yield WebApp(server.url, state)
    state.engine.dispose()


def _goods(app, name: str) -> MallGoods:
    with unit_of_work(app.state.sessions) as s:
        goods = s.scalar(select(MallGoods).where(MallGoods.name == name))
        s.expunge(goods)
        return goods


def _partner_login(page, url: str) -> None:
    page.goto(url + "/partner/login")
    page.fill("#login", DEMO_PARTNER[0])
    page.fill("#password", DEMO_PARTNER[1])
    page.click("form[action='/partner/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/partner/$"))


def _confirm(page, code: str) -> None:
    page.fill("#code", code)
    with page.expect_navigation():
        page.click("form[action='/partner/collect'] button[type=submit]")


def test_a_volunteer_redeems_an_item_and_the_partner_confirms_the_code_once(mall_app, browser):
    rice = _goods(mall_app, "大米5斤")
    phone = vw.phone_context(browser)
    desk = browser.new_context(viewport={"width": 1024, "height": 800}, locale="zh-CN")
    try:
        page = phone.new_page()
        vw.login(page, mall_app.url, CHEN, DEMO_VOLUNTEER[1])
        page.click("a[href='/volunteer/mall']")
        assert page.text_content("[data-balance]") == "300个时间币"
        assert page.text_content("[data-can-spend]") == "160个时间币"  # 50 % of 320 earned
        benefits = page.text_content("#h-benefits + *, section[aria-labelledby=h-benefits]")
        assert "市博物馆：每年免费参观6次" in benefits and "市公交集团：乘公交八折" in benefits
        assert "老年大学" not in benefits  # 3 stars needed, 陈志强 has 2
        museum_code = page.locator("[data-benefit-code]").first.text_content()

        with page.expect_navigation():
            page.locator(f"[data-goods='{rice.id}'] button", has_text="兑换").click()
        flash = page.text_content("[role=status]")
        assert re.search(r"兑换成功！用了3个时间币。领取码 [A-Z2-9]{4}-[A-Z2-9]{4}，请到湖南路社区服务台", flash), flash
        code = page.locator("[data-code]").first.text_content()
        assert code in flash
        assert page.text_content("[data-balance]") == "297个时间币"
        assert page.text_content(f"[data-goods='{rice.id}'] [data-stock]") == f"{rice.stock - 1}件"
        shot(page, "volunteer-mall")

        counter = desk.new_page()
        _partner_login(counter, mall_app.url)
        _confirm(counter, code.lower().replace("-", " "))
        assert "已确认领取：大米5斤。请把物品交给陈志强。" in counter.text_content("[role=status]")
        shot(counter, "partner-collected")

        before = snapshot(mall_app.state)
        _confirm(counter, code)
        assert "这个领取码已经用过了" in counter.text_content("[role=alert]")
        _confirm(counter, "ABCD-2345")
        assert counter.text_content("[role=alert]") == "没有这个领取码，请核对后再输入。"
        assert snapshot(mall_app.state) == before

        counter.fill("#benefit-code", museum_code)
        with counter.expect_navigation():
            counter.click("form[action='/partner/benefit'] button[type=submit]")
        # the desk is not the museum: another partner's benefit code is not its to check
        assert counter.text_content("[role=alert]") == "这个优惠码不对，请核对后再输入。"

        page.reload()
        assert "已领取" in page.text_content("[data-redemption]")
    finally:
        phone.close()
        desk.close()
    with unit_of_work(mall_app.state.sessions) as s:
        assert verify(s).ok


def test_an_operator_reverses_an_exchange_in_the_console_and_the_coins_and_stock_come_back(mall_app, browser):
    towel = _goods(mall_app, "毛巾两条")
    phone = vw.phone_context(browser)
    office = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = phone.new_page()
        vw.login(page, mall_app.url, CHEN, DEMO_VOLUNTEER[1])
        page.goto(mall_app.url + "/volunteer/mall")
        balance = page.text_content("[data-balance]")
        with page.expect_navigation():
            page.locator(f"[data-goods='{towel.id}'] button", has_text="兑换").click()
        assert "兑换成功" in page.text_content("[role=status]")
        with unit_of_work(mall_app.state.sessions) as s:
            rid = s.scalar(select(MallRedemption.id).where(MallRedemption.goods_id == towel.id))

        console = office.new_page()
        console_login(console, mall_app.url, "hunan_road")
        console.click("a[href='/console/mall']")
        row = console.locator(f"tr[data-redemption-id='{rid}']")
        assert "陈志强" in row.text_content() and "待领取" in row.text_content()
        row.locator("input[name=reason]").fill("志愿者说不需要了")
        with console.expect_navigation():
            row.locator("button", has_text="撤销兑换").click()
        assert "已撤销这次兑换" in console.text_content(".flash")
        assert "已撤销：志愿者说不需要了" in console.locator(f"tr[data-redemption-id='{rid}']").text_content()
        assert console.text_content(f"tr[data-goods-id='{towel.id}'] [data-stock]") == str(towel.stock)
        shot(console, "console-mall")

        page.reload()
        assert page.text_content("[data-balance]") == balance
        assert "已撤销" in page.locator(f"[data-redemption='{rid}']").text_content()
    finally:
        phone.close()
        office.close()
