"""Hostile values in every route, as every demo role: a clear 4xx, never a 5xx, nothing stored.

The walk covers ``app.url_map`` as it is, so a route added later is covered without editing this
file: ids beyond any column (2**64, 2**31), NUL bytes and other control characters in URL parts,
query arguments, form fields and JSON, huge numbers and dates out of range.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from petitions.demo import DEMO_PASSWORD, DEMO_USERS
from petitions.persistence.models import Petition
from tests.web.conftest import app, client, csrf, engine_ctx, login  # noqa: F401  (fixtures)
from tests.web.test_reception import _form

HUGE = str(2**64)
# Control characters are refused before any handler runs, so they travel apart from the values
# that must reach the handlers (huge numbers, dates out of range).
# The first of each list is empty: a bad query must not hide a bad id from the handler.
QUERY_VARIANTS = [
    {},
    {"unit": "\x00", "q": "a\x00b", "type": "\x00", "province": "\x00", "next": "\x00",
     "kind": "\x1b", "view": "\x85"},
    {"page": "9" * 30, "year": "99999999999", "index": HUGE, "as_of": "-" + HUGE, "q": "%00",
     "received_from": "0001-01-01", "received_to": "9999-12-31", "date_from": "0001-01-01",
     "date_to": "0001-01-01", "active_from": "0001-01-01", "active_to": "0000-00-00",
     "from_version": HUGE, "to_version": HUGE, "from": HUGE, "to": HUGE, "field": "x" * 5000,
     "unit": "x" * 5000, "province": HUGE, "view": "x" * 300, "next": "//evil.example"},
]
FORM_VARIANTS = [
    {},
    {"summary": "Đơn\x00", "reason": "vì\x00", "decision": "\x00", "username": "\x00",
     "assignee": "x\x00", "tag": "\x0b", "base": "\x00"},
    {"instance_ids": HUGE, "received_on": "0001-01-01", "signers": HUGE, "assignee": HUGE,
     "reason": "a" * 100_000, "decision": HUGE, "note": "a" * 100_000, "suggested_ids": HUGE,
     "action": "confirm", "tag": "x" * 5000, "base": HUGE, "senders-0-name": "x" * 5000,
     "senders-99999999-name": "A", "priority_markers": HUGE},
]
JSON_VARIANTS = [{"xml": "<a>\x00</a>", "version": HUGE, "file": "\x00"},
                 {"xml": "<a/>" * 10, "version": HUGE, "file": "x" * 5000, "tag": HUGE}]
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _paths(rule) -> list[str]:
    """The rule's URL with each hostile value in every variable part."""
    variants = []
    for value_for_int, value_for_str in ((HUGE, "%00"), (str(2**31), "a" * 3000),
                                         (str(2**63 - 1), "..%2F..%2Fetc%2Fpasswd"),
                                         ("1", "petition_intake"), ("2", "%E2%80%AE")):
        def fill(match, i=value_for_int, s=value_for_str):
            return i if match.group(1) == "int" else s
        variants.append(_PARAM.sub(fill, rule.rule))
    return list(dict.fromkeys(variants))


def _requests(client, method: str, path: str, token: str):
    if method == "GET":
        for query in QUERY_VARIANTS:
            yield client.get(path, query_string=query)
        return
    for form in FORM_VARIANTS:
        yield client.open(path, method=method, data={**form, "csrf_token": token})
    for body in JSON_VARIANTS:
        yield client.open(path, method=method, json=body,
                          headers={"X-CSRFToken": token, "Accept": "application/json"})


def _walk(app, client, token: str) -> list[str]:
    failures = []
    # Logging out would turn every later request into a redirect to the login page: it goes last.
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "auth.logout"):
        for path in _paths(rule):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for response in _requests(client, method, path, token):
                    response.close()
                    if response.status_code >= 500:
                        failures.append(f"{method} {path} → {response.status_code}")
    return failures


@pytest.mark.parametrize("username", [None] + [name for name, _, _ in DEMO_USERS])
def test_no_route_answers_5xx_to_hostile_input(app, client, login, username):
    desk = app.test_client()  # one registered letter: ids 1 and 2 reach the handlers
    page = desk.get("/login")
    desk.post("/login", data={"username": "tiepdan", "password": DEMO_PASSWORD,
                              "csrf_token": csrf(page)})
    page = desk.get("/reception/new")
    assert desk.post("/reception/new", data=_form(page)).status_code == 302
    if username:
        login(username)
    token = csrf(client.get("/login" if username is None else "/notifications/"))
    assert _walk(app, client, token) == []


def test_ids_beyond_a_column_are_not_found(client, login):
    login("giamsat")
    for path in (f"/supervision/instances/{2**64}", f"/supervision/instances/{2**63}/export.docx",
                 f"/petitions/{2**31}", f"/tasks/{2**64}", f"/supervision/instances/1/diagram/{2**64}.bpmn"):
        assert client.get(path).status_code == 404, path


def test_a_nul_byte_in_a_text_field_is_refused_by_name_and_nothing_is_stored(client, login, engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    response = client.post("/reception/new", data=_form(page, summary="Khiếu nại\x00 thu hồi đất"))
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "“summary”" in text and "ký tự điều khiển" in text
    for bad in ("\x07", "\x1b[31m", "\x85", "\x9b"):
        assert client.post("/reception/new", data=_form(page, location=bad)).status_code == 400
    with engine_ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Petition)) == 0
    # Tabs, newlines and Vietnamese text are ordinary input.
    ok = client.post("/reception/new", data=_form(page, summary=_form(page)["summary"] + "\r\n\tDòng hai"))
    assert ok.status_code == 302


def test_report_unit_nul_and_dates_out_of_range_are_4xx(client, login, engine_ctx):
    login("giamsat")
    response = client.get("/supervision/reports.xlsx", query_string={"unit": "\x00"})
    assert response.status_code == 400 and "unit" in response.get_data(as_text=True)
    for query in ({"received_from": "0001-01-01"}, {"received_to": "9999-12-31"}):
        assert client.get("/supervision/search", query_string=query).status_code in (400, 422)
    client.post("/logout", data={"csrf_token": csrf(client.get("/supervision/"))})
    login("tiepdan")
    page = client.get("/reception/new")
    early = client.post("/reception/new", data=_form(page, received_on="0001-01-01"))
    assert early.status_code == 422 and "01/01/1990" in early.get_data(as_text=True)
    with engine_ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Petition)) == 0


def test_json_with_a_control_character_is_refused(client, login):
    login("quantri")
    page = client.get("/admin/processes")
    response = client.post("/admin/processes/validate", json={"xml": "<x>\x00</x>"},
                           headers={"X-CSRFToken": csrf(page), "Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["message"].count("xml") == 1
