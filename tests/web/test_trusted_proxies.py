"""TRUSTED_PROXIES: behind N reverse proxies the client address comes from X-Forwarded-For, so
each citizen gets their own login throttle and rate-limit bucket; with 0 the header is ignored."""
from __future__ import annotations

import pytest

from engine.accounts import logins
from engine.accounts.models import LoginFailure
from petitions.demo import DEMO_PASSWORD, seed_demo_users
from tests.web.conftest import csrf


def _app(db_url, tmp_path, proxies: str, rate_limit: str):
    from webapp import create_app
    application = create_app({"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path),
                              "SECRET_KEY": "test-secret", "SECURE_COOKIES": False,
                              "RATELIMIT_ENABLED": rate_limit, "TRUSTED_PROXIES": proxies})
    application.config["TESTING"] = True
    seed_demo_users(application.extensions["petitions"])
    return application


@pytest.fixture
def make_app(db_url, tmp_path):
    made = []

    def make(proxies: str, rate_limit: str = "0"):
        made.append(_app(db_url, tmp_path, proxies, rate_limit))
        return made[-1]
    yield make
    for application in made:
        application.extensions["petitions"].close()


def _attempt(client, username, password, forwarded_for):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(page)},
                       headers={"X-Forwarded-For": forwarded_for},
                       environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code  # the proxy


@pytest.mark.parametrize("proxies", ["1", "0"])
def test_the_login_throttle_keys_on_the_forwarded_address_only_behind_a_trusted_proxy(
        make_app, proxies):
    app = make_app(proxies)
    client = app.test_client()
    free = logins.ADDRESS_POLICY.free
    codes = [_attempt(client, f"ten-{i}", "sai", "198.51.100.7") for i in range(free)]
    assert codes == [401] * (free - 1) + [429]
    other_citizen = _attempt(client, "xuly", DEMO_PASSWORD, "198.51.100.8")
    with app.extensions["petitions"].uow(write=False) as uow:
        subjects = {row.subject for row in uow.session.query(LoginFailure)
                    if row.subject.startswith("ip:")}
    if proxies == "1":
        assert other_citizen == 302
        assert subjects == {"ip:198.51.100.7"}
    else:  # the header is the client's own claim: ignored, everyone is the proxy
        assert other_citizen == 429
        assert subjects == {"ip:10.0.0.1"}


@pytest.mark.parametrize("proxies", ["1", "0"])
def test_the_rate_limit_gives_each_forwarded_client_its_own_bucket(make_app, proxies):
    client = make_app(proxies, rate_limit="1").test_client()
    first = f"203.0.113.{10 + int(proxies)}"
    codes = [_attempt(client, f"khach-{proxies}-{i}", "sai", first) for i in range(11)]
    assert codes == [401] * 10 + [429]  # "10 per minute" on POST /login
    second = _attempt(client, f"khach-{proxies}-x", "sai", f"203.0.113.{20 + int(proxies)}")
    assert second == (401 if proxies == "1" else 429)
