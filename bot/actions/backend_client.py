"""BackendClient: the only way bot actions reach the backend (docs/api.md, /api/v1).

Exceptions::

    BackendError                 base class; never raised itself
    ├── BackendUnavailable       connection refused, timeout or 5xx: try again later
    └── BackendRefused           4xx with the backend's JSON error; ``message`` is Chinese
        └── NotFound             404 (``person_not_found`` and friends)

Writes carry an ``Idempotency-Key`` derived from the conversation, the action and the values
being written (``idempotency_key``), so a retried action never books or gifts twice. When the
backend is unavailable a write is queued in the outbox (``WriteResult.queued``) and resent by
``flush_outbox`` before the next write, or by ``python -m bot.actions.backend_client flush``.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bot.actions.outbox import Outbox
from bot.actions.settings import BotSettings


class BackendError(Exception):
    """Base class of the backend client's errors."""


class BackendUnavailable(BackendError):
    """Raised when the backend cannot be reached, times out, or answers 5xx."""


class BackendRefused(BackendError):
    """Raised when the backend answers 4xx; ``code`` and Chinese ``message`` come from its body."""

    def __init__(self, status: int, code: str, message: str, detail: str = ""):
        super().__init__(f"{status} {code}: {detail or message}")
        self.status, self.code, self.message, self.detail = status, code, message, detail


class NotFound(BackendRefused):
    """Raised on 404."""


@dataclass(frozen=True)
class WriteResult:
    """Outcome of a write: ``data`` is the backend's answer, or None when ``queued``."""

    data: Any
    queued: bool = False


def idempotency_key(conversation_id: str, action: str, values: dict) -> str:
    """Same conversation + action + values → same key, so retries are recognised as such."""
    raw = json.dumps([conversation_id, action, values], sort_keys=True, ensure_ascii=False, default=str)
    return f"bot-{action}-{hashlib.sha256(raw.encode('utf-8')).hexdigest()[:32]}"

READ_RETRY_S = 8.0
READ_RETRY_PAUSE_S = 0.5


class BackendClient:
    def __init__(self, settings: BotSettings, transport: httpx.BaseTransport | None = None):
        self._settings = settings
        self._http = httpx.Client(
            base_url=f"{settings.backend_url}/api/v1", transport=transport, timeout=settings.timeout_s,
            headers={"Authorization": f"Bearer {settings.service_token}"})
        self.outbox = Outbox(settings.outbox_path)
        self.settings = settings

    def close(self) -> None:
        self._http.close()

    # --- transport ------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, body: dict | None = None, params: Any = None,
                 key: str | None = None) -> Any:
        """One request. A read the backend cannot answer (down, 5xx) is asked again for up to
        ``READ_RETRY_S``: reads change nothing, and the backend's database restarting (its workers
        answer 503 until the proxy sees them ready again, a few seconds) should not fail the caller's
        turn. Writes are not retried here: ``_write`` queues them in the outbox."""
        deadline = time.monotonic() + (READ_RETRY_S if method == "GET" else 0)
        while True:
            try:
                return self._request_once(method, path, body=body, params=params, key=key)
            except BackendUnavailable:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(READ_RETRY_PAUSE_S)

    def _request_once(self, method: str, path: str, *, body: dict | None, params: Any, key: str | None) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        try:
            response = self._http.request(method, path, json=body, params=params, headers=headers)
        except httpx.HTTPError as exc:  # connect errors, timeouts, protocol errors
            raise BackendUnavailable(f"{method} {path}: {exc!r}") from exc
        if response.status_code >= 500:
            raise BackendUnavailable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                error = response.json()
            except ValueError:
                error = {}
            cls = NotFound if response.status_code == 404 else BackendRefused
            raise cls(response.status_code, error.get("code", "error"),
                      error.get("message", "对不起，没办成。"), error.get("detail", ""))
        return response.json() if response.content else None

    def _write(self, path: str, body: dict, key: str) -> WriteResult:
        self.flush_outbox()
        try:
            return WriteResult(self._request("POST", path, body=body, key=key))
        except BackendUnavailable:
            self.outbox.add("POST", path, body, key)
            return WriteResult(None, queued=True)

    def flush_outbox(self) -> int:
        """Resend queued writes; returns how many the backend has now answered."""
        def send(entry: dict) -> str:
            try:
                self._request(entry["method"], entry["path"], body=entry["body"], key=entry["key"])
                return "done"
            except BackendUnavailable:
                return "retry"
            except BackendRefused:
                return "refused"
        return self.outbox.drain(send)

    # --- reads ----------------------------------------------------------------------------
    def person_by_phone(self, e164: str) -> dict:
        return self._request("GET", f"/persons/by-phone/{e164}")

    def person(self, person_id: int) -> dict:
        return self._request("GET", f"/persons/{person_id}")

    def balance(self, person_id: int) -> dict:
        return self._request("GET", f"/persons/{person_id}/balance")

    def stars(self, person_id: int) -> dict:
        return self._request("GET", f"/persons/{person_id}/stars")

    def history(self, person_id: int, limit: int = 3) -> list[dict]:
        return self._request("GET", f"/persons/{person_id}/history", params={"limit": limit})

    def orders(self, person_id: int, *, active: bool = False, states: list[str] | None = None) -> list[dict]:
        params: list[tuple[str, str]] = [("state", s) for s in states or []]
        if active:
            params.append(("active", "true"))
        return self._request("GET", f"/persons/{person_id}/orders", params=params)

    def policy(self) -> dict:
        return self._request("GET", "/policy")

    def family_links(self, elder_id: int, consent: str | None = None) -> list[dict]:
        """The elder's family links (``consent``: pending | consented | revoked), with member names."""
        params = {"elder_id": elder_id, **({"consent": consent} if consent else {})}
        return self._request("GET", "/family-links", params=params)

    # --- writes ---------------------------------------------------------------------------
    def create_order(self, body: dict, key: str) -> WriteResult:
        return self._write("/orders", body, key)

    def cancel_order(self, order_id: int, body: dict, key: str) -> WriteResult:
        return self._write(f"/orders/{order_id}/cancel", body, key)

    def rate_order(self, order_id: int, body: dict, key: str) -> WriteResult:
        return self._write(f"/orders/{order_id}/rating", body, key)

    def gift(self, body: dict, key: str) -> WriteResult:
        return self._write("/transfers/gift", body, key)

    def donate(self, body: dict, key: str) -> WriteResult:
        return self._write("/transfers/donation", body, key)

    def register(self, body: dict, key: str) -> WriteResult:
        return self._write("/registrations", body, key)

    def complain(self, order_id: int, body: dict, key: str) -> WriteResult:
        """Opens the order's dispute case (or adds the statement to its open one)."""
        return self._write(f"/orders/{order_id}/disputes", body, key)

    def handoff(self, body: dict, key: str) -> WriteResult:
        return self._write("/handoffs", body, key)

    def set_family_consent(self, link_id: int, body: dict, key: str) -> WriteResult:
        return self._write(f"/family-links/{link_id}/consent", body, key)


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.actions.backend_client flush``: resend the outbox (e.g. from cron)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if args != ["flush"]:
        print("usage: python -m bot.actions.backend_client flush", file=sys.stderr)
        return 2
    client = BackendClient(BotSettings.from_env())
    sent = client.flush_outbox()
    print(f"sent {sent}, still queued {len(client.outbox.pending())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
