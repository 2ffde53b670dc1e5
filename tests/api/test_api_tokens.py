"""Machine tokens (issue 20 §2): bound to a unit and roles, shown once, stored hashed, expiring,
revocable, rate-limited, every use audited under the client's name; no browser session."""
from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.accounts import api_clients
from engine.accounts.api_clients import ApiClient
from engine.persistence.models import AuditEvent
from petitions.demo import DEMO_PASSWORD, DEMO_UNIT
from petitions.persistence.models import Petition
from petitions_cli.main import cli
from tests.api.conftest import letter
from tests.web.conftest import csrf


def _petitions(app) -> int:
    with app.extensions["petitions"].uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(Petition))


def test_the_token_is_shown_once_and_only_its_hash_is_stored(app):
    ctx = app.extensions["petitions"]
    created = api_clients.create(ctx, "cong-dvc", DEMO_UNIT, ["reception_officer"], actor="test",
                                 expires_days=30)
    secret = created["token"]
    assert secret.startswith("pt_") and len(secret) > 40
    with ctx.uow(write=False) as uow:
        row = uow.session.scalars(select(ApiClient)).one()
        stored = json.dumps([getattr(row, c.name) for c in ApiClient.__table__.columns],
                            default=str)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in stored
    listed = api_clients.list_clients(ctx)
    assert [c["name"] for c in listed] == ["cong-dvc"] and "token" not in listed[0]
    assert listed[0]["state"] == "active" and listed[0]["roles"] == ["reception_officer"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_unknown_expired_and_revoked_tokens_get_401_problems(app, token, clock):
    client = app.test_client()
    missing = client.get("/api/v1/tasks")
    assert missing.status_code == 401 and missing.mimetype == "application/problem+json"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.get_json()["type"] == "urn:petitions:problem:unauthorized"
    wrong = client.get("/api/v1/tasks", headers={"Authorization": "Bearer pt_nope"})
    assert wrong.status_code == 401
    assert wrong.get_json()["detail"] == ("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu "
                                          "hồi.")
    short = token("ngan-han", "handling_officer", expires_days=1)
    assert client.get("/api/v1/tasks", headers=short).status_code == 200
    clock.advance(days=1, seconds=1)
    assert client.get("/api/v1/tasks", headers=short).status_code == 401
    kept = token("thu-hoi", "handling_officer")
    assert client.get("/api/v1/tasks", headers=kept).status_code == 200
    api_clients.revoke(app.extensions["petitions"], "thu-hoi", actor="test")
    assert client.get("/api/v1/tasks", headers=kept).status_code == 401


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_browser_session_cannot_write_through_the_api(app):
    client = app.test_client()
    page = client.get("/login")
    assert client.post("/login", data={"username": "tiepdan", "password": DEMO_PASSWORD,
                                       "csrf_token": csrf(page)}).status_code == 302
    response = client.post("/api/v1/petitions", json=letter())
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert "không nhận phiên đăng nhập của trình duyệt" in response.get_json()["detail"]
    assert client.get("/api/v1/tasks").status_code == 401
    assert _petitions(app) == 0


def test_every_use_is_audited_under_the_clients_name(app, token):
    client = app.test_client()
    desk = token("cong-dvc", "reception_officer")
    created = client.post("/api/v1/petitions", json=letter(), headers=desk)
    assert created.status_code == 201
    assert client.get("/api/v1/petitions?q=abc", headers=desk).status_code == 200
    ctx = app.extensions["petitions"]
    with ctx.uow(write=False) as uow:
        uses = uow.session.execute(select(AuditEvent.actor, AuditEvent.payload).where(
            AuditEvent.chain == "api_clients", AuditEvent.event_type == "api_request")
            .order_by(AuditEvent.seq)).all()
        started_by = uow.session.scalar(select(AuditEvent.actor).where(
            AuditEvent.instance_id == created.get_json()["instance_id"]).order_by(AuditEvent.seq))
    assert [(a, p["method"], p["endpoint"], p["status"]) for a, p in uses] == [
        ("api:cong-dvc", "POST", "api_petitions.register", 201),
        ("api:cong-dvc", "GET", "api_petitions.list_petitions", 200)]
    assert all("abc" not in json.dumps(p) for _a, p in uses)  # never the query string
    assert started_by == "api:cong-dvc"
    from engine.audit.chain import verify
    with ctx.uow(write=False) as uow:
        assert verify(uow.session).ok


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_rate_limit_counts_per_token(db_url, tmp_path, clock):
    from petitions.demo import seed_demo_users
    from webapp import create_app
    app = create_app({"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path),
                      "SECRET_KEY": "test-secret", "SECURE_COOKIES": False,
                      "RATELIMIT_ENABLED": "1"})
    app.config.update(TESTING=True, API_RATE_LIMIT="3 per minute")
    ctx = app.extensions["petitions"]
    ctx.clock = clock
    seed_demo_users(ctx)
    first = {"Authorization": "Bearer " + api_clients.create(
        ctx, "mot", DEMO_UNIT, ["handling_officer"], actor="test")["token"]}
    second = {"Authorization": "Bearer " + api_clients.create(
        ctx, "hai", DEMO_UNIT, ["handling_officer"], actor="test")["token"]}
    client = app.test_client()
    assert [client.get("/api/v1/tasks", headers=first).status_code for _ in range(4)] == \
        [200, 200, 200, 429]
    limited = client.get("/api/v1/tasks", headers=first)
    assert limited.mimetype == "application/problem+json" and limited.get_json()["status"] == 429
    assert client.get("/api/v1/tasks", headers=second).status_code == 200
    ctx.close()


def test_the_command_line_creates_lists_and_revokes_tokens(app, db_url, tmp_path):
    runner = CliRunner()
    env = {"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path)}

    def run(*args, expect=0):
        result = runner.invoke(cli, ["api", "token", *args], env=env)
        assert result.exit_code == expect, result.output
        return result

    created = json.loads(run("create", "--name", "tinh", "--unit", DEMO_UNIT, "--role",
                             "supervisor", "--expires-days", "90", "--json").stdout)
    assert created["token"].startswith("pt_") and created["roles"] == ["supervisor"]
    listed = run("list", "--json").stdout
    assert created["token"] not in listed and json.loads(listed)[0]["state"] == "active"
    client = app.test_client()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/reports?kind=year&year=2026", headers=headers).status_code == 200
    assert json.loads(run("revoke", "tinh", "--json").stdout)["state"] == "revoked"
    assert client.get("/api/v1/reports", headers=headers).status_code == 401
    refused = run("create", "--name", "x y", "--unit", DEMO_UNIT, "--role", "supervisor",
                  expect=1)
    assert refused.output.startswith("Lỗi: Tên ứng dụng phải có")
