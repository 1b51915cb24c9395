"""Test seams for the bot: an in-memory stand-in for the backend behind httpx.MockTransport, and
rasa_sdk trackers built from slots and events. (Flows are also tested against the real backend.)"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rasa_sdk import Tracker

from bot.actions.backend_client import BackendClient
from bot.actions.settings import BotSettings
from trust import claims

CLAIM_SECRET = "bot-test-claim-secret"

ELDER = {"id": 1, "name": "王秀英", "phone": "+8613912340001", "roles": ["elder"], "status": "verified",
         "station_id": 1, "address": "湖南路社区3号楼201", "linked_elders": []}
FAMILY = {"id": 7, "name": "李娟", "phone": "+8613912340007", "roles": ["family"], "status": "verified",
          "station_id": 1, "address": "江宁区某小区", "linked_elders": [
              {"id": 1, "name": "王秀英", "relation": "child", "consent": "consented"}]}
GRANDSON = {"id": 9, "name": "王小明", "phone": "+8613912340009", "roles": ["volunteer"], "status": "verified",
            "station_id": 1, "address": "", "linked_elders": []}


@dataclass
class FakeBackend:
    """Answers the routes of docs/api.md from dictionaries; records every request."""

    people: dict[int, dict] = field(default_factory=lambda: {p["id"]: p for p in (ELDER, FAMILY, GRANDSON)})
    balances: dict[int, int] = field(default_factory=lambda: {1: 750, 7: 0, 9: 60})
    orders: list[dict] = field(default_factory=list)
    policy: dict = field(default_factory=lambda: {"gift_recipients": "anyone", "donation_allowed": True})
    family_links: list[dict] = field(default_factory=list)  # FamilyLinkDetailPublic rows
    disputes: list[dict] = field(default_factory=list)
    dispute_keys: dict[str, dict] = field(default_factory=dict)
    down: bool = False
    requests: list[httpx.Request] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:  # the request never arrives
            raise httpx.ConnectError("backend down", request=request)
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/v1")
        body = json.loads(request.content) if request.content else None
        parts = path.strip("/").split("/")
        if parts[:2] == ["persons", "by-phone"]:
            person = next((p for p in self.people.values() if p["phone"] == parts[2]), None)
            return self._json(person) if person else self._error(404, "person_not_found", "没找到这个人。")
        if parts[0] == "persons" and len(parts) == 2:
            return self._json(self.people[int(parts[1])])
        if parts[0] == "persons" and parts[2] == "balance":
            minutes = self.balances[int(parts[1])]
            return self._json({"person_id": int(parts[1]), "minutes": minutes, "coins_text": ""})
        if parts[0] == "persons" and parts[2] == "stars":
            return self._json({"person_id": int(parts[1]), "level": 2, "lifetime_service_minutes": 18000,
                               "next_level": 3, "minutes_to_next_level": 3000})
        if parts[0] == "persons" and parts[2] == "history":
            return self._json([{"seq": 3, "kind": "service", "minutes": -120, "at": "2025-03-10T02:00:00Z",
                                "memo": "陪同就医"}])
        if parts[0] == "persons" and parts[2] == "orders":
            states = request.url.params.get_list("state")
            return self._json([o for o in self.orders if o["recipient_id"] == int(parts[1])
                               and (not states or o["state"] in states)])
        if path == "/policy":
            return self._json(self.policy)
        if path == "/family-links" and request.method == "GET":
            elder, consents = request.url.params.get("elder_id"), request.url.params.get_list("consent")
            return self._json([link for link in self.family_links if (not elder or link["elder_id"] == int(elder))
                               and (not consents or link["consent"] in consents)])
        if parts[0] == "family-links" and parts[-1] == "consent":
            link = next((l for l in self.family_links if l["id"] == int(parts[1])), None)
            if link is None:
                return self._error(404, "not_found", "没有找到。")
            link["consent"] = body["consent"]
            return self._json(link)
        if path == "/orders" and request.method == "POST":
            order = {"id": 100 + len(self.orders), "state": "open", "service_name": "", **body}
            self.orders.append(order)
            return self._json(order, 201)
        if parts[0] == "orders" and parts[-1] == "cancel":
            order = next(o for o in self.orders if o["id"] == int(parts[1]))
            order["state"] = "cancelled"
            return self._json(order)
        if parts[0] == "orders" and parts[-1] == "disputes":
            # One case per order, as the backend keeps it; the same Idempotency-Key replays the answer.
            key = request.headers.get("Idempotency-Key")
            if key in self.dispute_keys:
                return self._json(self.dispute_keys[key], 201)
            case = next((d for d in self.disputes if d["order_id"] == int(parts[1])), None)
            if case is None:
                case = {"id": 500 + len(self.disputes), "order_id": int(parts[1]), "source": body["source"],
                        "conversation_id": body.get("conversation_id"), "statements": []}
                self.disputes.append(case)
            case["statements"].append({"side": body["side"], "text": body["statement"]})
            self.dispute_keys[key] = case
            return self._json(case, 201)
        if path.startswith("/transfers/"):
            if body["minutes"] > self.balances[body["from_person_id"]]:
                return self._error(422, "insufficient_balance", "您的时间币不够。")
            return self._json({"seq": 1, **body}, 201)
        if path in ("/registrations", "/handoffs"):
            return self._json({"id": 1, "status": "pending", "station_id": 1, "operator_phone": "+8625000000"}, 201)
        return self._error(404, "not_found", "没有这个。")

    @staticmethod
    def _json(data, status: int = 200) -> httpx.Response:
        return httpx.Response(status, json=data)

    @staticmethod
    def _error(status: int, code: str, message: str) -> httpx.Response:
        return httpx.Response(status, json={"code": code, "message": message, "detail": code})

    def client(self, tmp_path: Path) -> BackendClient:
        settings = BotSettings(backend_url="http://backend.test", service_token="test-token",
                               outbox_path=tmp_path / "outbox.jsonl", claim_secret=CLAIM_SECRET)
        return BackendClient(settings, transport=httpx.MockTransport(self.handler))

    def requests_of(self, method: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method]

    def posts(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST" and r.url.path == "/api/v1" + path]


def signed(metadata: dict | None, sender_id: str) -> dict:
    """What a front door sends: ``phone``/``person_id`` turned into a claim for ``sender_id``."""
    metadata = dict(metadata or {})
    phone, person_id = metadata.pop("phone", None), metadata.pop("person_id", None)
    if phone or person_id:
        channel = metadata.get("channel") or ("phone" if phone else "chat")
        metadata["claim"] = claims.sign(CLAIM_SECRET, conversation_id=sender_id, channel=channel,
                                        phone=phone, person_id=person_id)
    return metadata


def sealed_caller(person: dict, subject: str) -> str:
    """The ``caller`` slot as the action server leaves it for ``person`` (subject "phone:+86…" | "person:7")."""
    from bot.actions.common import kept_of_caller

    return claims.seal(CLAIM_SECRET, kept_of_caller(person, subject))


def make_tracker(slots: dict | None = None, text: str = "", intent: str = "", entities: list | None = None,
                 events: list | None = None, metadata: dict | None = None, active_loop: str | None = None,
                 sender_id: str = "conv-1", sign: bool = True) -> Tracker:
    """A tracker as the action server receives it; ``metadata`` with ``phone``/``person_id`` is signed
    into a claim as the hotline and the family chat do, unless ``sign=False`` (a forger's tracker)."""
    metadata = signed(metadata, sender_id) if sign else metadata
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
              "metadata": metadata or {}}
    all_slots = {"session_started_metadata": metadata or {}, **(slots or {})}
    return Tracker(sender_id, all_slots, latest, events or [], False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def responses(dispatcher) -> list[str]:
    """What the caller hears or reads (pure custom payloads left out; see ``customs``)."""
    return [m.get("response") or m.get("text") for m in dispatcher.messages if m.get("response") or m.get("text")]


def customs(dispatcher) -> list[dict]:
    """Instructions for the channel (``{"action": ...}``), in order."""
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]
