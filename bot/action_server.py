"""The action server as Yinling runs it: rasa_sdk's Sanic app with bot.actions, on loopback by
default, answering only the Rasa server.

Every request but ``GET /health`` must carry ``Authorization: Bearer <YINLING_ACTION_TOKEN>``
(bot/endpoints.yml sends it from the same variable); anything else gets 401 before an action runs,
so a tracker forged by someone who can reach the port runs nothing. CORS is off: no browser has
any business here. Run: ``.venv-bot/bin/python -m bot.action_server --port 5055 [--host 127.0.0.1]``.
"""
from __future__ import annotations

import argparse
import hmac

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

from bot.actions.settings import BotSettings
from observe import logs

OPEN_PATHS = frozenset({"/health"})


def require_token(app: Sanic, token: str) -> None:
    """Refuse (401) every request to ``app`` without the bearer token, except the health check."""
    expected = f"Bearer {token}".encode()

    async def check(request: Request):
        if request.path in OPEN_PATHS:
            return None
        sent = request.headers.get("authorization", "").encode()
        if not token or not hmac.compare_digest(sent, expected):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    app.register_middleware(check, "request")


def name_the_conversation(app: Sanic) -> None:
    """Every line logged while an action runs names its conversation (the tracker's sender id)."""

    async def bind(request: Request):
        try:
            body = request.json if request.method == "POST" else None
        except Exception:  # noqa: BLE001 - malformed JSON: rasa_sdk answers it; nothing to name
            body = None
        if isinstance(body, dict):
            tracker = body.get("tracker") if isinstance(body.get("tracker"), dict) else {}
            sender = body.get("sender_id") or tracker.get("sender_id")
            logs.bind(str(sender) if sender else None)
        return None

    app.register_middleware(bind, "request")


def build_app(settings: BotSettings) -> Sanic:
    app = create_app("bot.actions", cors_origins=None)
    require_token(app, settings.action_token)
    name_the_conversation(app)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Yinling's action server (bot.actions)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    parser.add_argument("-p", "--port", type=int, default=5055)
    args = parser.parse_args(argv)
    settings = BotSettings.from_env()
    logs.configure(settings.log_format)
    app = build_app(settings)
    app.run(host=args.host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
