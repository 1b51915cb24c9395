"""Signed caller claims: how a front door tells the assistant who is speaking.

The hotline (ivr/assistant.py) and the family chat proxy (web/family/chat_proxy.py) are the only
places that know who is on the line: Twilio signed the caller's number, the family member logged
in. Each message they pass to Rasa carries ``metadata["claim"]``, made here with a secret only they
and the action server hold (``YINLING_CLAIM_SECRET``). The action server trusts the claim and
nothing else: not a ``phone`` or ``person_id`` field, not a ``caller`` slot, since anyone who can
reach Rasa or forge a tracker can set those.

Format: ``v1.<payload>.<mac>``, both parts base64url without padding; payload is the JSON object
``{"sid": conversation id (Rasa sender id), "ch": "phone" | "chat", "pid": person id or null,
"tel": phone number or null, "exp": expiry, Unix seconds}`` and mac is HMAC-SHA256 over
``"v1." + payload``. A claim is short-lived (``DEFAULT_TTL_S``): it is made fresh for every
message, and a copy found later in a tracker is useless once expired.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

VERSION = "v1"
DEFAULT_TTL_S = 300
METADATA_KEY = "claim"
CHANNELS = ("phone", "chat")


class ClaimRefused(ValueError):
    """The claim cannot be used; ``reason`` is one of missing, malformed, bad_signature, expired,
    other_conversation, no_secret (for logs; callers only hear that they were not recognised)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"caller claim refused: {reason}{': ' + detail if detail else ''}")
        self.reason = reason


@dataclass(frozen=True)
class Claim:
    """Who a front door says is speaking in one conversation.

    ``conversation_id``: the Rasa sender id the claim is bound to (call SID, ``family-<id>``);
    ``channel``: "phone" or "chat"; ``person_id``: the logged-in person (family chat), else None;
    ``phone``: the caller's number as the phone network gave it (hotline), else None; both None
    means an anonymous caller (withheld number); ``expires_at``: Unix seconds.
    """

    conversation_id: str
    channel: str
    person_id: int | None
    phone: str | None
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, signed: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), signed.encode("ascii"), hashlib.sha256).digest())


def sign(secret: str, *, conversation_id: str, channel: str, person_id: int | None = None,
         phone: str | None = None, ttl_s: int = DEFAULT_TTL_S, now: float | None = None) -> str:
    """The claim for one message of ``conversation_id``; refuses to sign with an empty secret."""
    if not secret:
        raise ClaimRefused("no_secret", "YINLING_CLAIM_SECRET is not set")
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}, not {channel!r}")
    body = {"sid": conversation_id, "ch": channel, "pid": int(person_id) if person_id is not None else None,
            "tel": phone or None, "exp": int((time.time() if now is None else now) + ttl_s)}
    payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    signed = f"{VERSION}.{payload}"
    return f"{signed}.{_mac(secret, signed)}"


def verify(secret: str, token: object, *, conversation_id: str, now: float | None = None) -> Claim:
    """The claim ``token`` makes, if it is ours, unexpired and bound to ``conversation_id``.

    Raises ``ClaimRefused`` otherwise. The signature is checked before anything in the payload is read.
    """
    if not secret:
        raise ClaimRefused("no_secret", "YINLING_CLAIM_SECRET is not set")
    if not token or not isinstance(token, str):
        raise ClaimRefused("missing")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise ClaimRefused("malformed")
    if not hmac.compare_digest(_mac(secret, f"{parts[0]}.{parts[1]}"), parts[2]):
        raise ClaimRefused("bad_signature")
    try:
        body = json.loads(_unb64(parts[1]))
        claim = Claim(conversation_id=str(body["sid"]), channel=str(body["ch"]),
                      person_id=int(body["pid"]) if body.get("pid") is not None else None,
                      phone=str(body["tel"]) if body.get("tel") else None, expires_at=int(body["exp"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ClaimRefused("malformed", repr(exc)) from exc
    if claim.expires_at <= (time.time() if now is None else now):
        raise ClaimRefused("expired")
    if not hmac.compare_digest(claim.conversation_id.encode("utf-8"), str(conversation_id).encode("utf-8")):
        raise ClaimRefused("other_conversation")
    if claim.channel not in CHANNELS:
        raise ClaimRefused("malformed", f"channel {claim.channel!r}")
    return claim


def seal(secret: str, data: dict) -> str:
    """``data`` (JSON-able) with a MAC, for a value a process keeps where others could write it (a
    tracker slot). Keyed apart from claims, so a seal is never taken for a claim or back."""
    if not secret:
        raise ClaimRefused("no_secret", "YINLING_CLAIM_SECRET is not set")
    payload = _b64(json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    signed = f"seal.{payload}"
    return f"{signed}.{_mac(secret + '|seal', signed)}"


def unseal(secret: str, token: object) -> dict:
    """The data ``seal`` sealed; ``ClaimRefused`` if it was not sealed with ``secret`` or was changed."""
    if not secret or not isinstance(token, str) or token.count(".") != 2 or not token.startswith("seal."):
        raise ClaimRefused("malformed")
    signed, mac = token.rsplit(".", 1)
    if not hmac.compare_digest(_mac(secret + "|seal", signed), mac):
        raise ClaimRefused("bad_signature")
    try:
        data = json.loads(_unb64(signed.split(".", 1)[1]))
    except ValueError as exc:
        raise ClaimRefused("malformed", repr(exc)) from exc
    if not isinstance(data, dict):
        raise ClaimRefused("malformed", "not an object")
    return data


__all__ = ["CHANNELS", "Claim", "ClaimRefused", "DEFAULT_TTL_S", "METADATA_KEY", "seal", "sign", "unseal", "verify"]
