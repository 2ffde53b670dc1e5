"""Connections the PostgreSQL server dropped (restart, idle timeout): replaced, or a clear error.

The pool pings a connection only after it sat idle (engine/persistence/database.py), not on every checkout.
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from engine.definitions import deployment
from engine.persistence import database
from engine.running import instances
from tests.support import FIXTURES, make_context, postgres_url

REVIEW = FIXTURES / "engine" / "review_loop.bpmn"


@pytest.fixture
def pg_ctx(pg_schema, clock, scheduler):
    pg_schema.reset()
    context = make_context(pg_schema.url, clock, scheduler)
    yield context
    context.close()


def backend_pid(ctx) -> int:
    with ctx.uow(write=False) as uow:
        return uow.session.execute(text("select pg_backend_pid()")).scalar_one()


def terminate(pid: int) -> None:
    admin = create_engine(postgres_url())
    with admin.begin() as conn:
        assert conn.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced(pg_ctx, monkeypatch):
    deployment.deploy(pg_ctx, {REVIEW.name: REVIEW.read_bytes()}, actor="admin")
    first = backend_pid(pg_ctx)
    terminate(first)
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.0)  # every checkout counts as idle
    started = instances.start(pg_ctx, "review_loop", actor="an")  # no error reaches the caller
    assert started["status"] == "waiting"
    assert backend_pid(pg_ctx) != first


def test_a_busy_connection_dropped_gives_an_error_then_heals(pg_ctx):
    deployment.deploy(pg_ctx, {REVIEW.name: REVIEW.read_bytes()}, actor="admin")
    first = backend_pid(pg_ctx)
    terminate(first)
    with pytest.raises(DBAPIError) as info:  # used a moment ago: not pinged, the command fails
        instances.start(pg_ctx, "review_loop", actor="an")
    assert info.value.connection_invalidated
    assert instances.start(pg_ctx, "review_loop", actor="an")["status"] == "waiting"
    with pg_ctx.uow(write=False) as uow:  # the failed start wrote nothing
        assert uow.session.execute(text("select count(*) from process_instances")).scalar() == 1
