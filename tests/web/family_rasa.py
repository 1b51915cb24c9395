"""The real assistant for the family chat tests: the Rasa server and action server (tests/ivr/servers.py)
started once per session against the web app, whose chat proxy is then pointed at it.

tests/web/conftest.py makes it the one fixture of the session: a module asks for it by name (importing
it into the module would give that module a Rasa server of its own)."""
from __future__ import annotations

import pytest

from tests.ivr.servers import RasaProcesses, rasa_ready
from tests.availability import unavailable


@pytest.fixture(scope="session")
def family_rasa(web_app, tmp_path_factory):
    """Rasa (1–5 min to load here) calling back into the web app's API with its service token."""
    reason = rasa_ready()
    if reason:
        unavailable(reason)
    with RasaProcesses(web_app.url, web_app.service_token, tmp_path_factory.mktemp("family-rasa")) as rasa:
        before = web_app.state.settings
        web_app.state.settings = before.model_copy(update={"rasa_url": rasa.url})  # the proxy reads it per request
        try:
            yield rasa
        finally:
            web_app.state.settings = before
