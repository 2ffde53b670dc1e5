"""Web fixtures: an app on the test database (SQLite and PostgreSQL), demo users, processes deployed.

    def test_something(client, login):
        login("xuly")                      # demo user names: petitions/demo.py
        page = client.get("/tasks/")
        token = csrf(page)                 # the CSRF token of a rendered page
"""
from __future__ import annotations

import re

import pytest

from petitions.demo import DEMO_PASSWORD, seed_demo_users
from tests.bpmn.harness import deploy_processes

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(response) -> str:
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def app(db_url, tmp_path, clock):
    from webapp import create_app
    application = create_app({"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path),
                              "SECRET_KEY": "test-secret", "SECURE_COOKIES": False,
                              "RATELIMIT_ENABLED": "0"})
    application.config["TESTING"] = True
    ctx = application.extensions["petitions"]
    ctx.clock = clock
    seed_demo_users(ctx)
    deploy_processes(ctx)
    yield application
    ctx.close()


@pytest.fixture
def engine_ctx(app):
    return app.extensions["petitions"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    def do_login(username: str, password: str = DEMO_PASSWORD):
        page = client.get("/login")
        response = client.post("/login", data={"username": username, "password": password,
                                               "csrf_token": csrf(page)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response
    return do_login
