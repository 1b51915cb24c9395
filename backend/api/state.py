"""What the app holds for its lifetime: settings, engine, session factory, active policy."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.core.config import Settings
from backend.core.db import make_engine, make_session_factory
from backend.policy import PolicyProfile, load_profile


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    policy: PolicyProfile

    @classmethod
    def from_settings(cls, settings: Settings) -> "AppState":
        policy = load_profile(settings.policy)  # a malformed profile stops start-up with a clear error
        engine = make_engine(settings.database_url)
        return cls(settings=settings, engine=engine, sessions=make_session_factory(engine), policy=policy)
