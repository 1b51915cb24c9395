"""The hotline: Twilio voice webhooks, a Media Streams gateway joining the caller's audio to
speech recognition, the Rasa assistant and synthesis, a keypad fallback, and transfer to a person.

Public API:

- ``IvrSettings``                       settings (``IVR_*``), the only reader of the environment
- ``create_ivr_app(settings, ...)``     the IVR as a FastAPI app (webhooks, gateway, browser phone)
- ``ivr_router(services)``, ``IvrServices``   the same routes to mount beside the backend

Exceptions (each says when it is raised):

    IvrError
    ├── BadFrame             a Media Streams frame is not JSON or lacks what its event needs
    ├── StreamRefused        the stream's one-time token is missing, unknown, expired or used
    ├── AssistantUnavailable the Rasa server did not answer in time or answered with an error
    ├── BackendUnavailable   the backend did not answer in time or answered 5xx
    ├── BackendRefused       the backend answered 4xx (its Chinese message can be read out)
    └── TransferFailed       Twilio refused to redirect the live call to the operator
"""
from ivr.errors import AssistantUnavailable, BackendRefused, BackendUnavailable, BadFrame, IvrError, StreamRefused, TransferFailed
from ivr.settings import IvrSettings


def create_ivr_app(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - re-exported lazily, see ivr.app
    """See ``ivr.app.create_ivr_app``; imported lazily so importing ``ivr`` loads no web stack."""
    from ivr.app import create_ivr_app as factory

    return factory(*args, **kwargs)


__all__ = ["AssistantUnavailable", "BackendRefused", "BackendUnavailable", "BadFrame", "IvrError", "IvrSettings", "StreamRefused",
           "TransferFailed", "create_ivr_app"]
