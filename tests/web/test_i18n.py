"""English translation of the web UI (Vietnamese is the source language).

The catalog lives in webapp/translations/en/LC_MESSAGES/ and is refreshed with scripts/i18n.sh.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "webapp" / "translations" / "en" / "LC_MESSAGES"
PO, MO = CATALOG / "messages.po", CATALOG / "messages.mo"
POT = ROOT / "webapp" / "translations" / "messages.pot"


def _catalog(path: Path, reader):
    with path.open("rb") as f:
        return reader(f)


def _messages(catalog) -> dict:
    """msgid -> msgstr of what gettext would serve (no header, no fuzzy or empty entries)."""
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


@pytest.fixture
def db_url(tmp_path, sqlite_template):
    # The language does not depend on the database: SQLite only.
    return sqlite_template.fresh(tmp_path)


def test_every_message_is_translated_and_none_fuzzy():
    catalog = _catalog(PO, read_po)
    ids = [m.id for m in catalog if m.id]
    assert len(ids) > 500
    untranslated = [m.id for m in catalog if m.id and not (
        all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"untranslated (run scripts/i18n.sh, then translate): {untranslated[:10]}"
    assert not fuzzy, f"fuzzy (check the guess, drop the flag): {fuzzy[:10]}"
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"
    problems = [(m.id, errors) for m, errors in catalog.check()]
    assert not problems, f"placeholders differ between msgid and msgstr: {problems[:5]}"


def test_catalog_covers_the_template():
    # The .po was updated from the current .pot (scripts/i18n.sh update).
    template_ids = {m.id for m in _catalog(POT, read_po) if m.id}
    po_ids = {m.id for m in _catalog(PO, read_po) if m.id}
    assert template_ids - po_ids == set(), "run scripts/i18n.sh update and translate"


def test_compiled_mo_matches_po():
    from io import BytesIO
    expected = BytesIO()
    write_mo(expected, _catalog(PO, read_po))
    expected.seek(0)
    compiled = _messages(_catalog(MO, read_mo))
    assert compiled == _messages(read_mo(expected)), "messages.mo is stale: run scripts/i18n.sh compile"
    assert len(compiled) == len(_messages(_catalog(PO, read_po)))


def test_flask_babel_finds_the_translations(app):
    from flask_babel import get_babel
    with app.app_context():
        dirs = [Path(d).resolve() for d in get_babel(app).translation_directories]
    assert CATALOG.parents[1].resolve() in dirs


def test_login_page_in_english(client):
    client.get("/lang/en")
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Username" in html and "Password" in html
    assert "Đăng nhập" not in html and "Mật khẩu" not in html


def test_login_error_in_english(client):
    from tests.web.conftest import csrf
    client.get("/lang/en")
    page = client.get("/login")
    response = client.post("/login", data={"username": "xuly", "password": "wrong",
                                           "csrf_token": csrf(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Incorrect username or password." in html
    assert "Tên đăng nhập hoặc mật khẩu không đúng" not in html


def test_logged_in_page_in_english(client, login):
    login("xuly")
    client.get("/lang/en")  # login starts a fresh session, so the language is chosen after it
    response = client.get("/", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "Task inbox" in html and "Sign out" in html and "Petition case files" in html
    for vietnamese in ("Đăng xuất", "Hộp công việc", "Hồ sơ đơn thư", "Thông báo", "Tác vụ nền"):
        assert vietnamese not in html


def test_vietnamese_stays_the_default(client, login):
    login("xuly")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Đăng xuất" in html and "Sign out" not in html
    client.get("/lang/en")
    client.get("/lang/vi")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Đăng xuất" in html and "Sign out" not in html
