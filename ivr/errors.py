"""IVR errors; the tree and when each is raised is drawn in the package docstring. Library
errors (httpx, twilio, json) are translated into these at the boundary."""
from __future__ import annotations


class IvrError(Exception):
    """Base of every IVR error."""


class BadFrame(IvrError):
    """A Media Streams frame is not JSON, not an object, or lacks what its event needs."""


class StreamRefused(IvrError):
    """The stream's one-time token is missing, unknown, expired or already used."""


class CallStateUnavailable(IvrError):
    """The store of per-call state shared by the hotline's workers (``IVR_STATE_URL``) did not answer."""


class AssistantUnavailable(IvrError):
    """The Rasa server did not answer in time or answered with an error."""


class BackendUnavailable(IvrError):
    """The backend did not answer in time or answered with a server error."""


class BackendRefused(IvrError):
    """The backend answered 4xx; ``message`` is its short Chinese sentence for the caller."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"backend refused ({status} {code}): {message}")
        self.status, self.code, self.message = status, code, message


class TransferFailed(IvrError):
    """Twilio refused to redirect the live call (or no operator number is known)."""
