"""Supervision pages: who reaches them, search, an instance's history, tampering shown, the case
file, the dashboard and the periodic report (SQLite and PostgreSQL)."""
from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from engine.audit import chain as audit
from engine.persistence.models import AuditEvent, HumanTask, ProcessInstance
from engine.work import deadlines, human_tasks
from petitions.supervision import dashboard, search
from tests.integration.test_reports import FACTS, Desk
from tests.support import actor
from tests.web.conftest import csrf

PAGES = ["/supervision/", "/supervision/search", "/supervision/search?q=thu+hoi",
         "/supervision/instances/{i}", "/supervision/instances/{i}?as_of=3",
         "/supervision/instances/{i}/diagram/0.bpmn", "/supervision/instances/{i}/export.docx",
         "/supervision/reports", "/supervision/reports?kind=quarter&year=2026&index=4",
         "/supervision/reports.xlsx?kind=year&year=2026"]
OFFICER = actor("xuly", "handling_officer", unit="u1")  # the report desk's default unit
SUPERVISOR = replace(actor("giamsat", "supervisor", unit="ubnd-xa-demo"),
                     supervised=frozenset({"u1", "u2"}))
RECEPTION = actor("tiepdan", "reception_officer", unit="u1")


@pytest.fixture
def desk(engine_ctx, clock):
    desk = Desk(engine_ctx, clock)
    desk.at("2026-11-23")
    return desk


def page_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["xuly", "truongdonvi", "tiepdan", "congkhai"])
def test_other_roles_get_403_everywhere(client, login, desk, username):
    # A case of their own unit: another unit's would be 404 (issue 12), this is about the role.
    case = desk.register("2026-11-20", "denunciation", unit="ubnd-xa-demo")
    login(username)
    for page in PAGES:
        assert client.get(page.format(i=case["instance_id"])).status_code == 403, page
    token = csrf(client.get("/supervision/"))
    response = client.post(f"/supervision/instances/{case['instance_id']}/identity",
                           data={"reason": "Kiểm tra hồ sơ", "csrf_token": token})
    assert response.status_code == 403


@pytest.mark.parametrize("username", ["giamsat", "quantri"])
def test_supervisors_and_administrators_read_every_page(client, login, desk, username):
    # An administrator sees the cases of their own unit only (they run the system, not cases);
    # a supervisor also those of the units below theirs.
    case = desk.register("2026-11-20", unit="u1" if username == "giamsat" else "ubnd-xa-demo")
    assert client.get("/supervision/").status_code == 302  # anonymous: to the login page
    login(username)
    for page in PAGES:
        response = client.get(page.format(i=case["instance_id"]))
        assert response.status_code == 200, page
        assert response.headers["Cache-Control"] == "no-store"


def test_no_engine_command_is_reachable(app):
    routes = {rule.endpoint: rule.methods - {"HEAD", "OPTIONS"} for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("supervision.")}
    writes = {endpoint for endpoint, methods in routes.items() if methods != {"GET"}}
    assert writes == {"supervision.unseal", "supervision.identity_search"}
    assert routes["supervision.unseal"] == {"POST"}
    assert {"supervision.dashboard", "supervision.search_page", "supervision.instance_history",
            "supervision.export_case", "supervision.reports_page",
            "supervision.report_xlsx"} <= set(routes)


def test_search_filters_and_pages(client, login, desk, engine_ctx, clock):
    land = desk.register("2026-11-16", summary="Khiếu nại việc thu hồi đất ở thôn Đông")
    desk.register("2026-11-10", "denunciation", field="corruption", unit="u2",
                  summary="Tố cáo cán bộ địa chính nhận tiền")
    rec = desk.register("2026-11-20", "recommendation", field="policy",
                        summary="Kiến nghị sửa đường liên thôn")
    for i in range(4):
        desk.register("2026-10-01", summary=f"Đơn cũ số {i} về đất đai")
    human_tasks.claim(engine_ctx, desk.task_id(rec["instance_id"], "Task_classify"), OFFICER)

    def numbers(**filters):
        found = search.search(engine_ctx, search.SearchFilters(**filters), SUPERVISOR)
        return [r["number"] for r in found["rows"]]

    assert numbers(q=land["tracking_code"].lower()) == [land["number"]]
    assert numbers(q=land["number"]) == [land["number"]]
    assert numbers(q=f"#{land['instance_id']}") == [land["number"]]
    assert numbers(q="THU HỒI ĐẤT") == [land["number"]]          # folded, any case
    assert numbers(q="đất ở") == [land["number"]]                 # "o" as a whole word
    assert numbers(q="đất o thon dong") == [land["number"]]
    assert numbers(q="ở thôn") == [land["number"]] and numbers(q="ở nà") == []
    assert numbers(q="dat d") == []
    # "dat dai" is also the label of the field every land case has (issue 15)
    assert numbers(q="dat dai") == [land["number"]] + [desk_number(4 + i) for i in (3, 2, 1, 0)]
    assert numbers(petition_type="denunciation") == ["2026-000002"]
    assert numbers(field="policy") == [rec["number"]] and numbers(unit_code="u2") == ["2026-000002"]
    assert numbers(assignee="xuly") == [rec["number"]]
    assert numbers(status="completed") == []
    assert len(numbers(status="waiting")) == 7
    assert numbers(received_from=_d("2026-11-01"), received_to=_d("2026-11-16")) == [
        land["number"], "2026-000002"]
    paged = search.search(engine_ctx, search.SearchFilters(page_size=3, page=2), SUPERVISOR)
    assert [r["number"] for r in paged["rows"]] == ["2026-000007", "2026-000006", "2026-000005"]
    assert paged["total"] == 7 and paged["pages"] == 3 and paged["has_next"]
    # Overdue: classification carries the 10-working-day notice deadline (LTCD Điều 28), so the
    # four letters received on 1 October are past it; the land case, classified, is not yet.
    desk.classify(land["instance_id"])
    assert numbers(overdue="now") == [desk_number(4 + i) for i in (3, 2, 1, 0)]
    clock.advance(days=40)   # now past the complaint's acceptance deadline too
    assert land["number"] in numbers(overdue="now")
    deadlines.check_deadlines(engine_ctx)
    assert land["number"] in numbers(overdue="ever")

    login("giamsat")
    html = page_text(client.get("/supervision/search?q=thu+hoi+dat&overdue=now"))
    assert land["number"] in html and "quá hạn" in html and "1 kết quả" in html
    assert f'/supervision/instances/{land["instance_id"]}' in html
    assert client.get("/supervision/search?type=khong-co").status_code == 400


def desk_number(n: int) -> str:
    return f"2026-{n:06d}"


def _d(text_date: str) -> date:
    return date.fromisoformat(text_date)


def test_history_shows_events_diagram_and_state_as_of_an_event(client, login, desk, engine_ctx):
    case = desk.register("2026-11-20", summary="Khiếu nại quyết định thu hồi đất")
    instance_id = case["instance_id"]
    human_tasks.claim(engine_ctx, desk.task_id(instance_id, "Task_classify"), OFFICER)
    desk.complete(instance_id, "Task_classify",
                  {**_facts(), "proposal_note": "Thụ lý theo Điều 11"}, who=OFFICER)
    with engine_ctx.uow(write=False) as uow:
        events = list(uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)))
    claimed = next(e.seq for e in events if e.event_type == "task_claimed")
    login("giamsat")
    response = client.get(f"/supervision/instances/{instance_id}")
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    html = page_text(response)
    assert "Nhật ký toàn vẹn" in html and "Trần Văn Xử" in html and "Nhận xử lý" in html
    assert "Thụ lý theo Điều 11" in html and "Hoàn thành bước" in html
    assert "Duyệt đề xuất xử lý đơn" in html          # open now
    markers = json.loads(re.search(r'data-markers="([^"]+)"', html).group(1).replace("&#34;", '"'))
    assert "Task_classify" in markers["completed"] and "Task_approve_route" in markers["active"]
    assert "Flow_Task_classify_Rule_classify" in markers["flows"]
    # As of the claim: classification still open, held by Trần Văn Xử; no proposal yet.
    as_of = page_text(client.get(f"/supervision/instances/{instance_id}?as_of={claimed}"))
    section = as_of[as_of.index('id="as-of"'):as_of.index('id="events"')]
    assert f"Trạng thái tại sự kiện số {claimed}" in section
    assert "Phân loại, đề xuất xử lý đơn" in section and "Trần Văn Xử" in section
    assert "Thụ lý theo Điều 11" not in section and "Duyệt đề xuất" not in section
    # Filters of the event log.
    only = page_text(client.get(
        f"/supervision/instances/{instance_id}?type=task_claimed&actor=xuly"))
    log = only[only.index('id="event-log"'):]
    assert log.count("<tr class=") == 1 and "Nhận xử lý" in log
    none = page_text(client.get(f"/supervision/instances/{instance_id}?date_from=2030-01-01"))
    assert "Không có sự kiện nào khớp bộ lọc" in none
    xml = client.get(f"/supervision/instances/{instance_id}/diagram/0.bpmn")
    assert xml.mimetype == "application/xml" and b"<bpmn:definitions" in xml.data
    assert client.get(f"/supervision/instances/{instance_id}/diagram/99.bpmn").status_code == 404
    assert client.get("/supervision/instances/999999").status_code == 404


def _facts(**overrides) -> dict:
    return {**FACTS, **overrides}


def test_an_altered_event_is_detected_and_shown(client, login, desk, engine_ctx):
    case = desk.register("2026-11-20")
    desk.classify(case["instance_id"])
    with engine_ctx.uow(write=False) as uow:
        target = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == case["instance_id"],
            AuditEvent.event_type == "task_completed_by_user").order_by(AuditEvent.seq)
            .offset(1)).first()
        assert audit.verify(uow.session, case["instance_id"]).ok
    forged = {**target.payload, "after": {**target.payload["after"], "within_competence": False}}
    with engine_ctx.uow() as uow:
        uow.session.execute(text("UPDATE audit_events SET payload = :p WHERE id = :id"),
                            {"p": json.dumps(forged), "id": target.id})
        uow.commit()
    with engine_ctx.uow(write=False) as uow:
        result = audit.verify(uow.session, case["instance_id"])
    assert not result.ok and result.broken.seq == target.seq
    assert result.broken.reason == "content does not match its hash"
    login("giamsat")
    html = page_text(client.get(f"/supervision/instances/{case['instance_id']}"))
    assert f"Nhật ký đã bị thay đổi tại sự kiện số {target.seq}" in html
    assert 'role="alert"' in html and "Nhật ký toàn vẹn" not in html
    assert "nội dung sự kiện không còn khớp với mã băm" in html
    assert f'class="sv-broken" id="event-{target.seq}"' in html
    document = Document(io.BytesIO(client.get(
        f"/supervision/instances/{case['instance_id']}/export.docx").data))
    body = "\n".join(p.text for p in document.paragraphs)
    assert f"Nhật ký đã bị thay đổi tại sự kiện số {target.seq}" in body


def test_sealed_identity_needs_a_reason_and_is_audited(client, login, desk, engine_ctx):
    case = desk.register("2026-11-20", "denunciation", sender="Lê Thị Tố Cáo",
                         summary="Lê Thị Tố Cáo tố cáo cán bộ địa chính nhận tiền")
    instance_id = case["instance_id"]
    login("giamsat")
    html = page_text(client.get(f"/supervision/instances/{instance_id}"))
    assert "Lê Thị Tố Cáo" not in html and "001203004567" not in html
    assert "đã niêm phong" in html and "[thông tin được bảo mật]" in html
    token = csrf(client.get(f"/supervision/instances/{instance_id}"))
    with engine_ctx.uow(write=False) as uow:
        before = uow.session.get(ProcessInstance, instance_id)
        tasks = uow.session.scalar(select(func.count()).select_from(HumanTask))
    refused = client.post(f"/supervision/instances/{instance_id}/identity",
                          data={"reason": " ", "csrf_token": token})
    assert refused.status_code == 400 and "Phải nêu lý do" in refused.get_data(as_text=True)
    shown = page_text(client.post(f"/supervision/instances/{instance_id}/identity",
                                  data={"reason": "Thanh tra kiểm tra việc tiếp nhận",
                                        "csrf_token": token}))
    assert "Lê Thị Tố Cáo" in shown and "001203004567" in shown
    again = page_text(client.get(f"/supervision/instances/{instance_id}"))
    assert "Lê Thị Tố Cáo" not in again.split('id="h-senders"')[1].split("</section>")[0]
    with engine_ctx.uow(write=False) as uow:
        after = uow.session.get(ProcessInstance, instance_id)
        unsealed = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id,
            AuditEvent.event_type == "identity_unsealed")).all()
        assert uow.session.scalar(select(func.count()).select_from(HumanTask)) == tasks
    assert [(e.actor, e.payload["reason"]) for e in unsealed] == [
        ("giamsat", "Thanh tra kiểm tra việc tiếp nhận")]
    assert (after.status, after.state) == (before.status, before.state)
    assert after.audit_seq == before.audit_seq + 1


def test_case_file_has_history_documents_and_head_hash_without_the_denouncer(
        client, login, desk, engine_ctx):
    case = desk.register("2026-11-20", "denunciation", sender="Lê Thị Tố Cáo",
                         summary="Lê Thị Tố Cáo tố cáo cán bộ địa chính nhận tiền")
    desk.classify(case["instance_id"], petition_type="denunciation")
    login("giamsat")
    response = client.get(f"/supervision/instances/{case['instance_id']}/export.docx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    body = "\n".join([p.text for p in document.paragraphs] + cells)
    with engine_ctx.uow(write=False) as uow:
        head = uow.session.get(ProcessInstance, case["instance_id"]).audit_head
        count = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id == case["instance_id"]))
    assert head in body and "Chuỗi nhật ký kiểm toán toàn vẹn" in body
    assert "Lê Thị Tố Cáo" not in body and "001203004567" not in body
    assert "Danh tính người tố cáo được giữ bí mật" in body and "Danh mục tài liệu" in body
    log = document.tables[-1]
    assert len(log.rows) == count + 1 and log.rows[1].cells[3].text == "Khởi tạo hồ sơ"


def test_dashboard_counts_on_time_rates_and_overdue_with_escalation(client, login, desk, engine_ctx,
                                                                   clock):
    first = desk.register("2026-11-20")
    desk.register("2026-11-21", "denunciation", field="corruption")
    desk.classify(first["instance_id"])
    accept_task = desk.task_id(first["instance_id"], "Task_kn_receive")
    human_tasks.claim(engine_ctx, accept_task, RECEPTION)
    desk.complete(first["instance_id"], "Task_kn_receive", {
        "complaint_form": "letter", "contested_act": "Quyết định 120", "respondent": "Chủ tịch",
        "decision_known_on": "2026-11-01", "complaint_request": "Hủy quyết định"}, who=RECEPTION)
    clock.advance(days=40)  # Task_kn_classify is now past its acceptance deadline
    deadlines.check_deadlines(engine_ctx)
    login("giamsat")
    html = page_text(client.get("/supervision/"))
    # Overdue: the complaint's acceptance step, and the denunciation's classification (past the
    # 10-working-day notice deadline).
    assert 'id="fig-total">2<' in html and 'id="fig-overdue">2<' in html
    assert "Khiếu nại" in html and "Tố cáo" in html and "Tham nhũng, tiêu cực" in html
    overdue = html[html.index('id="overdue-list"'):]
    assert "Phân loại, đề xuất thụ lý" in overdue and "Đã báo thủ trưởng lúc" in overdue
    officers = html[html.index('id="on-time-officers"'):html.index('id="overdue-list"')]
    assert "Nguyễn Thị Tiếp" in officers and "100.0%" in officers
    assert 'data-chart="{' in html and "chart.umd.js" in html
    assert "<script>" not in html  # CSP: no inline script


def test_report_page_and_xlsx(client, login, desk):
    desk.register("2026-11-20", signers=6)
    desk.register("2026-11-21", "feedback", field="other")
    login("giamsat")
    html = page_text(client.get("/supervision/reports?kind=month&year=2026&index=11&unit=u1"))
    total = re.search(r'data-key="letters_total">.*?data-col="total">(\d+)<', html, re.S)
    assert total.group(1) == "2" and "Cách tính" in html and "Tháng 11/2026" in html
    assert "Số người đứng tên ≥ 5" in html
    workbook = client.get("/supervision/reports.xlsx?kind=month&year=2026&index=11&unit=u1")
    assert workbook.status_code == 200 and ".xlsx" in workbook.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    rows = {r[1]: r for r in sheet.iter_rows(values_only=True) if r[1]}
    assert rows["  – Đơn nhiều người đứng tên (từ 5 người trở lên)"][2] == 1
    assert client.get("/supervision/reports?kind=quarter&year=2026&index=7").status_code == 400
    assert client.get("/supervision/reports?kind=decade").status_code == 400


def test_reports_empty_register(client, login):
    login("giamsat")
    html = page_text(client.get("/supervision/reports?kind=nine&year=2026"))
    assert "9 tháng năm 2026" in html
    assert page_text(client.get("/supervision/")).count("Chưa có dữ liệu") >= 4


def test_as_of_event_zero_and_past_the_end(client, login, desk):
    case = desk.register("2026-11-20")
    login("giamsat")
    html = page_text(client.get(f"/supervision/instances/{case['instance_id']}?as_of=0"))
    assert "Trạng thái tại sự kiện số 0" in html and "Không có bước nào đang mở" in html
    last = page_text(client.get(f"/supervision/instances/{case['instance_id']}?as_of=999"))
    assert "Trạng thái hiện tại" in last


def test_search_page_size_is_bounded(engine_ctx):
    result = search.search(engine_ctx, search.SearchFilters(page_size=10_000), SUPERVISOR)
    assert result["page_size"] == search.MAX_PAGE_SIZE


def test_text_patterns():
    assert search.text_patterns("Đất ở Nà Sản") == [
        ("%dat%", False), ("% o %", True), ("% na %", True), ("%san%", False)]
    assert search.text_patterns("ở xa") == [("% o xa %", True)]
    assert search.text_patterns("  ") == []


def test_dashboard_escalation_resolved_after_completion(engine_ctx, desk, clock):
    case = desk.register("2026-11-20")
    desk.classify(case["instance_id"])
    clock.advance(days=40)
    deadlines.check_deadlines(engine_ctx)
    data = dashboard.dashboard(engine_ctx, SUPERVISOR)
    assert data["escalations_open"] == 1 and data["overdue"][0]["escalation"]["notified"]
    assert data["overdue"][0]["days_late"] >= 1
    clock.advance(days=1)
    desk.complete(case["instance_id"], "Task_kn_receive", {
        "complaint_form": "letter", "contested_act": "Quyết định 120", "respondent": "Chủ tịch",
        "decision_known_on": "2026-11-01", "complaint_request": "Hủy quyết định"})
    data = dashboard.dashboard(engine_ctx, SUPERVISOR)
    # Two of the three steps with a legal clock were on time (the intake steps carry the notice
    # deadline); the reception of the complaint was late.
    assert data["on_time_officers"][0]["late"] == 1 and data["on_time_officers"][0]["rate"] == 66.7
