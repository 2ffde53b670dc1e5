"""Every creating form carries a one-time submission key: a double click, a resent form or two
parallel POSTs with one key create one thing and all get the first one's result."""
from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request

from sqlalchemy import func, select
from werkzeug.serving import make_server

from engine.accounts.models import SubmissionKey
from engine.persistence.models import HumanTask
from petitions.persistence.models import Petition
from tests.web.conftest import app, client, csrf, engine_ctx, login  # noqa: F401  (fixtures)
from tests.web.test_reception import _form

_KEY = re.compile(r'name="submission_key" value="([^"]+)"')


def key_of(response) -> str:
    match = _KEY.search(response.get_data(as_text=True))
    assert match, "no submission key on the page"
    return match.group(1)


def _count(engine_ctx, model, *where) -> int:
    with engine_ctx.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_resent_registration_returns_the_first_receipt(client, login, engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    data = {**_form(page), "submission_key": key_of(page)}
    first = client.post("/reception/new", data=data)
    again = client.post("/reception/new", data=data)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert "/reception/receipt/" in first.headers["Location"]
    assert _count(engine_ctx, Petition) == 1


def test_a_refused_submission_does_not_use_up_its_key(client, login, engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    key = key_of(page)
    refused = client.post("/reception/new", data={**_form(page, summary=""), "submission_key": key})
    assert refused.status_code == 422 and _count(engine_ctx, SubmissionKey) == 0
    accepted = client.post("/reception/new", data={**_form(page), "submission_key": key})
    assert accepted.status_code == 302 and _count(engine_ctx, Petition) == 1


def test_a_key_serves_only_its_own_form_and_must_look_like_a_key(client, login, engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    key = key_of(page)
    assert client.post("/reception/new", data={**_form(page), "submission_key": key}).status_code == 302
    elsewhere = client.post("/notifications/1/read", data={"csrf_token": csrf(page),
                                                           "submission_key": key})
    assert elsewhere.status_code == 422 and "không thuộc thao tác này" in elsewhere.get_data(as_text=True)
    bad = client.post("/reception/new", data={**_form(page), "submission_key": "x'; drop"})
    assert bad.status_code == 400 and _count(engine_ctx, Petition) == 1


def test_claim_and_complete_twice_with_one_key_act_once(client, login, engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    client.post("/reception/new", data={**_form(page), "submission_key": key_of(page)})
    with engine_ctx.uow(write=False) as uow:
        task = uow.session.scalars(select(HumanTask).where(HumanTask.status == "ready")).one()
    login_page = client.get("/tasks/")
    client.post("/logout", data={"csrf_token": csrf(login_page)})
    login("xuly")
    page = client.get(f"/tasks/{task.id}")
    claim = {"csrf_token": csrf(page), "submission_key": key_of(page)}
    first, again = (client.post(f"/tasks/{task.id}/claim", data=claim) for _ in range(2))
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    with engine_ctx.uow(write=False) as uow:
        assert uow.session.get(HumanTask, task.id).assignee == "xuly"
    assert _count(engine_ctx, SubmissionKey, SubmissionKey.status == "done") == 2


def test_the_forms_carry_a_key_next_to_the_csrf_token(client, login):
    login("tiepdan")
    html = client.get("/reception/new").get_data(as_text=True)
    assert html.count('name="submission_key"') == 1
    keys = {key_of(client.get("/reception/new")) for _ in range(3)}
    assert len(keys) == 3  # a fresh key every time the form is rendered


def _real_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def test_two_parallel_posts_with_one_key_register_one_letter(app, client, login, engine_ctx):
    """Two threads against a real threaded server, one browser session, one key."""
    login("tiepdan")
    page = client.get("/reception/new")
    body = urllib.parse.urlencode({**_form(page), "submission_key": key_of(page)},
                                  doseq=True).encode()
    cookie = "session=" + client.get_cookie("session").value
    server, thread = _real_server(app)
    barrier = threading.Barrier(2)
    results: list[tuple[int, str]] = []

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def post():
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.server_port}/reception/new", data=body, method="POST",
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        barrier.wait()
        try:
            urllib.request.build_opener(NoRedirect).open(request, timeout=60)
        except urllib.error.HTTPError as err:
            with err:
                results.append((err.code, err.headers.get("Location", "")))

    try:
        threads = [threading.Thread(target=post) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert len(results) == 2 and {code for code, _ in results} == {302}
    assert results[0][1] == results[1][1] and "/reception/receipt/" in results[0][1]
    assert _count(engine_ctx, Petition) == 1
    with engine_ctx.uow(write=False) as uow:
        assert len(set(uow.session.scalars(select(Petition.number)))) == 1


def test_without_a_key_nothing_changes_for_script_clients(client, login, engine_ctx):
    """Forms rendered before this change (and tests, scripts) still work without a key."""
    login("tiepdan")
    page = client.get("/reception/new")
    assert client.post("/reception/new", data=_form(page)).status_code == 302
    assert client.post("/reception/new", data=_form(page, summary="Một việc khác hẳn về "
                                                    "trật tự xây dựng ở thôn Tây")).status_code in (200, 302)
    assert _count(engine_ctx, SubmissionKey) == 0
