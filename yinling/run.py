"""`make run`: prepare the embedded database, seed demo data on first start, serve, print URLs."""
from __future__ import annotations

import uvicorn
from prometheus_client import REGISTRY

from backend.api.state import AppState
from backend.core.backlog import BacklogCollector
from backend.core.bootstrap import prepare_database, seed_demo
from backend.core.config import Settings, get_settings
from backend.demo import DEMO_FAMILY_PASSWORD, DEMO_OPERATORS, DEMO_PARTNER, DEMO_VOLUNTEER, PEOPLE
from ivr.settings import IvrSettings
from observe import logs, metrics
from yinling.app import assemble


PHONE = {"local": "/ivr/phone    (a demo call without Twilio, from this machine only)",
         "operators": "/console/phone (operators, as a number of their scope)"}


def _phone_of(key: str) -> str:
    return next(p.phone for p in PEOPLE if p.key == key)


def banner(settings: Settings, browser_phone: str = "off", metrics_url: str | None = None) -> str:
    base = settings.base_url
    phone = [f"  browser phone        {base}{PHONE[browser_phone]}"] if browser_phone in PHONE else []
    phone += [f"  metrics (Prometheus) {metrics_url}"] if metrics_url else []
    lines = [
        "",
        "Yinling 银龄 is running:",
        f"  API + OpenAPI page   {base}/docs",
        f"  health               {base}/health   (proxies: {base}/readyz, {base}/livez)",
        f"  operator console     {base}/console   (log in with a demo operator below)",
        f"  family chat          {base}/family    (log in with the demo family member below)",
        f"  volunteer pages      {base}/volunteer (log in with the demo volunteer below)",
        *phone,
        f"  Twilio voice webhook {base}/ivr/voice   (set IVR_PUBLIC_URL to the address Twilio sees)",
        "  service token        (YINLING_SERVICE_TOKENS) for the bot and IVR",
        "  demo operator logins (console, or POST /api/v1/auth/login):",
        *[f"    {u} / {p}  ({name})" for u, p, name, _role, _st in DEMO_OPERATORS],
        f"  demo family login    {PEOPLE[6].phone} / {DEMO_FAMILY_PASSWORD}",
        f"  demo volunteer login {_phone_of(DEMO_VOLUNTEER[0])} / {DEMO_VOLUNTEER[1]}",
        f"  mall partner page    {base}/partner   ({DEMO_PARTNER[0]} / {DEMO_PARTNER[1]})",
        "",
    ]
    return "\n".join(lines)


def start_metrics(settings: Settings, state: AppState) -> str | None:
    """The Prometheus listener (observe.metrics) with the database backlog, if YINLING_METRICS_PORT is set."""
    if not settings.metrics_port:
        return None
    REGISTRY.register(BacklogCollector(state, settings.bot_outbox))
    metrics.serve(settings.metrics_host, settings.metrics_port)
    return f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"


def serve() -> None:
    settings = get_settings()
    logs.configure(settings.log_format)
    state = AppState.from_settings(settings)
    prepare_database(state)
    if seed_demo(state):
        print("demo data seeded into", state.engine.url.render_as_string(hide_password=True))
    ivr_settings = IvrSettings()
    metrics_url = start_metrics(settings, state)
    print(banner(settings, ivr_settings.browser_phone, metrics_url), flush=True)
    uvicorn.run(assemble(state, ivr_settings), host=settings.host, port=settings.port, log_level="info",
                log_config=None)  # observe.logs' handler: every line names its call


if __name__ == "__main__":
    serve()
