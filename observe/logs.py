"""Log lines that say which call or conversation they belong to.

``conversation`` is a context variable: the hotline sets it to the call SID when a stream starts or a
webhook names a call, the family chat proxy and the action server to the Rasa conversation id. Every
task started afterwards inherits it, so each line logged for that call carries it, whoever logs it.
``configure(fmt)`` installs one root handler whose lines carry it: ``text`` (default) or ``json`` (one
object per line: ``ts``, ``level``, ``logger``, ``conversation``, ``message``), for a log shipper.
Standard library only: the bot environment imports it too.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import datetime, timezone

conversation: contextvars.ContextVar[str] = contextvars.ContextVar("conversation", default="-")
PHONE = re.compile(r"(?:\+|%2B)?\d{11,15}")  # a mainland mobile is 11 digits, with +86 13
HEALTH_CHECK = re.compile(r'"GET /(?:readyz|livez) ')
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(conversation)s] %(message)s"


def bind(conversation_id: str | None) -> None:
    """Name the call/conversation of everything logged from here on in this task (and its children)."""
    conversation.set((conversation_id or "-")[:64])


class ConversationFilter(logging.Filter):
    """Adds ``record.conversation`` (``-`` outside any call) to every record a handler sees, and masks
    anything shaped like a phone number (an access line of ``/persons/by-phone/+86…``, an HTTP client's
    URL): logs name calls, not callers."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "conversation"):
            record.conversation = conversation.get()
        message = record.getMessage()
        masked = PHONE.sub("[number]", message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class QuietHealthChecks(logging.Filter):
    """Drops the access lines of the proxy's health checks (every worker is asked every second)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "uvicorn.access" and HEALTH_CHECK.search(record.getMessage()))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name,
                "conversation": getattr(record, "conversation", conversation.get()), "message": record.getMessage()}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(fmt: str = "text", level: int = logging.INFO) -> logging.Handler:
    """One handler on the root logger (others removed); every logger that propagates goes through it."""
    if fmt not in ("text", "json"):
        raise ValueError(f"log format is text or json, not {fmt!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(QuietHealthChecks())
    handler.addFilter(ConversationFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # uvicorn's own handlers would skip ours
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    return handler
