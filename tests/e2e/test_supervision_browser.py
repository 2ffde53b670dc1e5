"""Supervisors in a real browser (Debian's Chromium): search → history (bpmn-js diagram with the
path taken) → case file, a tampered log shown as such, the dashboard's charts and a periodic
report. Screenshots go to test-artifacts/supervision-*.png."""
from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select, text

from engine.persistence.models import AuditEvent, ProcessInstance
from engine.working_days import VN_TZ
from tests.integration.test_reports import Desk


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True,
                                  locale="vi-VN")
    page = context.new_page()
    page.problems = []
    # Script errors, CSP refusals and failed requests (the browser's own favicon request aside).
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text
            and page.problems.append(m.text))
    page.on("pageerror", lambda err: page.problems.append(str(err)))
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
            and page.problems.append(f"{r.status} {r.url}"))
    yield page
    context.close()


@pytest.fixture
def desk(live_server):
    return Desk(live_server.engine_ctx)


def today() -> str:
    return datetime.now(VN_TZ).date().isoformat()


def test_search_then_history_then_case_file(live_server, page, browser_login, desk, artifacts):
    case = desk.register(today(), summary="Khiếu nại quyết định thu hồi đất ở thôn Nà Sản")
    desk.register(today(), "recommendation", field="policy", summary="Kiến nghị sửa cầu treo")
    desk.classify(case["instance_id"])
    browser_login(page, "giamsat")

    page.goto(live_server.url + "/supervision/search")
    page.fill("#q", "thu hoi dat na san")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert page.locator("table.sv-results tbody tr").count() == 1
    page.screenshot(path=artifacts / "supervision-search.png", full_page=True)

    page.click(f"text={case['number']}")
    page.wait_for_selector(".sv-diagram[data-loaded]", timeout=20_000)
    diagrams = page.locator(".sv-diagram")
    assert diagrams.first.get_attribute("data-loaded") == "true"
    assert page.locator(".sv-diagram .djs-element.sv-completed").count() >= 5
    assert page.locator(".sv-diagram .djs-element.sv-active").count() >= 1
    assert page.locator(".sv-diagram .sv-flow-taken").count() >= 5
    # Zoom buttons on the viewer (issue 15): Vietnamese labels, and they change the scale.
    zoom_in = diagrams.first.locator("button.zoom-in")
    assert zoom_in.get_attribute("aria-label") == "Phóng to"
    before = page.evaluate("() => document.querySelector('.sv-diagram .viewport')"
                           ".getAttribute('transform')")
    zoom_in.click()
    assert page.evaluate("() => document.querySelector('.sv-diagram .viewport')"
                         ".getAttribute('transform')") != before
    assert "Nhật ký toàn vẹn" in page.inner_text("#audit-status")
    page.screenshot(path=artifacts / "supervision-history.png", full_page=True)
    diagrams.first.screenshot(path=artifacts / "supervision-diagram.png")

    page.click("#event-3 >> text=Trạng thái tại đây")
    page.wait_for_load_state("networkidle")
    assert "Trạng thái tại sự kiện số 3" in page.inner_text("#as-of")
    page.screenshot(path=artifacts / "supervision-history-as-of.png", full_page=True)

    with page.expect_download() as info:
        page.click("#export-docx")
    document = Document(io.BytesIO(Path(info.value.path()).read_bytes()))
    with live_server.engine_ctx.uow(write=False) as uow:
        head = uow.session.get(ProcessInstance, case["instance_id"]).audit_head
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert head in cells and info.value.suggested_filename.endswith(".docx")
    assert not page.problems, page.problems

    # Someone edits the log in the database: the page says where.
    with live_server.engine_ctx.uow() as uow:
        row = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == case["instance_id"],
            AuditEvent.event_type == "petition_registered")).one()
        uow.session.execute(text("UPDATE audit_events SET payload = :p WHERE id = :id"), {
            "p": json.dumps({**row.payload, "senders": 0}), "id": row.id})
        uow.commit()
    page.goto(f"{live_server.url}/supervision/instances/{case['instance_id']}")
    assert f"Nhật ký đã bị thay đổi tại sự kiện số {row.seq}" in page.inner_text("#audit-status")
    page.screenshot(path=artifacts / "supervision-history-tampered.png")


def test_dashboard_charts_and_periodic_report(live_server, page, browser_login, desk, artifacts):
    desk.register(today(), signers=6)
    desk.register(today(), "denunciation", field="corruption")
    desk.register(today(), "feedback", field="other", channel="post")
    browser_login(page, "giamsat")

    page.goto(live_server.url + "/supervision/")
    page.wait_for_selector("canvas.sv-chart[data-drawn=true]")
    assert page.locator("canvas.sv-chart[data-drawn=true]").count() == 5
    assert page.inner_text("#fig-total") == "3"
    page.screenshot(path=artifacts / "supervision-dashboard.png", full_page=True)

    page.click("text=Báo cáo định kỳ")
    now = datetime.now(VN_TZ)
    page.select_option("#kind", "month")
    page.fill("#index", str(now.month))
    page.select_option("#year", str(now.year))
    page.select_option("#unit", "")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report")
    total = page.locator("tr[data-key=letters_total] td[data-col=total]").inner_text()
    many = page.locator("tr[data-key=signers_many] td[data-col=new]").inner_text()
    assert (total, many) == ("3", "1")
    assert "Cách tính" in page.inner_text("#report")
    page.screenshot(path=artifacts / "supervision-report.png", full_page=True)

    with page.expect_download() as info:
        page.click("#export-xlsx")
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    rows = {r[1]: r for r in sheet.iter_rows(values_only=True) if r[1]}
    assert rows["Tổng số đơn phải xử lý trong kỳ"][2] == 3
    assert not page.problems, page.problems


def test_other_roles_are_refused_in_the_browser(live_server, page, browser_login, artifacts):
    browser_login(page, "xuly")
    response = page.goto(live_server.url + "/supervision/reports")
    assert response.status == 403 and "không có quyền" in page.inner_text("main")
    page.screenshot(path=artifacts / "supervision-403.png")
