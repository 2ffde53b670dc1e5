"""Database engine creation and column types shared by the models.

SQLite is the embedded default and PostgreSQL the production database. Both get the same
guarantees: on SQLite every write transaction starts with ``BEGIN IMMEDIATE`` (writers queue on the
busy timeout instead of failing mid-transaction); on PostgreSQL instance rows are locked with
``SELECT ... FOR UPDATE``; on both a version column refuses a stale write.
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import DateTime, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_S = 30


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator):
    """Stores UTC, returns offset-aware UTC datetimes on every backend (SQLite drops offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an offset-aware value")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the SQLAlchemy engine for ``url`` with the backend-specific transaction settings."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, echo=echo)
    _ping_idle_connections(engine)
    return engine


# A connection used this recently is taken as alive: a ping on every checkout is a round trip per
# unit of work (about 5 % of a task completion, bench/README.md). One idle for longer is pinged
# first and silently replaced if the server dropped it (a restart, an idle timeout on the way).
PING_AFTER_IDLE_S = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as err:  # any failure: the pool retries with a fresh connection
            raise DisconnectionError(f"stale connection: {err}") from err
        if alive is False:
            raise DisconnectionError("stale connection")


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling begins transactions lazily (only before DML), so a
    # read-then-write unit of work would read outside its transaction. Take control of BEGIN
    # (the recipe in SQLAlchemy's SQLite dialect docs) and make write units start IMMEDIATE.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get("petitions_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# Data files hold identities: nobody but the service account reads them (security issue §4).
PRIVATE_UMASK = 0o077
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def private_umask() -> None:
    """Files and folders this process creates from now on are 0600/0700 (called at the start of
    the CLI, the web app factory and the worker)."""
    os.umask(PRIVATE_UMASK)


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///") or url.startswith("sqlite:///:memory:"):
        return None
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0])


def make_private(path: Path) -> None:
    """Remove group and other bits from an existing file or folder (made by an older version)."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return
    if mode & 0o077:
        os.chmod(path, mode & 0o700)


def secure_sqlite_files(url: str) -> None:
    """The SQLite database and its WAL/SHM/journal files: 0600. (SQLite gives the -wal and -shm
    files the database file's mode, so a private database keeps them private.)"""
    path = sqlite_path(url)
    if path is not None:
        for suffix in SQLITE_SUFFIXES:
            make_private(path.with_name(path.name + suffix))


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
