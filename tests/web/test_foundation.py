"""Accounts, CSRF, headers and error pages of the web app."""
from __future__ import annotations

from tests.web.conftest import csrf


def test_login_required_and_bad_password(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get("/login")
    bad = client.post("/login", data={"username": "xuly", "password": "sai-mat-khau",
                                      "csrf_token": csrf(page)})
    assert bad.status_code == 401 and "không đúng" in bad.get_data(as_text=True)
    unknown = client.post("/login", data={"username": "khongco", "password": "x" * 9,
                                          "csrf_token": csrf(page)})
    assert unknown.status_code == 401


def test_login_then_logout(client, login):
    login("xuly")
    assert client.get("/").status_code in (200, 302)
    page = client.get("/login", follow_redirects=True)
    response = client.post("/logout", data={"csrf_token": csrf(page)})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_post_without_csrf_is_refused_with_a_clear_page(client, login):
    login("xuly")
    response = client.post("/logout")
    assert response.status_code == 400
    assert "trang đã cũ" in response.get_data(as_text=True)


def test_open_redirect_is_refused(client):
    page = client.get("/login")
    response = client.post("/login?next=https://evil.example/", data={
        "username": "xuly", "password": "demo-2026", "csrf_token": csrf(page)})
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_security_headers_and_cookie_flags(client, login):
    response = login("xuly")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/login", follow_redirects=True)
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                   "Referrer-Policy"):
        assert header in page.headers


def test_friendly_404_without_traceback(client, login):
    login("xuly")
    response = client.get("/khong-ton-tai")
    text = response.get_data(as_text=True)
    assert response.status_code == 404 and "Không tìm thấy" in text and "Traceback" not in text


def test_english_is_available(client):
    client.get("/lang/en")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_login_is_rate_limited(db_url, tmp_path):
    from webapp import create_app
    from webapp.extensions import limiter
    limited = create_app({"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path),
                          "SECRET_KEY": "t", "SECURE_COOKIES": False, "RATELIMIT_ENABLED": "1"})
    try:
        client = limited.test_client()
        page = client.get("/login")
        # A different name each time: the per-account back-off (engine/accounts/logins.py) would stop a
        # single name after 5 failures; this test is about Flask-Limiter's per-address fence.
        codes = [client.post("/login", data={"username": f"xuly{i}", "password": "sai-mat-khau",
                                             "csrf_token": csrf(page)}).status_code
                 for i in range(11)]
        assert codes[:10] == [401] * 10 and codes[10] == 429
        refused = client.post("/login", data={"username": "xuly", "password": "x",
                                              "csrf_token": csrf(page)})
        assert refused.status_code == 429 and "quá nhiều lần" in refused.get_data(as_text=True)
    finally:
        limiter.reset()
        limited.extensions["petitions"].close()
