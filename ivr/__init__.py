"""The hotline: Twilio voice webhooks, a Media Streams gateway joining the caller's audio to
speech recognition, the Rasa assistant and synthesis, a keypad fallback, and transfer to a person.

Public API:

- ``IvrSettings``                       settings (``IVR_*``), the only reader of the environment
- ``ivr.app.create_ivr_app(settings)``  the IVR as a FastAPI app (webhooks, gateway, browser phone)
- ``ivr.app.attach_ivr(app, settings)`` the same routes and start/stop added to the backend's app

Exceptions (each says when it is raised):

    IvrError
    ├── BadFrame             a Media Streams frame is not JSON or lacks what its event needs
    ├── StreamRefused        the stream's one-time token is missing, unknown, expired or used
    ├── CallStateUnavailable the per-call state shared by the workers (IVR_STATE_URL) did not answer
    ├── AssistantUnavailable the Rasa server did not answer in time or answered with an error
    ├── BackendUnavailable   the backend did not answer in time or answered 5xx
    ├── BackendRefused       the backend answered 4xx (its Chinese message can be read out)
    └── TransferFailed       Twilio refused to redirect the live call to the operator
"""
from ivr.errors import (AssistantUnavailable, BackendRefused, BackendUnavailable, BadFrame, CallStateUnavailable,
                        IvrError, StreamRefused, TransferFailed)
from ivr.settings import IvrSettings

__all__ = ["AssistantUnavailable", "BackendRefused", "BackendUnavailable", "BadFrame", "CallStateUnavailable",
           "IvrError", "IvrSettings",
           "StreamRefused", "TransferFailed"]
