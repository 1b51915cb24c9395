"""POST /family/api/chat: the widget's one way to the assistant (the Rasa REST channel).

The server, not the browser, decides whose identity the assistant sees: the sender id is
``family-<person id>`` and the metadata carries a signed, short-lived claim (trust/claims.py) of
that person, bound to that sender id, made from the login session with ``YINLING_CLAIM_SECRET``;
the action server believes nothing else (bot/actions/common.py ``verified_caller``). The database is not held while Rasa
answers (its actions call back into this app). Rasa down, slow or answering nonsense → 503 with a
Chinese apology; the widget keeps the words in the input box and offers a retry.
"""
from __future__ import annotations

import logging
import re

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from observe import logs
from trust import claims
from web.family.deps import authenticate_detached

router = APIRouter(prefix="/family/api")
log = logging.getLogger("yinling.web.family.chat")

TIMEOUT = httpx.Timeout(30.0, connect=3.0)
MAX_TEXT = 500
APOLOGY = "抱歉，助手现在没有回应。您的话还在输入框里，请点“重试”再发一次。"
# Typed text goes to the assistant as is, except Rasa's "/intent{entities}" shortcut: a bare intent
# name (what a button sends) is fine, entities typed by hand are not.
INTENT_SHORTCUT = re.compile(r"/[a-z_]+")


def _refuse(status: int, code: str, message: str, detail: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "detail": detail}, status_code=status)


def bot_messages(raw: list) -> tuple[list[dict], list[dict]]:
    """Rasa's REST answer → (messages with text and buttons for the widget, custom events)."""
    messages, events = [], []
    for item in raw:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("custom"), dict) and item["custom"].get("action"):
            events.append(item["custom"])
        if item.get("text"):
            buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload") or b.get("title", ""))}
                       for b in item.get("buttons") or [] if isinstance(b, dict) and b.get("title")]
            messages.append({"text": str(item["text"]), "buttons": buttons})
    return messages, events


async def ask_assistant(rasa_url: str, claim_secret: str, person_id: int, text: str) -> list:
    sender = f"family-{person_id}"
    logs.bind(sender)
    claim = claims.sign(claim_secret, conversation_id=sender, channel="chat", person_id=person_id)
    payload = {"sender": sender, "message": text, "metadata": {"channel": "chat", claims.METADATA_KEY: claim}}
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        response = await client.post(f"{rasa_url.rstrip('/')}/webhooks/rest/webhook", json=payload)
        response.raise_for_status()
        answer = response.json()
    if not isinstance(answer, list):
        raise ValueError(f"Rasa answered {type(answer).__name__}, not a list")
    return answer


@router.post("/chat")
async def chat(request: Request):
    person_id = await authenticate_detached(request)  # 401 without a session, 403 without the CSRF header
    try:
        body = await request.json()
    except ValueError:
        body = None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return _refuse(422, "empty_text", "请先输入要说的话。", "body must be JSON {\"text\": non-empty string}")
    text = text.strip()
    if len(text) > MAX_TEXT:
        return _refuse(422, "text_too_long", f"一次最多说{MAX_TEXT}个字。", f"text longer than {MAX_TEXT}")
    if text.startswith("/") and not INTENT_SHORTCUT.fullmatch(text):
        return _refuse(422, "invalid_text", "请直接用文字说。", "intent shortcuts with entities are refused")
    settings = request.app.state.yinling.settings  # read per request: tests start Rasa later
    rasa_url = settings.rasa_url
    try:
        answer = await ask_assistant(rasa_url, settings.claim_secret, person_id, text)
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("assistant at %s failed for person %s: %s: %s", rasa_url, person_id, type(exc).__name__, exc)
        return _refuse(503, "assistant_unavailable", APOLOGY, f"{type(exc).__name__}: {exc}")
    messages, events = bot_messages(answer)
    return {"messages": messages, "events": events}
