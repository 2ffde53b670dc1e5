"""Test doubles for the engine's ports and database helpers shared by the test packages."""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, text

from engine.accounts.actor import Actor
from engine.context import EngineContext
from petitions.persistence import vault as identity_vault
from petitions.upgrade import upgrade
from petitions.wiring import context_for

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# BPMN gateway flows taken in the session, per process: tests/bpmn/conftest.py adds its own (in
# this process, or, under pytest-xdist, each worker's through tests/conftest.py on the controller),
# tests/conftest.py prints the coverage at the end.
FLOWS_TAKEN: dict[str, set[str]] = {}


# The start of every browser test's skip reason when Chromium is missing (tests/e2e/conftest.py),
# found again in the skipped reports by tests/conftest.py's summary.
BROWSER_SKIPPED = "!!! CHROMIUM NOT INSTALLED — skipping browser tests: "


def merge_flows_taken(taken: dict[str, list[str]]) -> None:
    for process_id, flows in taken.items():
        FLOWS_TAKEN.setdefault(process_id, set()).update(flows)


class FakeClock:
    def __init__(self, start: datetime | None = None):
        self.current = start or datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current


class FakeScheduler:
    def __init__(self):
        self.scheduled: dict[int, datetime] = {}
        self.cancelled: list[int] = []

    def schedule(self, timer_id: int, due_at: datetime) -> None:
        self.scheduled[timer_id] = due_at

    def cancel(self, timer_id: int) -> None:
        self.cancelled.append(timer_id)
        self.scheduled.pop(timer_id, None)


def postgres_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG_URL)


def postgres_available() -> str | None:
    """None when reachable, else the reason (shown loudly in the skip message)."""
    try:
        engine = create_engine(postgres_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as err:  # any failure means: skip, loudly
        return f"{type(err).__name__}: {str(err).splitlines()[0]}"


class PostgresSchema:
    """A throwaway schema on the test server, migrated once; tables truncated between tests."""

    def __init__(self):
        self.name = f"t_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(postgres_url())
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.url = _with_search_path(postgres_url(), self.name)
        upgrade(self.url)

    def reset(self) -> None:
        with self.admin.begin() as conn:
            tables = conn.execute(text(
                "select tablename from pg_tables where schemaname = :s and tablename <> 'alembic_version'"),
                {"s": self.name}).scalars().all()
            if tables:
                joined = ", ".join(f'"{self.name}"."{t}"' for t in tables)
                conn.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))

    def drop(self) -> None:
        with self.admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


class SqliteTemplate:
    """Migrations run once into a template file; each test copies it (fast, and tests Alembic)."""

    def __init__(self, folder: Path):
        self.path = folder / "template.sqlite3"
        upgrade(f"sqlite:///{self.path}")

    def fresh(self, folder: Path) -> str:
        target = folder / f"db-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copy(self.path, target)
        return f"sqlite:///{target}"


def make_context(url: str, clock=None, scheduler=None) -> EngineContext:
    if identity_vault.active() is None:  # senders' identities are encrypted: a throwaway key
        identity_vault.install(identity_vault.Keyring.generate())
    return context_for(url, clock=clock or FakeClock(), scheduler=scheduler or FakeScheduler())


def actor(name: str, *roles: str, unit: str | None = None) -> Actor:
    return Actor(username=name, roles=frozenset(roles), unit=unit)
