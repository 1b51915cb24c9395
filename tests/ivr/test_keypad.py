"""The keypad: conversation keys and the menu's pure step function."""
from __future__ import annotations

from ivr import keypad, prompts
from ivr.keypad import (Ask, Book, Dropped, Handoff, MallView, MenuState, OpenMall, Query, Redeem, Slower,
                        menu_step)

NAMES = ["陪同就医", "送餐", "家政保洁", "陪伴聊天"]
MALL = MallView(goods=(("公交卡充值10元", "2个时间币"), ("大米5斤", "3个时间币")), balance="5个时间币")


def run(digits: str, state: MenuState = MenuState(), goods_count: int = 2):
    outcomes = []
    for digit in digits:
        state, outcome = menu_step(state, digit, len(NAMES), goods_count)
        outcomes.append(outcome)
    return state, outcomes


def test_conversation_message__confirmation_keys_are_rasa_intents():
    assert [keypad.conversation_message(d) for d in "12*#"] == ["/affirm", "/deny", "/repeat", "/slow_down"]
    assert keypad.conversation_message("3") == "3"


def test_menu_step__full_booking_books_only_on_the_final_1():
    state, outcomes = run("1231")
    assert state.step == "confirm" and all(isinstance(o, Ask) for o in outcomes)
    assert "后天上午送餐" in keypad.menu_prompt(state, NAMES)
    state, [outcome] = run("1", state)
    assert outcome == Book(service=1, day=2, part=0) and state == MenuState()


def test_menu_step__2_at_the_read_back_drops_the_request():
    state, outcomes = run("11122")
    assert outcomes[-1] == Dropped() and state == MenuState()


def test_menu_step__invalid_choice_keeps_the_step():
    state, outcomes = run("19")
    assert state.step == "service" and outcomes[-1] == Ask(invalid=True)


def test_menu_step__queries():
    assert [o for _, [o] in (run(d) for d in "234")] == [Query("balance"), Query("stars"), Query("last_order")]


def test_menu_step__0_hash_and_star_work_at_every_step():
    for prefix in ("", "1", "11", "111", "1111", "6", "62", "621"):
        state, _ = run(prefix)
        assert menu_step(state, "0", 4) == (state, Handoff())
        assert menu_step(state, "#", 4) == (state, Slower())
        assert menu_step(state, "*", 4) == (state, Ask())


def test_menu_step__6_opens_the_mall_and_only_1_on_the_read_back_exchanges():
    state, [opened] = run("6")
    assert opened == OpenMall() and state.step == "goods"
    said = keypad.menu_prompt(state, NAMES, MALL)
    assert said == "您有5个时间币。可以换的物品：公交卡充值10元，2个时间币，按1；大米5斤，3个时间币，按2。"
    state, [ask] = run("2", state)
    assert ask == Ask() and state.step == "redeem" and state.goods == 1
    assert keypad.menu_prompt(state, NAMES, MALL) == "兑换大米5斤，用3个时间币，按1确认，按2取消。"
    state, [outcome] = run("1", state)
    assert outcome == Redeem(goods=1) and state.step == "collect"


def test_menu_step__the_code_is_said_again_on_1_and_2_returns_to_the_menu():
    state, _ = run("621")
    issued = MallView(goods=MALL.goods, balance=MALL.balance, code="AB2C-3456", pickup="湖南路社区服务台")
    said = keypad.menu_prompt(state, NAMES, issued)
    assert "领取码是：A、B、2、C，3、4、5、6。请到湖南路社区服务台领取" in said
    again, [ask] = run("1", state)  # a second 1 (or a retried one) repeats the code, it does not exchange again
    assert ask == Ask() and again == state and keypad.menu_prompt(again, NAMES, issued) == said
    back, [ask] = run("2", state)
    assert back == MenuState() and keypad.menu_prompt(back, NAMES) == prompts.KEYPAD_MENU


def test_menu_step__2_at_the_mall_read_back_cancels_and_an_unknown_item_is_refused():
    state, outcomes = run("622")
    assert outcomes[-1] == Dropped() and state == MenuState()
    state, outcomes = run("63")  # two goods read out: 3 is no option
    assert outcomes[-1] == Ask(invalid=True) and state.step == "goods"
    state, outcomes = run("61", goods_count=0)
    assert outcomes[-1] == Ask(invalid=True) and state.step == "goods"


def test_menu_step__at_most_five_goods_are_keys():
    state, outcomes = run("66", goods_count=7)
    assert outcomes[-1] == Ask(invalid=True)
    state, outcomes = run("65", goods_count=7)
    assert outcomes[-1] == Ask() and state.goods == 4


def test_spell_code__key_by_key_in_two_groups():
    assert keypad.spell_code("ABCD-2345") == "A、B、C、D，2、3、4、5"
