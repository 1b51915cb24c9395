"""Helpers for the console tests of calls, people, registrations, family links and the audit trail:
log in (browser or plain HTTP), make people and calls through the backend's own functions on the
web app's database, write a call recording where the IVR would, read the audit trail back."""
from __future__ import annotations

import re
import secrets
import wave
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import select

from backend.api.schemas.calls import CallCreate, CallUpdate, EventCreate, TurnCreate
from backend.calls import records
from backend.core.clock import local_today
from backend.core.db import unit_of_work
from backend.models import AuditEntry, Call, Station
from backend.people import registry
from web.console import call_audio

PASSWORDS = {"city_admin": "yinling-demo-1", "hunan_road": "yinling-demo-2", "xuanwu_street": "yinling-demo-3"}
SECRET = "test-secret-key-0123456789"  # tests/backend/conftest.make_state's key
HUNAN, XUANWU = "湖南路社区", "玄武门社区"


def unique_phone() -> str:
    return f"+86137{secrets.randbelow(10**8):08d}"


def station_id(state, name: str) -> int:
    with unit_of_work(state.sessions) as session:
        return session.scalar(select(Station.id).where(Station.name == name))


def login(page, url: str, username: str) -> None:
    """Log in through the real form and wait for the dashboard."""
    page.goto(url + "/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/$"))


def csrf_of(page) -> str:
    return page.get_attribute("meta[name=csrf-token]", "content")


@dataclass
class Console:
    """A logged-in console as a plain HTTP client (cookies kept), with the session's CSRF token."""

    client: httpx.Client
    csrf: str

    def get(self, path: str, **kw) -> httpx.Response:
        return self.client.get(path, headers={"accept": "text/html"}, **kw)

    def post(self, path: str, form: dict) -> httpx.Response:
        return self.client.post(path, data={"csrf_token": self.csrf, **form}, headers={"accept": "text/html"})


def http_console(url: str, username: str) -> Console:
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
    form = client.get("/console/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post("/console/login", data={"username": username, "password": PASSWORDS[username],
                                                 "csrf_token": token, "next": "/console/"})
    assert answer.status_code == 303, answer.text
    home = client.get("/console/").text
    return Console(client, re.search(r'name="csrf-token" content="([^"]+)"', home).group(1))


def new_person(state, station_name: str, *, name: str, roles=("elder",), age: int = 78, id_serial: int | None = None):
    """A verified person at a named station; returns (id, phone, ID number or None)."""
    today = local_today(state.settings.timezone)
    born = date(today.year - age, 3, 15)
    id_number = None
    if id_serial is not None:
        from backend.demo import demo_id_number
        id_number = demo_id_number("320106", born, f"{id_serial % 1000:03d}")
    with unit_of_work(state.sessions) as session:
        new = registry.NewPerson(name=name, phone=unique_phone(), birth_date=born, roles=list(roles),
                                 station_id=session.scalar(select(Station.id).where(Station.name == station_name)),
                                 id_number=id_number, address="鼓楼区湖南路1号", lat=32.066, lon=118.781,
                                 status="verified")
        person = registry.register_person(session, new, policy=state.policy, secret_key=SECRET, today=today)
        return person.id, person.phone, id_number


def make_call(state, phone: str | None, *, turns=(), events=(), started: datetime | None = None,
              status: str = "completed", duration_s: int = 42, placeless: bool = False) -> str:
    """A finished call with turns and events, written through the records service as the IVR would."""
    sid = "CAtest" + secrets.token_hex(8)
    started = started or datetime.now(timezone.utc) - timedelta(minutes=5)
    with unit_of_work(state.sessions) as session:
        call = records.open_call(session, CallCreate(call_sid=sid, caller_phone=phone, started_at=started))
        for turn in turns:
            records.add_turn(session, call, TurnCreate(**turn))
        for event in events:
            records.add_event(session, call, EventCreate(**event))
        records.update_call(session, call, CallUpdate(status=status, duration_s=duration_s, end_reason="来电人挂机",
                                                      ended_at=started + timedelta(seconds=duration_s)))
        if placeless:
            call.station_id = None
    return sid


def call_row(state, sid: str) -> Call:
    with unit_of_work(state.sessions) as session:
        return session.scalar(select(Call).where(Call.call_sid == sid))


def write_recording(sid: str, seconds: float, rate: int = 8000) -> Path:
    """A stereo 16-bit WAV named as the IVR's CallRecorder names it: a tone left, silence right."""
    path = call_audio.recording_path(sid)
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * rate)) / rate
    left = (8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    stereo = np.empty(2 * len(left), dtype="<i2")
    stereo[0::2], stereo[1::2] = left, 0
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(stereo.tobytes())
    return path


def audit_for(state, target: str) -> list[AuditEntry]:
    with unit_of_work(state.sessions) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.target == target).order_by(AuditEntry.id)))


def operator_id(state, username: str) -> int:
    from backend.models import Operator
    with unit_of_work(state.sessions) as session:
        return session.scalar(select(Operator.id).where(Operator.username == username))
