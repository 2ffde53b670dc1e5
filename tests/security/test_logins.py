"""Login throttling per account and per address (without Flask-Limiter, which the app fixture
turns off) and password strength (zxcvbn, NIST SP 800-63B)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.accounts import logins, users
from engine.accounts.models import LoginFailure, User
from engine.errors import InvalidInput
from petitions.demo import DEMO_PASSWORD
from petitions_cli.main import cli
from tests.web.conftest import app, client, csrf, engine_ctx, login  # noqa: F401  (fixtures)

STRONG = "ngựa-vằn-ăn-cỏ-lúc-bình-minh"


def _attempt(client, username, password, address="127.0.0.1"):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(page)},
                       environ_base={"REMOTE_ADDR": address})


def test_an_account_is_throttled_with_growing_waits_from_any_address(client, clock):
    free = logins.ACCOUNT_POLICY.free
    codes = [_attempt(client, "xuly", "sai-mat-khau", f"127.0.0.{i + 2}").status_code
             for i in range(free)]
    # A fresh address (127.0.0.2, .3, …) gives no fresh attempts: the account counts.
    assert codes == [401] * (free - 1) + [429]
    refused = _attempt(client, "xuly", DEMO_PASSWORD, "10.9.9.9")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429, "the right password during the back-off is refused too"
    assert "thử lại sau" in text and "quá nhiều lần" in text
    assert int(refused.headers["Retry-After"]) == 31
    clock.advance(seconds=31)
    assert _attempt(client, "xuly", "sai-lan-nua").status_code == 429  # next wait: 60 s
    clock.advance(seconds=59)
    assert _attempt(client, "xuly", DEMO_PASSWORD).status_code == 429
    clock.advance(seconds=2)
    assert _attempt(client, "xuly", DEMO_PASSWORD).status_code == 302
    # The success cleared the account's counter: one mistake is an ordinary mistake again.
    client.post("/logout", data={"csrf_token": csrf(client.get("/tasks/"))})
    assert _attempt(client, "xuly", "sai-mat-khau").status_code == 401


def test_the_wait_is_capped(client, clock, engine_ctx):
    for _ in range(30):
        logins.record_failure(engine_ctx, "xuly", "10.0.0.1")
    until = logins.locked_until(engine_ctx, [logins.account_subject("xuly")])
    assert until - clock.now() == logins.ACCOUNT_POLICY.cap


def test_unknown_user_names_are_throttled_like_real_ones(client):
    free = logins.ACCOUNT_POLICY.free
    ghost = [_attempt(client, "khong-ton-tai", "sai", f"10.0.0.{i}").status_code for i in range(free)]
    real = [_attempt(client, "xuly2", "sai", f"10.0.1.{i}").status_code for i in range(free)]
    assert ghost == real == [401] * (free - 1) + [429]
    assert _attempt(client, "khong-ton-tai", "sai").get_data(as_text=True).count("quá nhiều lần") == 1


def test_an_address_is_throttled_across_accounts(client, engine_ctx):
    free = logins.ADDRESS_POLICY.free
    codes = [_attempt(client, f"ten-{i}", "sai", "192.0.2.7").status_code for i in range(free)]
    assert codes == [401] * (free - 1) + [429]
    assert _attempt(client, "xuly", DEMO_PASSWORD, "192.0.2.7").status_code == 429
    assert _attempt(client, "xuly", DEMO_PASSWORD, "192.0.2.8").status_code == 302
    with engine_ctx.uow(write=False) as uow:
        row = uow.session.get(LoginFailure, "ip:192.0.2.7")
        assert row.failures == free and row.locked_until is not None


def test_old_failures_are_forgotten(client, clock):
    for _ in range(logins.ACCOUNT_POLICY.free - 1):
        assert _attempt(client, "xuly", "sai").status_code == 401
    clock.advance(hours=25)
    assert _attempt(client, "xuly", "sai").status_code == 401


@pytest.mark.parametrize("password, why", [
    ("12345678", "phổ biến"), ("aaaaaaaa", "lặp lại"), ("password", "phổ biến"),
    ("ngan", "ít nhất 8"), ("xuly2026!", "tên đăng nhập"), ("TranVanXu1970", "họ tên"),
])
def test_weak_passwords_are_refused_with_the_reason(engine_ctx, password, why):
    with pytest.raises(InvalidInput) as info:
        users.set_password(engine_ctx, "xuly", password, actor="quantri")
    assert why in info.value.message
    with pytest.raises(InvalidInput) as info:  # checked before anything else is looked at
        users.add_user(engine_ctx, "xuly", ["handling_officer"], actor="quantri",
                       display_name="Trần Văn Xử", password=password)
    assert why in info.value.message
    with engine_ctx.uow(write=False) as uow:
        assert uow.session.scalars(select(User).where(User.username == "xuly")).one().password_hash


def test_a_strong_password_is_accepted_and_works(client, engine_ctx):
    users.add_user(engine_ctx, "moi", ["handling_officer"], actor="quantri", password=STRONG)
    assert _attempt(client, "moi", STRONG).status_code == 302


def test_the_cli_refuses_weak_passwords_in_one_line(engine_ctx, db_url, tmp_path):
    runner = CliRunner()
    env = {"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path)}
    for args in (["users", "set-password", "xuly", "--password", "12345678"],
                 ["users", "add", "moi", "--role", "handling_officer", "--password", "password"]):
        result = runner.invoke(cli, args, env=env)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("Lỗi: Mật khẩu quá yếu") and result.stderr.count("\n") == 1
        assert "Traceback" not in result.output
    ok = runner.invoke(cli, ["users", "set-password", "xuly", "--password", STRONG], env=env)
    assert ok.exit_code == 0, ok.output
