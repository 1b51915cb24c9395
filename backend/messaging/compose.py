"""What each message says. Short (one SMS segment where possible), plain Chinese, signed 【银龄】.
An offer says what, when, how long and how far, never the address or the elder's full name."""
from __future__ import annotations

PREFIX = "【银龄】"


def offer(*, service: str, when: str, duration: str, distance: str, link: str) -> str:
    return (f"{PREFIX}有位老人{when}需要{service}（约{duration}），离您{distance}。"
            f"愿意去请点 {link} 接单；不方便可以不理会。")


def confirmation(*, service: str, when: str, volunteer_name: str) -> str:
    return (f"{PREFIX}您预约的{service}（{when}）已有志愿者{volunteer_name}接单，会按时上门。"
            f"有变化请打热线。")


def reminder_to_volunteer(*, service: str, when: str, address: str) -> str:
    return f"{PREFIX}提醒：您{when}有{service}服务，地址：{address}。到门口请在志愿者页面签到。"


def reminder_to_elder(*, service: str, when: str, volunteer_name: str) -> str:
    return f"{PREFIX}提醒：志愿者{volunteer_name}将在{when}上门为您{service}。"


def offer_call(*, service: str, when: str, duration: str, distance: str) -> str:
    """What the outbound offer call says, in the elder-friendly voice (slow, short sentences)."""
    return (f"您好，这里是银龄时间银行。有位老人{when}需要{service}，大约{duration}，离您{distance}。"
            f"接单请按1，或者说“好”；不方便请按2，或者说“不去”。")


def dispute_outcome(*, service: str, when: str, outcome: str) -> str:
    """To each side of a dispute once it is decided (``outcome``: what the decision means for them)."""
    return f"{PREFIX}关于{when}{service}服务的投诉已处理：{outcome}。有疑问请打热线。"
