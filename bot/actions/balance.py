"""One-turn account answers: time-coin balance, star level, the last three ledger entries."""
from __future__ import annotations

import datetime as dt
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import common
from bot.actions.backend_client import BackendError
from backend.ledger.coin_words import coins_text
from bot.actions.orders import amend_read_back
from bot.actions.parsing import datetime_to_words, minutes_to_hours_words

_HISTORY_WORDS = re.compile(r"记录|账|明细|历史|收支|流水|进出|存入|花了|用了|收入|支出|几笔")


class ActionCheckBalance(Action):
    """"您还有12个半时间币，能换12个半小时的普通服务。" (in the family chat: "王秀英还有…")."""

    def name(self) -> str:
        return "action_check_balance"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        recipient, balance, events = common.fetch_for_recipient(dispatcher, tracker, lambda b, pid: b.balance(pid))
        if balance is None:
            return events
        minutes = int(balance["minutes"])
        if minutes <= 0:
            dispatcher.utter_message(response="utter_balance_zero", who=common.who(recipient))
        else:
            # The API's own wording of the amount, the same the console and the family page show.
            dispatcher.utter_message(response="utter_balance", who=common.who(recipient),
                                     coins=balance.get("coins_text") or coins_text(minutes),
                                     hours=minutes_to_hours_words(minutes))
        return events


class ActionCheckStars(Action):
    """Star level and the service hours still needed for the next one (the caller's own)."""

    def name(self) -> str:
        return "action_check_stars"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        backend = common.client()
        caller, events = common.find_caller(tracker, backend)
        if caller is None:
            common.tell_unknown_caller(dispatcher, tracker)
            return events
        try:
            stars = backend.stars(caller["id"])
        except BackendError as exc:
            common.tell_backend_problem(dispatcher, exc)
            return events
        level, next_level = int(stars.get("level") or 0), stars.get("next_level")
        to_next = stars.get("minutes_to_next_level")
        if next_level is None or to_next is None:
            dispatcher.utter_message(response="utter_stars_max", level=level)
        elif level == 0:
            dispatcher.utter_message(response="utter_stars_none", hours=minutes_to_hours_words(int(to_next)))
        else:
            dispatcher.utter_message(response="utter_stars", level=level, next_level=next_level,
                                     hours=minutes_to_hours_words(int(to_next)))
        return events


class ActionCheckHistory(Action):
    """The last three ledger entries, newest first, one short sentence each."""

    def name(self) -> str:
        return "action_check_history"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if not _HISTORY_WORDS.search((tracker.latest_message or {}).get("text") or ""):
            amended = amend_read_back(dispatcher, tracker)  # free words at a read-back are no history question
            if amended is not None:
                return amended
        recipient, items, events = common.fetch_for_recipient(
            dispatcher, tracker, lambda b, pid: b.history(pid, limit=3))
        if items is None:
            return events
        if not items:
            dispatcher.utter_message(response="utter_history_empty", who=common.who(recipient))
            return events
        dispatcher.utter_message(response="utter_history_intro", count=len(items[:3]), who=common.who(recipient))
        for item in items[:3]:
            minutes = int(item["minutes"])
            at = dt.datetime.fromisoformat(str(item["at"]).replace("Z", "+00:00"))
            when = datetime_to_words(at, common.now()).split("星期")[0]
            dispatcher.utter_message(response="utter_history_in" if minutes > 0 else "utter_history_out",
                                     when=_day_only(when), memo=item.get("memo") or "",
                                     amount=coins_text(abs(minutes)))
        return events


def _day_only(words: str) -> str:
    """"11月20号星期五上午9点" → "11月20号"; "今天下午2点" → "今天": the day is enough for history."""
    for cut in ("早上", "上午", "中午", "下午", "晚上"):
        if cut in words:
            return words.split(cut)[0]
    return words
