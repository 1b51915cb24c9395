"""Transfer to a person: redirect the live call through Twilio's REST API to ``<Dial>`` the
operator. The twilio client is synchronous (requests), so it runs in a thread; tests hand it
an ``http_client`` that simulates Twilio's REST API."""
from __future__ import annotations

import asyncio

from twilio.base.exceptions import TwilioException
from twilio.http import HttpClient
from twilio.rest import Client

from ivr import twiml
from ivr.errors import TransferFailed
from ivr.settings import IvrSettings


class Transferrer:
    def __init__(self, settings: IvrSettings, http_client: HttpClient | None = None):
        self._settings = settings
        self._http_client = http_client
        self._client: Client | None = None

    def _rest(self) -> Client:
        if self._client is None:
            if not (self._settings.twilio_account_sid and self._settings.twilio_auth_token):
                raise TransferFailed("IVR_TWILIO_ACCOUNT_SID / IVR_TWILIO_AUTH_TOKEN are not set")
            self._client = Client(self._settings.twilio_account_sid, self._settings.twilio_auth_token,
                                  http_client=self._http_client)
        return self._client

    def transfer_blocking(self, call_sid: str, number: str) -> None:
        if not number:
            raise TransferFailed("no operator number")
        try:
            self._rest().calls(call_sid).update(twiml=twiml.dial(self._settings, number))
        except TwilioException as exc:
            raise TransferFailed(f"Twilio refused to redirect call {call_sid}: {exc}") from exc

    async def transfer(self, call_sid: str, number: str) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.transfer_blocking, call_sid, number)
