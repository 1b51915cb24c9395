"""IVR test fixtures: a real backend (uvicorn, SQLite) with people to call from, a real
synthesiser, the IVR app served by uvicorn, the Twilio REST simulator, and (when the bot is
trained) real Rasa and action servers."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Callable

import httpx
import pytest

from backend.api.app import create_app
from backend.core.db import unit_of_work
from ivr.app import create_ivr_app
from ivr.assistant import Assistant, RasaAssistant
from ivr.backend_client import BackendClient
from ivr.gather_store import GatherCallStore
from ivr.services import IvrServices
from ivr.settings import IvrSettings
from ivr.tokens import stream_tokens
from ivr.transfer import Transferrer
from speech import ModelUnavailable, Synthesiser
from speech.grammars import YES_NO_CN
from tests import factories
from tests.backend.conftest import SERVICE_TOKEN, make_state
from tests.ivr.servers import CLAIM_SECRET, RasaProcesses, ServerThread, rasa_ready
from tests.ivr.simulator import TwilioRestSimulator
from tests.speech import factories as speech_factories
from tests.availability import unavailable

AUTH_TOKEN = "test-twilio-auth-token-0123456789"
ACCOUNT_SID = "AC" + "0" * 32
PUBLIC_URL = "https://hotline.example.org"
OPERATOR_PHONE = "+862584110000"  # the street station's on-duty number in factories.station_tree


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Backend:
    url: str
    state: object
    stations: dict[str, int]
    new_elder: Callable[..., object]


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory):
    state = make_state(f"sqlite:///{tmp_path_factory.mktemp('ivr-backend') / 'yinling.db'}")
    with unit_of_work(state.sessions) as session:
        stations = factories.station_tree(session)

    def new_elder(**extra):
        """A registered elder at the street station, with a phone number of their own."""
        with unit_of_work(state.sessions) as session:
            person = factories.person(session, state.policy, stations["comm_a"], **extra)
            return {"id": person.id, "phone": person.phone}

    with ServerThread(create_app(state=state), "backend") as server:
        yield Backend(server.url, state, stations, new_elder)
    state.engine.dispose()


@pytest.fixture(scope="session")
def speech_settings():
    return speech_factories.settings(synth_workers=1)


@pytest.fixture(scope="session")
def synthesiser(speech_settings) -> Synthesiser:
    synth = Synthesiser(speech_settings)
    synth.start()
    yield synth
    synth.close()


@pytest.fixture(scope="session")
def rasa(backend, tmp_path_factory):
    reason = rasa_ready()
    if reason:
        unavailable(reason)
    with RasaProcesses(backend.url, SERVICE_TOKEN, tmp_path_factory.mktemp("rasa")) as processes:
        yield processes


def ivr_settings(backend_url: str, **overrides) -> IvrSettings:
    values = dict(public_url=PUBLIC_URL, twilio_auth_token=AUTH_TOKEN, twilio_account_sid=ACCOUNT_SID,
                  backend_url=backend_url, service_token=SERVICE_TOKEN, claim_secret=CLAIM_SECRET,
                  rasa_url="http://127.0.0.1:9", browser_phone="local",
                  operator_fallback_number="+862500000000", silence_reprompt_s=2.0, assistant_timeout_s=30)
    values.update(overrides)
    return IvrSettings(_env_file=None, **values)


def no_recognition(_profile):
    raise ModelUnavailable("test: no model")


@dataclass
class Hotline:
    """A running IVR app and what the tests look at."""

    url: str
    ws_url: str
    services: IvrServices
    twilio: TwilioRestSimulator
    http: httpx.AsyncClient


@pytest.fixture
def hotline_factory(backend, synthesiser, speech_settings):
    """Start an IVR app on the given parts: ``async with hotline_factory(...) as line``. ``gather_calls``: a
    gather-call store to share with another hotline (two workers), else the one the settings name."""
    import contextlib

    @contextlib.asynccontextmanager
    async def start(*, assistant: Assistant | None = None, open_recogniser=no_recognition,
                    confirm_grammar: tuple[str, ...] = YES_NO_CN, gather_calls: GatherCallStore | None = None,
                    **settings_overrides) -> AsyncIterator[Hotline]:
        settings = ivr_settings(backend.url, **settings_overrides)
        twilio = TwilioRestSimulator(ACCOUNT_SID, AUTH_TOKEN)
        services = IvrServices(
            settings=settings, speech_settings=speech_settings, tokens=stream_tokens(settings.state_url, settings.stream_token_ttl_s),
            backend=BackendClient(settings), assistant=assistant or RasaAssistant(settings),
            transferrer=Transferrer(settings, http_client=twilio), speaker=synthesiser,
            open_recogniser=open_recogniser, confirm_grammar=confirm_grammar, gather_calls=gather_calls)
        with ServerThread(create_ivr_app(services=services), "ivr") as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                yield Hotline(server.url, f"ws://127.0.0.1:{server.port}/ivr/stream", services, twilio, http)

    return start


def call_record(backend: Backend, call_sid: str) -> dict:
    """The call as an operator at the city station sees it (GET /api/v1/calls/{sid} over HTTP)."""
    from backend.models import Operator
    with unit_of_work(backend.state.sessions) as session:
        if session.query(Operator).filter_by(username="ivr-city").first() is None:
            factories.operator(session, backend.stations["city"], "ivr-city")
    login = httpx.post(f"{backend.url}/api/v1/auth/login", json={"username": "ivr-city", "password": "pw-123456"})
    assert login.status_code == 200, login.text
    response = httpx.get(f"{backend.url}/api/v1/calls/{call_sid}",
                         headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert response.status_code == 200, response.text
    return response.json()


async def place_call(line: Hotline, caller: str, call_sid: str, **stream_options):
    """Twilio's side of an incoming call: the signed voice webhook, then the stream it asks for."""
    from tests.ivr.simulator import SimulatedStream, post_webhook, stream_parameters
    answer = await post_webhook(line.http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice",
                                {"CallSid": call_sid, "From": caller, "To": "+862568712349", "AccountSid": ACCOUNT_SID})
    assert answer.status_code == 200, answer.text
    stream = SimulatedStream(line.ws_url, call_sid, stream_parameters(answer.text), **stream_options)
    await stream.connect()
    return stream


@pytest.fixture(scope="session")
def vosk(speech_settings):
    """The real recogniser with the Korean test model (the audio path; no Mandarin model here)."""
    from speech import RecognitionService, SpeechMode
    service = RecognitionService(speech_settings)
    assert service.start() is SpeechMode.VOICE
    yield service
    service.close()
