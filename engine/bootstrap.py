"""Building an EngineContext from Settings: the one place that creates the database engine."""
from __future__ import annotations

from engine.context import EngineContext
from engine.database import make_engine, make_session_factory
from engine.ports import Clock, NoScheduler, SystemClock, TimerScheduler
from engine.settings import Settings


def build_context(settings: Settings, *, clock: Clock | None = None,
                  scheduler: TimerScheduler | None = None) -> EngineContext:
    if settings.database_url.startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    return EngineContext(session_factory=make_session_factory(engine),
                         clock=clock or SystemClock(), scheduler=scheduler or NoScheduler())
