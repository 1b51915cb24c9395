"""Carrying out the keypad menu's outcomes (``ivr.keypad.menu_step``) against the backend.

The menu talks to the backend directly, not through the assistant: it is the path that must
work when recognition is off and when the assistant is down. It books only for a registered
caller, for themselves, at their registered address, and only after an explicit 1 on the
read-back; the idempotency key makes a repeated 1 (or a retried request) book once. The mall (6) works
the same way: goods and balance of the caller the backend knows by the number Twilio reported, an exchange
only after an explicit 1, keyed by the call and the exchange's ordinal in it, so a retried request
exchanges once; a refusal is the backend's Chinese sentence and stores nothing.

``KeypadMenu`` does not speak: each key gives a ``KeypadTurn`` (what to say, whether to hand
off or slow down), which the streamed call (``ivr.session``) renders as audio and the
``<Gather>`` mode (``ivr.gather``) as TwiML. Both write the same call records through it.
A gather-mode call's menu is rebuilt for each webhook from ``snapshot()``: the step, the goods
read out and the exchanges made; the caller's details are looked up again, not stored.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ivr import keypad, prompts
from ivr.call_log import CallLog
from ivr.errors import BackendRefused, IvrError
from ivr.services import IvrServices


def start_time(today: dt.date, day: int, part: int, tz: ZoneInfo) -> dt.datetime:
    """The booked start: ``day`` days from today at the part of the day's hour, local time."""
    return dt.datetime.combine(today + dt.timedelta(days=day), dt.time(prompts.PARTS[part][1]), tz)


@dataclass(frozen=True)
class KeypadTurn:
    """What a key press asks of the call: ``say`` these sentences (IVR prompts); ``handoff``:
    reach a person instead; ``slower``: slow the call's speech down before saying them."""

    say: tuple[str, ...] = ()
    handoff: bool = False
    slower: bool = False


class KeypadMenu:
    """The keypad menu of one call: where the caller is in it, and the backend work it needs."""

    def __init__(self, services: IvrServices, log: CallLog, caller: str, call_sid: str):
        self.services, self.log, self.caller, self.call_sid = services, log, caller, call_sid
        self.state = keypad.MenuState()
        self._person: dict | None = None
        self._mall = keypad.MallView()
        self._goods_ids: list[int] = []
        self._exchanges = 0  # exchanges confirmed in this call: the idempotency key's step

    def snapshot(self) -> dict[str, Any]:
        """Where the caller is in the menu (JSON-ready)."""
        return {"state": asdict(self.state), "mall": asdict(self._mall), "goods_ids": self._goods_ids,
                "exchanges": self._exchanges}

    @classmethod
    def restore(cls, services: IvrServices, log: CallLog, caller: str, call_sid: str,
                fields: dict[str, Any]) -> "KeypadMenu":
        menu = cls(services, log, caller, call_sid)
        menu.state = keypad.MenuState(**fields["state"])
        mall = fields["mall"]
        menu._mall = keypad.MallView(goods=tuple((name, price) for name, price in mall["goods"]),
                                     balance=mall["balance"], code=mall["code"], pickup=mall["pickup"])
        menu._goods_ids, menu._exchanges = list(fields["goods_ids"]), int(fields["exchanges"])
        return menu

    async def press(self, digit: str) -> KeypadTurn:
        names = await self._names()
        words = keypad.KEY_WORDS.get(digit, f"按键{digit}") if self.state.step == "confirm" else f"按键{digit}"
        self.log.turn("caller", words, source="keypad")
        before = self.state.step
        self.state, outcome = keypad.menu_step(self.state, digit, len(names), len(self._mall.goods))
        if isinstance(outcome, keypad.Handoff):
            return KeypadTurn(handoff=True)
        if isinstance(outcome, keypad.Slower):
            return KeypadTurn((prompts.SLOWER, self._prompt(names)), slower=True)
        if isinstance(outcome, keypad.Ask):
            lead = (prompts.KEYPAD_INVALID,) if outcome.invalid else ()
            return KeypadTurn(lead + (self._prompt(names),))
        if isinstance(outcome, keypad.Dropped):
            dropped = prompts.KEYPAD_MALL_DROPPED if before == "redeem" else prompts.KEYPAD_DROPPED
            return KeypadTurn((dropped, prompts.KEYPAD_MENU))
        if isinstance(outcome, keypad.Query):
            return KeypadTurn((await self._query(outcome.kind), prompts.KEYPAD_MENU))
        if isinstance(outcome, keypad.OpenMall):
            return KeypadTurn(await self._open_mall(names))
        if isinstance(outcome, keypad.Redeem):
            return KeypadTurn(await self._redeem(outcome.goods, names))
        assert isinstance(outcome, keypad.Book)
        return KeypadTurn(await self._book(outcome, names))

    async def repeat(self) -> KeypadTurn:
        return KeypadTurn((self._prompt(await self._names()),))

    def _prompt(self, names: list[str]) -> str:
        return keypad.menu_prompt(self.state, names, self._mall)

    async def _names(self) -> list[str]:
        try:
            return await self.services.keypad_service_names()
        except IvrError:
            return list(self.services.settings.keypad_services)

    async def _caller(self) -> dict | None:
        if self._person is None and self.caller:
            self._person = await self.services.backend.person_by_phone(self.caller)
        return self._person

    async def _query(self, kind: str) -> str:
        backend = self.services.backend
        if kind == "visit":
            return await self._visit()
        try:
            person = await self._caller()
            if person is None:
                return prompts.KEYPAD_NOT_REGISTERED
            if kind == "balance":
                return prompts.KEYPAD_BALANCE.format(coins=(await backend.balance(person["id"]))["coins_text"])
            if kind == "stars":
                level = (await backend.stars(person["id"]))["level"]
                return prompts.KEYPAD_STARS.format(level=level) if level else prompts.KEYPAD_NO_STARS
            return self._describe_last(await backend.orders(person["id"]))
        except BackendRefused as exc:
            return exc.message or prompts.KEYPAD_BACKEND_DOWN
        except IvrError:
            return prompts.KEYPAD_BACKEND_DOWN

    async def _visit(self) -> str:
        """Check the calling volunteer in or out: the backend goes by the number Twilio reported (a phone
        check-in has no position, so the service waits for an operator's review before it is credited)."""
        if not self.caller:
            return prompts.KEYPAD_NOT_REGISTERED
        try:
            done = await self.services.backend.phone_visit(self.caller, key=f"ivr-{self.call_sid}-visit")
        except BackendRefused as exc:
            return exc.message or prompts.KEYPAD_BACKEND_DOWN
        except IvrError:
            return prompts.KEYPAD_BACKEND_DOWN
        self.log.event("order", f"phone {done['action']}", order_id=done["order_id"])
        return done["message"]

    async def _open_mall(self, names: list[str]) -> tuple[str, ...]:
        """The goods the caller can collect in their street and their balance, or why not (back to the menu)."""
        backend = self.services.backend
        try:
            person = await self._caller()
            if person is None:
                return self._back(prompts.KEYPAD_NOT_REGISTERED)
            goods = (await backend.mall_goods(person["id"]))[:keypad.MALL_MAX_GOODS]
            balance = (await backend.balance(person["id"]))["coins_text"]
        except BackendRefused as exc:
            return self._back(exc.message or prompts.KEYPAD_BACKEND_DOWN)
        except IvrError:
            return self._back(prompts.KEYPAD_BACKEND_DOWN)
        if not goods:
            return self._back(prompts.KEYPAD_MALL_EMPTY)
        self._mall = keypad.MallView(goods=tuple((g["name"], g["price_text"]) for g in goods), balance=balance)
        self._goods_ids = [g["id"] for g in goods]
        return (self._prompt(names),)

    async def _redeem(self, index: int, names: list[str]) -> tuple[str, ...]:
        """The exchange read back and confirmed: through the backend for the caller it knows by number. The key is
        the call and the exchange's ordinal in it, so a retried request (or the same 1 again) exchanges once."""
        goods_id = self._goods_ids[index]
        try:
            person = await self._caller()
            if person is None:
                return self._back(prompts.KEYPAD_NOT_REGISTERED)
            done = await self.services.backend.redeem(
                person["id"], goods_id, key=f"ivr-{self.call_sid}-mall-{self._exchanges + 1}-{goods_id}")
        except BackendRefused as exc:
            return self._back(exc.message or prompts.KEYPAD_BACKEND_DOWN)
        except IvrError:
            return self._back(prompts.KEYPAD_BACKEND_DOWN)
        self._exchanges += 1
        self._mall = keypad.MallView(goods=self._mall.goods, balance=self._mall.balance, code=done["code"],
                                     pickup=done["pickup"])
        self.log.event("redemption", f"mall redemption {done['id']}: goods {goods_id}, {done['price_minutes']} min")
        return (self._prompt(names),)

    def _back(self, sentence: str) -> tuple[str, ...]:
        """Say why the mall cannot go on, then the main menu again."""
        self.state = keypad.MenuState()
        return (sentence, prompts.KEYPAD_MENU)

    def _describe_last(self, orders: list[dict]) -> str:
        if not orders:
            return prompts.KEYPAD_NO_ORDER
        last = max(orders, key=lambda o: o.get("id", 0))
        tz = ZoneInfo(self.services.settings.timezone)
        start = dt.datetime.fromisoformat(last["start_at"]).astimezone(tz)
        return prompts.KEYPAD_LAST_ORDER.format(when=f"{start.month}月{start.day}日{start.hour}点",
                                                service=last.get("service_name") or last.get("service_slug", ""),
                                                state=last.get("state_zh") or last.get("state", ""))

    async def _book(self, choice: keypad.Book, names: list[str]) -> tuple[str, ...]:
        settings = self.services.settings
        tz = ZoneInfo(settings.timezone)
        when = keypad.when_words(choice.day, choice.part)
        try:
            person = await self._caller()
            if person is None:
                return (prompts.KEYPAD_NOT_REGISTERED,)
            slug = settings.keypad_services[choice.service]
            start = start_time(dt.datetime.now(tz).date(), choice.day, choice.part, tz)
            body = {"recipient_id": person["id"], "service_slug": slug, "start_at": start.isoformat(),
                    "duration_minutes": settings.keypad_duration_minutes, "address": person.get("address"),
                    "channel": "phone", "requested_by_person_id": person["id"]}
            order = await self.services.backend.create_order(
                body, key=f"ivr-{self.call_sid}-order-{slug}-{start:%Y%m%d%H}")
        except BackendRefused as exc:
            return (exc.message or prompts.KEYPAD_BACKEND_DOWN, prompts.KEYPAD_MENU)
        except IvrError:
            return (prompts.KEYPAD_BACKEND_DOWN,)
        self.log.event("order", f"{slug} {start.isoformat()}", order_id=order["id"])
        return (prompts.KEYPAD_BOOKED.format(when=when, service=names[choice.service]), prompts.KEYPAD_MENU)
