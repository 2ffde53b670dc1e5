"""Server-side sessions: logout, a new password and deactivation end a session for good.

A copy of the session cookie taken before (what a shared computer or a stolen cookie gives an
attacker) must lead to the login page afterwards.
"""
from __future__ import annotations

from sqlalchemy import select

from engine.accounts import users
from engine.accounts.models import LoginSession
from engine.persistence.models import AuditEvent
from petitions.demo import DEMO_PASSWORD
from tests.web.conftest import app, client, csrf, engine_ctx, login  # noqa: F401  (fixtures)

STRONG = "ngựa-vằn-ăn-cỏ-lúc-bình-minh"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def _goes_to_login(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_cookie_captured_before_logout_is_refused_afterwards(app, client, login, engine_ctx):
    login("xuly")
    captured = _cookie(client)
    assert _with_cookie(app, captured).get("/tasks/").status_code == 200
    page = client.get("/tasks/")
    assert client.post("/logout", data={"csrf_token": csrf(page)}).status_code == 302
    assert _goes_to_login(_with_cookie(app, captured).get("/tasks/"))
    with engine_ctx.uow(write=False) as uow:
        row = uow.session.scalars(select(LoginSession)).one()
        assert row.username == "xuly" and row.revoked_reason == "logout"
        assert len(row.token_hash) == 64  # the token itself is never stored
        events = uow.session.scalars(select(AuditEvent).where(AuditEvent.chain == "users")
                                     .order_by(AuditEvent.seq)).all()
        assert [e.event_type for e in events][-2:] == ["login", "logout"]
        assert all(e.actor == "xuly" for e in events[-2:])


def test_each_login_is_its_own_session(app, client, login, engine_ctx):
    login("xuly")
    first = _cookie(client)
    second_client = app.test_client()
    page = second_client.get("/login")
    second_client.post("/login", data={"username": "xuly", "password": DEMO_PASSWORD,
                                       "csrf_token": csrf(page)})
    page = second_client.get("/tasks/")
    second_client.post("/logout", data={"csrf_token": csrf(page)})
    # Logging out on the second computer leaves the first one logged in.
    assert _with_cookie(app, first).get("/tasks/").status_code == 200


def test_a_new_password_ends_every_session(app, client, login, engine_ctx):
    login("xuly")
    captured = _cookie(client)
    users.set_password(engine_ctx, "xuly", STRONG, actor="quantri")
    assert _goes_to_login(_with_cookie(app, captured).get("/tasks/"))
    login("xuly", STRONG)
    assert client.get("/tasks/").status_code == 200


def test_deactivation_ends_every_session(app, client, login, engine_ctx):
    login("xuly")
    captured = _cookie(client)
    users.set_active(engine_ctx, "xuly", False, actor="quantri")
    assert _goes_to_login(_with_cookie(app, captured).get("/tasks/"))
    page = client.get("/login")
    refused = client.post("/login", data={"username": "xuly", "password": DEMO_PASSWORD,
                                          "csrf_token": csrf(page)})
    assert refused.status_code == 401
    with engine_ctx.uow(write=False) as uow:
        kinds = list(uow.session.scalars(select(AuditEvent.event_type)
                                         .where(AuditEvent.chain == "users")))
        assert "user_deactivated" in kinds


def test_an_idle_or_old_session_expires(app, client, login, clock):
    login("xuly")
    clock.advance(hours=7)
    assert client.get("/tasks/").status_code == 200   # used within the idle limit: still valid
    clock.advance(hours=8, minutes=1)
    assert _goes_to_login(client.get("/tasks/"))
    login("xuly")
    for _ in range(4):                                  # used every 7 hours, but 28 hours old
        clock.advance(hours=7)
        last = client.get("/tasks/")
    assert _goes_to_login(last)


def test_a_forged_or_foreign_session_id_loads_no_user(app, client, login):
    login("xuly")
    with client.session_transaction() as session:
        session["sid"] = "not-a-real-session"
    assert _goes_to_login(client.get("/tasks/"))
    login("xuly")
    with client.session_transaction() as session:
        session["_user_id"] = "quantri"  # a valid session of xuly does not log in quantri
    assert _goes_to_login(client.get("/tasks/"))


def test_pages_with_personal_data_are_not_cached_but_static_files_may_be(client, login):
    login("xuly")
    for path in ("/tasks/", "/login", "/notifications/", "/healthz"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["Pragma"] == "no-cache", path
    static = client.get("/static/app.css")
    static.close()
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
