"""POST /family/api/chat: the widget's one way to the assistant (the Rasa REST channel); GET
/family/api/chat/history: the member's open conversation (the page shows it after a reload); POST
/family/api/chat/restart: 重新开始 (the assistant drops any half-finished form; the next message starts
a new conversation).

Every message is kept (``backend.chats.records``) for the member's history and for operators' review.
The server, not the browser, decides whose identity the assistant sees: the sender id is the chat's
conversation id (``family-<person id>-<random>``) and the metadata carries a signed, short-lived claim (trust/claims.py) of
that person, bound to that sender id, made from the login session with ``YINLING_CLAIM_SECRET``;
the action server believes nothing else (bot/actions/common.py ``verified_caller``). The database is not held while Rasa
answers (its actions call back into this app). Rasa down, slow or answering nonsense → 503 with a
Chinese apology; the widget keeps the words in the input box and offers a retry.
"""
from __future__ import annotations

import logging
import re

from datetime import datetime, timezone

import httpx
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from backend.chats import records
from backend.core.db import unit_of_work
from backend.core.text import clean
from backend.models import Chat
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


async def ask_assistant(rasa_url: str, claim_secret: str, person_id: int, text: str, sender: str) -> list:
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
    label = body.get("label") if isinstance(body.get("label"), str) else ""
    shown = clean(label)[:50] if text.startswith("/") and label.strip() else clean(text)
    state = request.app.state.yinling
    settings = state.settings  # read per request: tests start Rasa later
    rasa_url = settings.rasa_url
    chat_id, sender = await run_in_threadpool(_said, state, person_id, shown)
    try:
        answer = await ask_assistant(rasa_url, settings.claim_secret, person_id, text, sender)
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("assistant at %s failed for person %s: %s: %s", rasa_url, person_id, type(exc).__name__, exc)
        return _refuse(503, "assistant_unavailable", APOLOGY, f"{type(exc).__name__}: {exc}")
    messages, events = bot_messages(answer)
    order_ids = _ids(events, "order_created", "order_id")
    entry_seqs = _ids(events, "gift_made", "entry_id")
    await run_in_threadpool(_answered, state, chat_id, [m["text"] for m in messages], order_ids, entry_seqs)
    return {"messages": messages, "events": events}


def _said(state, person_id: int, text: str) -> tuple[int, str]:
    """Stores the member's words in their open chat (a new one if none); its id and conversation id."""
    with unit_of_work(state.sessions) as session:
        chat = records.current_or_new(session, person_id, _now())
        records.add(session, chat, records.MEMBER, text, now=_now())
        return chat.id, chat.conversation_id


def _ids(events: list[dict], action: str, key: str) -> list[int]:
    """The ids the assistant reported with ``action`` (record_answer checks each before linking it)."""
    return [int(e[key]) for e in events if e.get("action") == action and str(e.get(key, "")).isdigit()]


def _answered(state, chat_id: int, texts: list[str], order_ids: list[int], entry_seqs: list[int]) -> None:
    with unit_of_work(state.sessions) as session:
        records.record_answer(session, session.get(Chat, chat_id), texts, order_ids, now=_now(),
                              entry_seqs=entry_seqs)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _history(state, person_id: int) -> dict:
    with unit_of_work(state.sessions) as session:
        chat = records.current(session, person_id, _now())
        if chat is None:
            return {"chat_id": None, "messages": []}
        shown = [{"speaker": m.speaker, "text": m.text} for m in records.messages(session, chat.id) if m.kind == "text"]
        return {"chat_id": chat.id, "messages": shown}


@router.get("/chat/history")
async def history(request: Request):
    """The member's open conversation, oldest first (empty after 重新开始 or a long pause)."""
    person_id = await authenticate_detached(request)
    return await run_in_threadpool(_history, request.app.state.yinling, person_id)


def _restart(state, person_id: int) -> str | None:
    with unit_of_work(state.sessions) as session:
        chat = records.current(session, person_id, _now())
        if chat is None:
            return None
        records.end(session, chat, "restart", _now())
        return chat.conversation_id


@router.post("/chat/restart")
async def restart(request: Request):
    """重新开始: ends the member's chat, and tells the assistant to restart that conversation (Rasa's
    restart: the tracker is reset, any form it was filling is gone). Pressing it twice is harmless."""
    person_id = await authenticate_detached(request)
    state = request.app.state.yinling
    sender = await run_in_threadpool(_restart, state, person_id)
    if sender is not None:
        try:
            await ask_assistant(state.settings.rasa_url, state.settings.claim_secret, person_id, "/restart", sender)
        except (httpx.HTTPError, ValueError) as exc:  # the chat is ended anyway: the next message starts afresh
            log.warning("assistant restart of %s failed: %s: %s", sender, type(exc).__name__, exc)
    return {"restarted": sender is not None}
