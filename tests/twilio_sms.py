"""Twilio's Programmable Messaging REST API (``POST /2010-04-01/Accounts/{AC}/Messages.json``), in process,
as a twilio ``HttpClient`` (the same seam as the hotline's ``TwilioRestSimulator``).

Like Twilio it checks the account's credentials (401, code 20003), that ``From`` is the account's number
(400, 21659), that ``To`` is an E.164 number (400, 21211) and ``Body`` is 1–1600 characters (400, 21602 /
21617), and answers 201 with a message resource (``SM…`` SID, status ``queued``, segment count). Outages are
scripted: ``outage(n)`` makes the next n requests fail with 503 (code 20500), ``drop(n)`` with a refused
connection; ``delivered`` holds what was accepted, ``requests`` every request made."""
from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass, field

import requests
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass
class Sms:
    sid: str
    to: str
    sender: str
    body: str


@dataclass
class TwilioSmsSimulator(HttpClient):
    account_sid: str = "AC" + "5" * 32
    auth_token: str = "sms-test-auth-token"
    number: str = "+862588880000"
    delivered: list[Sms] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    _outages: list[str] = field(default_factory=list)

    def __post_init__(self):
        super().__init__(logger=logging.getLogger(__name__), is_async=False)
        self._route = re.compile(rf"^https://api\.twilio\.com/2010-04-01/Accounts/{self.account_sid}/Messages\.json$")

    def outage(self, count: int) -> None:
        self._outages += ["503"] * count

    def drop(self, count: int) -> None:
        self._outages += ["drop"] * count

    @staticmethod
    def _error(status: int, code: int, message: str) -> TwilioResponse:
        return TwilioResponse(status, json.dumps({"code": code, "message": message, "status": status,
                                                  "more_info": f"https://www.twilio.com/docs/errors/{code}"}))

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):  # noqa: ANN001, ANN201 - twilio's HttpClient signature
        data = dict(data or {})
        self.requests.append({"method": method, "uri": uri, "data": data})
        if self._outages:
            kind = self._outages.pop(0)
            if kind == "drop":
                raise requests.exceptions.ConnectionError("Connection refused (simulated)")
            return self._error(503, 20500, "Service unavailable")
        if auth != (self.account_sid, self.auth_token):
            return self._error(401, 20003, "Authenticate")
        if self._route.match(uri) is None:
            return self._error(404, 20404, "The requested resource was not found")
        if method != "POST":
            return self._error(405, 20004, "Method not allowed")
        to, sender, body = str(data.get("To", "")), str(data.get("From", "")), str(data.get("Body", ""))
        if sender != self.number:
            return self._error(400, 21659, f"'From' {sender} is not a Twilio phone number of this account")
        if not E164.match(to):
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not body:
            return self._error(400, 21602, "Message body is required.")
        if len(body) > 1600:
            return self._error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        sid = "SM" + secrets.token_hex(16)
        self.delivered.append(Sms(sid, to, sender, body))
        segments = (len(body) + 66) // 67  # UCS-2 (Chinese): 67 characters per concatenated segment
        return TwilioResponse(201, json.dumps({
            "sid": sid, "account_sid": self.account_sid, "to": to, "from": sender, "body": body,
            "status": "queued", "direction": "outbound-api", "num_segments": str(segments), "num_media": "0",
            "api_version": "2010-04-01", "price": None, "error_code": None, "error_message": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}))

    def sender(self):
        from backend.messaging.sms import SmsSender
        return SmsSender(self.account_sid, self.auth_token, self.number, http_client=self)

    def to(self, phone: str) -> list[Sms]:
        return [m for m in self.delivered if m.to == phone]


@dataclass
class PlacedCall:
    sid: str
    to: str
    sender: str
    url: str


@dataclass
class TwilioCallsSimulator(HttpClient):
    """Twilio's ``POST /2010-04-01/Accounts/{AC}/Calls.json`` (placing an outbound call), in process: the same
    credential and number checks as the Messages API, ``Url`` must be an absolute http(s) URL (400, 21205),
    answers 201 with a queued call resource. ``placed`` holds the calls; the test then plays Twilio's part
    by posting signed webhooks to each call's ``url``."""

    account_sid: str = "AC" + "5" * 32
    auth_token: str = "sms-test-auth-token"
    number: str = "+862588880000"
    placed: list[PlacedCall] = field(default_factory=list)

    def __post_init__(self):
        super().__init__(logger=logging.getLogger(__name__), is_async=False)
        self._route = re.compile(rf"^https://api\.twilio\.com/2010-04-01/Accounts/{self.account_sid}/Calls\.json$")

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):  # noqa: ANN001, ANN201 - twilio's HttpClient signature
        data = dict(data or {})
        if auth != (self.account_sid, self.auth_token):
            return TwilioSmsSimulator._error(401, 20003, "Authenticate")
        if self._route.match(uri) is None or method != "POST":
            return TwilioSmsSimulator._error(404, 20404, "The requested resource was not found")
        to, sender, url = str(data.get("To", "")), str(data.get("From", "")), str(data.get("Url", ""))
        if sender != self.number:
            return TwilioSmsSimulator._error(400, 21210, f"'From' {sender} is not a verified number of this account")
        if not E164.match(to):
            return TwilioSmsSimulator._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not re.match(r"^https?://", url):
            return TwilioSmsSimulator._error(400, 21205, "Url is not a valid URL")
        sid = "CA" + secrets.token_hex(16)
        self.placed.append(PlacedCall(sid, to, sender, url))
        return TwilioResponse(201, json.dumps({
            "sid": sid, "account_sid": self.account_sid, "to": to, "from": sender, "status": "queued",
            "direction": "outbound-api", "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json"}))

    def caller(self, webhook_base: str):
        from backend.messaging.voice import OfferCaller
        return OfferCaller(self.account_sid, self.auth_token, self.number, webhook_base, http_client=self)
