"""Carrying out the keypad menu's outcomes (``ivr.keypad.menu_step``) against the backend.

The menu talks to the backend directly, not through the assistant: it is the path that must
work when recognition is off and when the assistant is down. It books only for a registered
caller, for themselves, at their registered address, and only after an explicit 1 on the
read-back; the idempotency key makes a repeated 1 (or a retried request) book once.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ivr import keypad, prompts
from ivr.errors import BackendRefused, IvrError

if TYPE_CHECKING:
    from ivr.session import CallSession


def start_time(today: dt.date, day: int, part: int, tz: ZoneInfo) -> dt.datetime:
    """The booked start: ``day`` days from today at the part of the day's hour, local time."""
    return dt.datetime.combine(today + dt.timedelta(days=day), dt.time(prompts.PARTS[part][1]), tz)


class KeypadActions:
    def __init__(self, session: "CallSession"):
        self.session = session
        self.state = keypad.MenuState()
        self._person: dict | None = None

    async def press(self, digit: str) -> None:
        session = self.session
        names = await self._names()
        words = keypad.KEY_WORDS.get(digit, f"按键{digit}") if self.state.step == "confirm" else f"按键{digit}"
        session.log.turn("caller", words, source="keypad")
        self.state, outcome = keypad.menu_step(self.state, digit, len(names))
        if isinstance(outcome, keypad.Handoff):
            await session.hand_off("caller pressed 0 in the keypad menu")
        elif isinstance(outcome, keypad.Slower):
            session.slow_down()
            await session.say([prompts.SLOWER, keypad.menu_prompt(self.state, names)])
        elif isinstance(outcome, keypad.Ask):
            lead = [prompts.KEYPAD_INVALID] if outcome.invalid else []
            await session.say(lead + [keypad.menu_prompt(self.state, names)])
        elif isinstance(outcome, keypad.Dropped):
            await session.say([prompts.KEYPAD_DROPPED, prompts.KEYPAD_MENU])
        elif isinstance(outcome, keypad.Query):
            await self._query(outcome.kind)
        elif isinstance(outcome, keypad.Book):
            await self._book(outcome, names)

    async def repeat(self) -> None:
        await self.session.say([keypad.menu_prompt(self.state, await self._names())])

    async def _names(self) -> list[str]:
        try:
            return await self.session.services.keypad_service_names()
        except IvrError:
            return list(self.session.settings.keypad_services)

    async def _caller(self) -> dict | None:
        if self._person is None and self.session.grant.caller:
            self._person = await self.session.services.backend.person_by_phone(self.session.grant.caller)
        return self._person

    async def _query(self, kind: str) -> None:
        backend = self.session.services.backend
        try:
            person = await self._caller()
            if person is None:
                text = prompts.KEYPAD_NOT_REGISTERED
            elif kind == "balance":
                text = prompts.KEYPAD_BALANCE.format(coins=(await backend.balance(person["id"]))["coins_text"])
            elif kind == "stars":
                level = (await backend.stars(person["id"]))["level"]
                text = prompts.KEYPAD_STARS.format(level=level) if level else prompts.KEYPAD_NO_STARS
            else:
                orders = await backend.orders(person["id"])
                text = self._describe_last(orders)
        except BackendRefused as exc:
            text = exc.message or prompts.KEYPAD_BACKEND_DOWN
        except IvrError:
            text = prompts.KEYPAD_BACKEND_DOWN
        await self.session.say([text, prompts.KEYPAD_MENU])

    def _describe_last(self, orders: list[dict]) -> str:
        if not orders:
            return prompts.KEYPAD_NO_ORDER
        last = max(orders, key=lambda o: o.get("id", 0))
        tz = ZoneInfo(self.session.settings.timezone)
        start = dt.datetime.fromisoformat(last["start_at"]).astimezone(tz)
        return prompts.KEYPAD_LAST_ORDER.format(when=f"{start.month}月{start.day}日{start.hour}点",
                                                service=last.get("service_name") or last.get("service_slug", ""),
                                                state=last.get("state_zh") or last.get("state", ""))

    async def _book(self, choice: keypad.Book, names: list[str]) -> None:
        session = self.session
        tz = ZoneInfo(session.settings.timezone)
        when = keypad.when_words(choice.day, choice.part)
        try:
            person = await self._caller()
            if person is None:
                await session.say([prompts.KEYPAD_NOT_REGISTERED])
                return
            slug = session.settings.keypad_services[choice.service]
            start = start_time(dt.datetime.now(tz).date(), choice.day, choice.part, tz)
            body = {"recipient_id": person["id"], "service_slug": slug, "start_at": start.isoformat(),
                    "duration_minutes": session.settings.keypad_duration_minutes, "address": person.get("address"),
                    "channel": "phone", "requested_by_person_id": person["id"]}
            order = await session.services.backend.create_order(
                body, key=f"ivr-{session.grant.call_sid}-order-{slug}-{start:%Y%m%d%H}")
        except BackendRefused as exc:
            await session.say([exc.message or prompts.KEYPAD_BACKEND_DOWN, prompts.KEYPAD_MENU])
            return
        except IvrError:
            await session.say([prompts.KEYPAD_BACKEND_DOWN])
            return
        session.log.event("order", f"{slug} {start.isoformat()}", order_id=order["id"])
        await session.say([prompts.KEYPAD_BOOKED.format(when=when, service=names[choice.service]),
                           prompts.KEYPAD_MENU])
