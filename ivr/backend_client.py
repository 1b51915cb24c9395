"""The IVR's one way to the backend (docs/api.md): call records, handoffs, and what the keypad
menu needs (caller, services, balance, stars, orders, booking, the mall). Errors are translated here:
no answer / 5xx → ``BackendUnavailable``; 4xx → ``BackendRefused`` with the Chinese message."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from ivr.errors import BackendRefused, BackendUnavailable
from ivr.settings import IvrSettings


class BackendClient:
    def __init__(self, settings: IvrSettings, transport: httpx.AsyncBaseTransport | None = None):
        self._http = httpx.AsyncClient(
            base_url=f"{settings.backend_url}/api/v1", timeout=settings.backend_timeout_s, transport=transport,
            headers={"Authorization": f"Bearer {settings.service_token}"})

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                       key: str | None = None) -> Any:
        headers = {"Idempotency-Key": key} if key else None
        try:
            response = await self._http.request(method, path, json=json, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(f"{method} {path}: {exc!r}") from exc
        if response.status_code >= 500:
            raise BackendUnavailable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise BackendRefused(response.status_code, str(body.get("code", "")), str(body.get("message", "")))
        return response.json() if response.content else None

    # -- call records --------------------------------------------------------------------
    async def open_call(self, body: dict) -> dict:
        return await self._request("POST", "/calls", json=body)

    async def update_call(self, call_sid: str, body: dict) -> dict:
        return await self._request("PATCH", f"/calls/{quote(call_sid)}", json=body)

    async def add_turn(self, call_sid: str, body: dict) -> dict:
        return await self._request("POST", f"/calls/{quote(call_sid)}/turns", json=body)

    async def add_event(self, call_sid: str, body: dict) -> dict:
        return await self._request("POST", f"/calls/{quote(call_sid)}/events", json=body)

    # -- people and orders ---------------------------------------------------------------
    async def person_by_phone(self, phone: str) -> dict | None:
        try:
            return await self._request("GET", f"/persons/by-phone/{quote(phone)}")
        except BackendRefused as exc:
            if exc.status in (404, 422):  # unknown or withheld number: the caller is just unknown
                return None
            raise

    async def handoff(self, body: dict, key: str) -> dict:
        return await self._request("POST", "/handoffs", json=body, key=key)

    async def services(self) -> list[dict]:
        return await self._request("GET", "/services")

    async def balance(self, person_id: int) -> dict:
        return await self._request("GET", f"/persons/{person_id}/balance")

    async def stars(self, person_id: int) -> dict:
        return await self._request("GET", f"/persons/{person_id}/stars")

    async def orders(self, person_id: int) -> list[dict]:
        return await self._request("GET", f"/persons/{person_id}/orders")

    async def create_order(self, body: dict, key: str) -> dict:
        return await self._request("POST", "/orders", json=body, key=key)

    # -- the mall -------------------------------------------------------------------------
    async def mall_goods(self, person_id: int) -> list[dict]:
        """What the person can collect in their street, in stock, cheapest first."""
        return await self._request("GET", "/mall/goods", params={"person_id": int(person_id)})

    async def redeem(self, person_id: int, goods_id: int, key: str) -> dict:
        return await self._request("POST", "/mall/redemptions",
                                   json={"person_id": person_id, "goods_id": goods_id, "channel": "phone"}, key=key)

    # -- offers by phone -----------------------------------------------------------------
    async def message(self, message_id: int) -> dict:
        return await self._request("GET", f"/messages/{int(message_id)}")

    async def accept(self, order_id: int, volunteer_id: int, key: str) -> dict:
        return await self._request("POST", f"/orders/{int(order_id)}/accept",
                                   json={"volunteer_id": volunteer_id, "channel": "phone"}, key=key)

    async def decline(self, order_id: int, volunteer_id: int) -> dict:
        return await self._request("POST", f"/orders/{int(order_id)}/decline",
                                   json={"volunteer_id": volunteer_id, "channel": "phone"})

    async def phone_visit(self, phone: str, key: str) -> dict:
        return await self._request("POST", "/volunteers/phone-visit", json={"phone": phone}, key=key)
