"""Sending one SMS through Twilio's REST API (``Messages.json``). The twilio client is synchronous; the
outbox calls it outside any database transaction. ``http_client`` is the seam tests fill with a
simulated Twilio (tests/backend/messaging/twilio_sms.py)."""
from __future__ import annotations

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

# Twilio errors that say this message can never go out: invalid or unreachable 'To', opted out, bad 'From'.
PERMANENT_CODES = frozenset({21211, 21214, 21408, 21610, 21612, 21614, 21606, 21659})


class SendFailed(Exception):
    """Twilio did not take the message. ``permanent``: retrying the same message cannot help."""

    def __init__(self, detail: str, *, permanent: bool = False):
        super().__init__(detail)
        self.permanent = permanent


class SmsSender:
    def __init__(self, account_sid: str, auth_token: str, from_number: str, http_client: HttpClient | None = None):
        self.from_number = from_number
        self._client = Client(account_sid, auth_token, http_client=http_client)

    def send(self, to: str, body: str) -> str:
        """Twilio's message SID (SM…) once Twilio has accepted the message; raises SendFailed."""
        try:
            message = self._client.messages.create(to=to, from_=self.from_number, body=body)
        except TwilioRestException as exc:
            raise SendFailed(f"Twilio {exc.status} code {exc.code}: {exc.msg}",
                             permanent=exc.code in PERMANENT_CODES) from exc
        except (TwilioException, OSError) as exc:  # network trouble, timeouts: try again later
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
        return message.sid


def from_settings(settings) -> SmsSender | None:
    """The sender the settings describe; None while Twilio is not configured (messages then wait)."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.sms_from):
        return None
    return SmsSender(settings.twilio_account_sid, settings.twilio_auth_token, settings.sms_from)
