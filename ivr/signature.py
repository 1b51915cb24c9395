"""Checking ``X-Twilio-Signature`` with the official ``RequestValidator``.

The URL signed is the one Twilio requested, which behind a proxy is not the one the request
arrived on; so we rebuild it from the configured public URL plus the path and query string.
"""
from __future__ import annotations

import logging

from starlette.datastructures import FormData
from starlette.requests import Request
from twilio.request_validator import RequestValidator

from ivr.settings import IvrSettings

log = logging.getLogger(__name__)


def public_request_url(request: Request, settings: IvrSettings) -> str:
    query = request.url.query
    return f"{settings.public_url}{request.url.path}{'?' + query if query else ''}"


async def verified_form(request: Request, settings: IvrSettings) -> FormData | None:
    """The webhook's form parameters if Twilio signed them, else None (the caller answers 403)."""
    signature = request.headers.get("X-Twilio-Signature")
    if not settings.twilio_auth_token:
        log.warning("ivr: refused a webhook: IVR_TWILIO_AUTH_TOKEN is not set")
        return None
    if not signature:
        return None
    form = await request.form()
    validator = RequestValidator(settings.twilio_auth_token)
    if not validator.validate(public_request_url(request, settings), form, signature):
        log.warning("ivr: refused a webhook with a wrong signature for %s", request.url.path)
        return None
    return form
