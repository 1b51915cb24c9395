"""Placing the outbound offer call through Twilio's REST API (``Calls.json``). Twilio then asks the
hotline's webhook ``/ivr/offer-call?message=<id>`` what to say; that request is Twilio-signed over the
whole URL, so the message id (and with it the volunteer the call was placed to) cannot be forged."""
from __future__ import annotations

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

from backend.messaging.sms import PERMANENT_CODES, SendFailed

CALL_PERMANENT_CODES = PERMANENT_CODES | {13223, 13224, 21215, 21217}  # invalid or not allowed numbers


class OfferCaller:
    def __init__(self, account_sid: str, auth_token: str, from_number: str, webhook_base: str,
                 http_client: HttpClient | None = None):
        self.from_number, self.webhook_base = from_number, webhook_base.rstrip("/")
        self._client = Client(account_sid, auth_token, http_client=http_client)

    def call(self, to: str, message_id: int) -> str:
        """Twilio's call SID (CA…) once Twilio has queued the call; raises SendFailed."""
        try:
            call = self._client.calls.create(to=to, from_=self.from_number, method="POST",
                                              url=f"{self.webhook_base}/ivr/offer-call?message={message_id}")
        except TwilioRestException as exc:
            raise SendFailed(f"Twilio {exc.status} code {exc.code}: {exc.msg}",
                             permanent=exc.code in CALL_PERMANENT_CODES) from exc
        except (TwilioException, OSError) as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
        return call.sid


def from_settings(settings) -> OfferCaller | None:
    if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.sms_from):
        return None
    return OfferCaller(settings.twilio_account_sid, settings.twilio_auth_token, settings.sms_from, settings.base_url)
