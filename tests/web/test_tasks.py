"""The inbox (/tasks/) and the task page, on SQLite and PostgreSQL.

Petitions are registered through the engine (petitions.register.registration.register) by the demo reception
officer; the intake then waits at Task_classify for the handling officers. The engine clock is
Monday 23/11/2026 08:00 in Hà Nội (tests/support.FakeClock); Tuesday 24/11/2026 is a public holiday
(Ngày Văn hóa Việt Nam), so Wednesday 25/11 is one working day away.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select, update

from engine.accounts import users
from engine.persistence.models import HumanTask
from engine.running import instances
from engine.work import human_tasks
from petitions.demo import DEMO_PASSWORD
from petitions.register import registration
from petitions.register.registration import Registration, Sender
from petitions.tasks import inbox, task_page
from tests.web.conftest import csrf

SENDER = "Nguyễn Văn An"
CLASSIFY_OK = {
    "petition_type": "complaint", "in_vietnamese": "true", "has_identity": "true",
    "anonymous": "false", "within_competence": "true", "already_sent_to_competent": "false",
    "already_guided": "false", "already_transferred": "false", "resolved_nothing_new": "false",
    "crime_signs": "false", "party_member": "false", "concrete_content": "true",
    "competent_body": "", "duplicate_of": "", "proposal_note": "Đề xuất thụ lý đơn khiếu nại",
}


# ---- helpers -----------------------------------------------------------------------------------

def _register(engine_ctx, **overrides) -> dict:
    base = dict(received_on=date(2026, 11, 20), channel="direct", petition_type="complaint",
                field="land_housing", summary="Khiếu nại quyết định thu hồi đất đai thửa số 12",
                senders=[Sender(name=SENDER, id_number="001203004567", phone="0912345678",
                                province_code="1", address_detail="Số 5 ngõ 3")])
    base.update(overrides)
    return registration.register(engine_ctx, users.actor_for(engine_ctx, "tiepdan"),
                              Registration(**base))


def _task_id(engine_ctx, instance_id: int, bpmn_id: str = "Task_classify") -> int:
    with engine_ctx.uow(write=False) as uow:
        return uow.session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.bpmn_id == bpmn_id,
            HumanTask.status == "ready"))


def _set_due(engine_ctx, task_id: int, due_at: datetime | None) -> None:
    with engine_ctx.uow() as uow:
        uow.session.execute(update(HumanTask).where(HumanTask.id == task_id).values(due_at=due_at))
        uow.commit()


def _vn_end_of_day(day: date) -> datetime:
    """How the diagrams' deadline() stores a due day: 23:59:59 in Hà Nội, in UTC."""
    return datetime(day.year, day.month, day.day, 16, 59, 59, tzinfo=timezone.utc)


def _client_for(app, username: str):
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                           "csrf_token": csrf(page)})
    assert response.status_code == 302
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _rows(response) -> list[str]:
    """The petition numbers of the inbox table, in order."""
    return re.findall(r'class="number">([^<]+)</a>', _text(response))


@pytest.fixture
def three(engine_ctx):
    """Three petitions at Task_classify: due Wednesday, overdue since Friday, and no due date."""
    land = _register(engine_ctx)
    denunciation = _register(engine_ctx, petition_type="denunciation", field="corruption",
                             summary="Tố cáo cán bộ địa chính nhận tiền của dân")
    policy = _register(engine_ctx, petition_type="recommendation", field="policy",
                       summary="Kiến nghị về chế độ trợ cấp cho người có công")
    tasks = {name: _task_id(engine_ctx, r["instance_id"])
             for name, r in (("land", land), ("denunciation", denunciation), ("policy", policy))}
    _set_due(engine_ctx, tasks["land"], _vn_end_of_day(date(2026, 11, 25)))          # Wed: 1 day
    _set_due(engine_ctx, tasks["denunciation"], _vn_end_of_day(date(2026, 11, 20)))  # Fri: late
    return {"land": land, "denunciation": denunciation, "policy": policy, "tasks": tasks}


# ---- inbox -------------------------------------------------------------------------------------

def test_inbox_views_sort_and_badges(app, client, login, engine_ctx, three):
    login("xuly")
    queue = client.get("/tasks/?view=queue")
    assert queue.status_code == 200
    numbers = [three[k]["number"] for k in ("denunciation", "land", "policy")]
    assert _rows(queue) == numbers  # by due date, undated last
    text = _text(queue)
    assert "Hàng chờ của đơn vị" in text and "Phân loại, đề xuất xử lý đơn" in text
    assert "Cán bộ xử lý đơn" in text and "Chưa ai nhận" in text
    assert re.search(r'25/11/2026</span>\s*<span class="badge due-soon"[^>]*>còn 1 ngày làm việc<', text)
    assert re.search(r'20/11/2026</span>\s*<span class="badge due-late"[^>]*>quá 1 ngày làm việc<', text)
    assert SENDER not in text

    assert _rows(client.get("/tasks/")) == []                       # "Việc của tôi" is empty
    assert _rows(client.get("/tasks/?view=due_soon")) == [three["land"]["number"]]
    assert _rows(client.get("/tasks/?view=overdue")) == [three["denunciation"]["number"]]
    assert _rows(client.get("/tasks/?view=done")) == []
    assert client.get("/tasks/?view=unit").status_code == 403      # heads of unit only
    assert client.get("/tasks/?view=nonsense").status_code == 404

    # the head of unit has no classify task in a queue but sees the whole unit
    head = _client_for(app, "truongdonvi")
    assert _rows(head.get("/tasks/?view=queue")) == []
    assert _rows(head.get("/tasks/?view=unit")) == numbers


def test_inbox_filters(client, login, three):
    login("xuly")

    def numbers(query: str) -> list[str]:
        response = client.get(f"/tasks/?view=queue&{query}")
        assert response.status_code == 200
        return _rows(response)

    land, den, pol = (three[k]["number"] for k in ("land", "denunciation", "policy"))
    assert numbers("q=dat+dai") == [land]                 # no diacritics finds "đất đai"
    assert numbers("q=%C4%91%E1%BA%A5t+%C4%91ai") == [land]  # "đất đai" typed with diacritics
    assert numbers("q=CAN+BO+dia+chinh") == [den]
    assert numbers(f"q={pol}") == [pol]                   # by petition number
    assert numbers("petition_type=denunciation") == [den]
    assert numbers("field=policy") == [pol]
    assert numbers("due_from=2026-11-21&due_to=2026-11-30") == [land]
    assert numbers("due_to=2026-11-20") == [den]
    assert numbers("status=waiting") == [den, land, pol]
    assert numbers("status=suspended") == []
    bad = client.get("/tasks/?view=queue&due_from=31/12/2026")
    assert bad.status_code == 200 and "Ngày không hợp lệ" in _text(bad)
    page = _text(client.get("/tasks/?view=queue&petition_type=complaint"))
    assert '<option value="complaint" selected>Khiếu nại</option>' in page
    assert '<option value="land_housing">Đất đai, nhà ở</option>' in page


def test_pagination_fifty_per_page(engine_ctx, client, login, three):
    with engine_ctx.uow() as uow:  # 120 more ready tasks on the land petition's instance
        for i in range(120):
            uow.session.add(HumanTask(
                instance_id=three["land"]["instance_id"], task_guid=f"bulk-{i}", bpmn_id="Task_x",
                name=f"Việc phụ {i}", lane="Lane_handling", candidate_role="handling_officer",
                status="ready", priority=0, created_at=engine_ctx.clock.now()))
        uow.commit()
    login("xuly")
    first = client.get("/tasks/?view=queue")
    assert len(_rows(first)) == 50 and "123 công việc — trang 1/3" in _text(first)
    assert 'aria-label="Phân trang"' in _text(first)
    last = client.get("/tasks/?view=queue&page=3")
    assert len(_rows(last)) == 23
    assert len(_rows(client.get("/tasks/?view=queue&page=99"))) == 23  # clamped to the last page
    assert inbox.list_view(engine_ctx, users.actor_for(engine_ctx, "xuly"), "queue",
                           page=2)["page"] == 2


def test_counts_stop_at_the_cap(monkeypatch, client, login, three):
    monkeypatch.setattr(inbox, "COUNT_CAP", 2)
    login("xuly")
    text = _text(client.get("/tasks/?view=queue"))
    assert "Hơn 2 công việc — trang 1/1" in text and '<span class="count">2+</span>' in text
    assert len(_rows(client.get("/tasks/?view=queue"))) == 3  # the page itself is not cut


def test_inbox_queries_do_not_grow_with_the_rows(engine_ctx, client, login, three):
    """One count and one page query per list, whatever the rows (no query per row)."""
    bind = engine_ctx.session_factory.kw["bind"]
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    def queries(url: str) -> int:
        client.get(url)  # warm caches (user, calendar, labels)
        statements.clear()
        event.listen(bind, "before_cursor_execute", record)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(bind, "before_cursor_execute", record)
        return len(statements)

    login("xuly")
    few = queries("/tasks/?view=queue")
    with engine_ctx.uow() as uow:  # 40 more rows spread over the three petitions
        for i in range(40):
            uow.session.add(HumanTask(
                instance_id=three[("land", "denunciation", "policy")[i % 3]]["instance_id"],
                task_guid=f"more-{i}", bpmn_id="Task_x", name=f"Việc {i}",
                lane="Lane_handling", candidate_role="handling_officer", status="ready",
                priority=0, created_at=engine_ctx.clock.now()))
        uow.commit()
    assert queries("/tasks/?view=queue") == few


# ---- claim, unclaim, reassign ------------------------------------------------------------------

def test_claim_unclaim(app, client, login, engine_ctx, three):
    task_id = three["tasks"]["land"]
    login("xuly")
    page = client.get("/tasks/?view=queue")
    claimed = client.post(f"/tasks/{task_id}/claim",
                          data={"csrf_token": csrf(page), "next": "/tasks/?view=queue"})
    assert claimed.status_code == 302 and claimed.headers["Location"].endswith("/tasks/?view=queue")
    mine = client.get("/tasks/")
    assert _rows(mine) == [three["land"]["number"]] and "Trần Văn Xử" in _text(mine)
    assert "Đã nhận công việc" in _text(mine)

    other = _client_for(app, "xuly2")
    assert three["land"]["number"] not in _rows(other.get("/tasks/?view=queue"))
    late = other.post(f"/tasks/{task_id}/claim", data={"csrf_token": csrf(other.get("/tasks/"))},
                      follow_redirects=True)
    assert "đã được xuly nhận" in _text(late)
    assert other.post(f"/tasks/{task_id}/unclaim",
                      data={"csrf_token": csrf(other.get("/tasks/"))}).status_code == 403

    back = client.post(f"/tasks/{task_id}/unclaim", data={"csrf_token": csrf(mine)},
                       follow_redirects=True)
    assert "Đã trả lại công việc" in _text(back) and _rows(client.get("/tasks/")) == []
    assert three["land"]["number"] in _rows(other.get("/tasks/?view=queue"))


def test_reassign_needs_head_and_reason(app, client, login, engine_ctx, three):
    task_id = three["tasks"]["policy"]
    login("xuly")
    token = csrf(client.get("/tasks/"))
    assert client.get(f"/tasks/{task_id}/assign").status_code == 403
    refused = client.post(f"/tasks/{task_id}/assign", data={
        "csrf_token": token, "assignee": "xuly", "reason": "Tự giao"})
    assert refused.status_code == 403

    head = _client_for(app, "truongdonvi")
    form = head.get(f"/tasks/{task_id}/assign")
    text = _text(form)
    assert form.status_code == 200 and "Trần Văn Xử (xuly)" in text and "Lê Thị Lý (xuly2)" in text
    assert "(tiepdan)" not in text  # only people holding the task's role
    no_reason = head.post(f"/tasks/{task_id}/assign", data={
        "csrf_token": csrf(form), "assignee": "xuly2", "reason": "  "})
    assert no_reason.status_code == 400 and "Phải nêu lý do" in _text(no_reason)
    wrong_role = head.post(f"/tasks/{task_id}/assign", data={
        "csrf_token": csrf(form), "assignee": "tiepdan", "reason": "Thử"})
    assert wrong_role.status_code == 400
    done = head.post(f"/tasks/{task_id}/assign", data={
        "csrf_token": csrf(form), "assignee": "xuly2", "reason": "Cán bộ Xử đang đi công tác"})
    assert done.status_code == 302
    assert "Đã giao công việc" in _text(head.get("/tasks/?view=unit"))

    assignee = _client_for(app, "xuly2")
    assert _rows(assignee.get("/tasks/")) == [three["policy"]["number"]]
    page = _text(assignee.get(f"/tasks/{task_id}"))
    assert "Phạm Văn Trưởng giao cho Lê Thị Lý" in page and "Cán bộ Xử đang đi công tác" in page
    again = head.post(f"/tasks/{task_id}/assign", data={
        "csrf_token": csrf(form), "assignee": "xuly", "reason": "Cán bộ Lý nghỉ phép"})
    assert again.status_code == 302
    assert _rows(client.get("/tasks/")) == [three["policy"]["number"]]


# ---- task page ---------------------------------------------------------------------------------

def test_task_page_renders_the_declared_form_and_no_identity(client, login, engine_ctx, three):
    task_id = three["tasks"]["land"]
    login("xuly")
    response = client.get(f"/tasks/{task_id}")
    assert response.status_code == 200
    text = _text(response)
    form = task_page.task_form(engine_ctx, task_id)
    for field in form["fields"]:
        assert f'name="{field["name"]}"' in text and field["label"] in text
    assert '<input type="radio" id="f-petition_type-1" name="petition_type" value="complaint"' in text
    assert '<select id="f-in_vietnamese" name="in_vietnamese" required aria-required="true">' in text
    assert '<textarea id="f-proposal_note" name="proposal_note"' in text
    assert '<input type="text" id="f-competent_body" name="competent_body"' in text
    assert 'abbr class="req"' in text and 'name="version" value="ready:"' in text
    # beside the form: the petition and the register step with its values
    assert three["land"]["number"] in text and "thu hồi đất đai thửa số 12" in text
    assert "Khiếu nại" in text and "Đất đai, nhà ở" in text and "20/11/2026" in text
    assert "Vào sổ, tiếp nhận đơn" in text and "Nguyễn Thị Tiếp" in text
    assert "Hình thức tiếp nhận" in text and "Trực tiếp" in text
    # The classifier checks name and address, so sees the (unsealed) sender (issue 19 §4); the
    # register step's history never carries identity.
    assert SENDER in text and 'id="step-senders"' in text
    assert "001203004567" not in text and "0912345678" not in text


def test_documents_are_listed_by_name(client, login, engine_ctx):
    result = registration.register(
        engine_ctx, users.actor_for(engine_ctx, "tiepdan"),
        Registration(received_on=date(2026, 11, 20), channel="post", petition_type="complaint",
                     field="land_housing", summary="Khiếu nại bồi thường", anonymous=True,
                     senders=[]),
        [registration.StoredDocument(file_name="don-khieu-nai.pdf", stored_name="x1",
                                  content_type="application/pdf", size=10, sha256="0" * 64)])
    login("xuly")
    text = _text(client.get(f"/tasks/{_task_id(engine_ctx, result['instance_id'])}"))
    assert re.search(rf'href="/petitions/{result["petition_id"]}/documents/\d+">don-khieu-nai.pdf',
                     text)


def test_user_without_the_role_gets_403(app, client, login, three):
    task_id = three["tasks"]["land"]
    login("congkhai")
    assert client.get(f"/tasks/{task_id}").status_code == 403
    token = csrf(client.get("/tasks/"))
    response = client.post(f"/tasks/{task_id}/complete",
                           data={**CLASSIFY_OK, "csrf_token": token, "version": "ready:"})
    assert response.status_code == 403
    assert client.post(f"/tasks/{task_id}/draft", data={**CLASSIFY_OK, "csrf_token": token}
                       ).status_code == 403
    assert client.get("/tasks/999999").status_code == 404


def test_complete_invalid_then_valid_moves_to_the_head(app, client, login, engine_ctx, three):
    task_id = three["tasks"]["land"]
    login("xuly")
    page = client.get(f"/tasks/{task_id}")
    bad = {**CLASSIFY_OK, "in_vietnamese": "", "petition_type": "nonsense",
           "competent_body": "dòng một\ndòng hai", "csrf_token": csrf(page), "version": "ready:"}
    response = client.post(f"/tasks/{task_id}/complete", data=bad)
    assert response.status_code == 422
    text = _text(response)
    assert 'id="f-in_vietnamese-error">Bắt buộc nhập' in text
    assert 'id="f-petition_type-error">Giá trị không nằm trong danh sách' in text
    assert 'id="f-competent_body-error">Không được xuống dòng' in text
    assert "Biểu mẫu còn 3 lỗi" in text and 'href="#f-in_vietnamese"' in text
    assert "Đề xuất thụ lý đơn khiếu nại</textarea>" in text        # typed values kept
    assert '<option value="true" selected>Có</option>' in text
    assert _task_id(engine_ctx, three["land"]["instance_id"]) == task_id  # nothing written

    done = client.post(f"/tasks/{task_id}/complete",
                       data={**CLASSIFY_OK, "csrf_token": csrf(page), "version": "ready:"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/tasks/")
    assert "Đã hoàn thành công việc" in _text(client.get("/tasks/"))
    assert _rows(client.get("/tasks/?view=done")) == [three["land"]["number"]]

    head = _client_for(app, "truongdonvi")
    queue = head.get("/tasks/?view=queue")
    assert _rows(queue) == [three["land"]["number"]] and "Duyệt đề xuất xử lý đơn" in _text(queue)
    approve_id = _task_id(engine_ctx, three["land"]["instance_id"], "Task_approve_route")
    approve = _text(head.get(f"/tasks/{approve_id}"))
    assert 'name="approve"' in approve and "Ý kiến của thủ trưởng" in approve
    # the earlier step, with who and the values labelled by its form
    assert "Phân loại, đề xuất xử lý đơn" in approve and "Trần Văn Xử" in approve
    assert "Thuộc thẩm quyền giải quyết của cơ quan, đơn vị" in approve
    assert "Đề xuất thụ lý đơn khiếu nại" in approve


def test_draft_is_saved_and_restored(client, login, engine_ctx, three):
    task_id = three["tasks"]["land"]
    login("xuly")
    page = client.get(f"/tasks/{task_id}")
    saved = client.post(f"/tasks/{task_id}/draft", data={
        "csrf_token": csrf(page), "version": "ready:", "petition_type": "denunciation",
        "crime_signs": "true", "proposal_note": "Còn thiếu biên bản làm việc"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/tasks/{task_id}")
    text = _text(client.get(f"/tasks/{task_id}"))
    assert "Đã lưu nháp" in text and "Đang hiển thị bản nháp" in text
    assert 'value="denunciation" checked' in text
    assert '<select id="f-crime_signs" name="crime_signs" required aria-required="true">' in text
    assert re.search(r'id="f-crime_signs".*?<option value="true" selected>Có</option>', text, re.S)
    assert "Còn thiếu biên bản làm việc</textarea>" in text
    assert human_tasks.get_draft(engine_ctx, task_id, "xuly")["data"]["crime_signs"] == "true"


# ---- stale pages -------------------------------------------------------------------------------

def test_stale_page_keeps_what_the_second_officer_typed(app, engine_ctx, three):
    task_id = three["tasks"]["land"]
    first, second = _client_for(app, "xuly"), _client_for(app, "xuly2")
    page_one, page_two = first.get(f"/tasks/{task_id}"), second.get(f"/tasks/{task_id}")
    assert first.post(f"/tasks/{task_id}/complete", data={
        **CLASSIFY_OK, "csrf_token": csrf(page_one), "version": "ready:"}).status_code == 302
    typed = {**CLASSIFY_OK, "proposal_note": "Ý kiến riêng của cán bộ Lý, rất dài và quan trọng",
             "duplicate_of": "2025-000077"}
    response = second.post(f"/tasks/{task_id}/complete",
                           data={**typed, "csrf_token": csrf(page_two), "version": "ready:"})
    assert response.status_code == 409
    text = _text(response)
    assert "đã được Trần Văn Xử xử lý" in text and "dữ liệu bạn nhập chưa được ghi" in text
    assert "Ý kiến riêng của cán bộ Lý, rất dài và quan trọng" in text and "2025-000077" in text
    assert "Số đơn/hồ sơ đã xử lý trước (nếu trùng)" in text       # labelled by the form
    assert "Lưu thành bản nháp" not in text                          # the task is gone
    # a draft posted from the stale page is refused the same way, its data still shown
    late_draft = second.post(f"/tasks/{task_id}/draft", data={**typed,
                                                               "csrf_token": csrf(page_two)})
    assert late_draft.status_code == 409 and "2025-000077" in _text(late_draft)


def test_stale_page_after_reassignment(app, engine_ctx, three):
    task_id = three["tasks"]["land"]
    officer = _client_for(app, "xuly2")
    page = officer.get(f"/tasks/{task_id}")
    head = _client_for(app, "truongdonvi")
    assert head.post(f"/tasks/{task_id}/assign", data={
        "csrf_token": csrf(head.get("/tasks/")), "assignee": "xuly",
        "reason": "Giao cán bộ phụ trách địa bàn"}).status_code == 302
    response = officer.post(f"/tasks/{task_id}/complete",
                            data={**CLASSIFY_OK, "csrf_token": csrf(page), "version": "ready:"})
    assert response.status_code == 409
    text = _text(response)
    assert "đã được giao cho Trần Văn Xử trong lúc bạn đang mở trang" in text
    assert "Đề xuất thụ lý đơn khiếu nại" in text and "Lưu thành bản nháp" not in text
    # the new assignee's own page (loaded after the assignment) completes normally
    mine = _client_for(app, "xuly")
    own = mine.get(f"/tasks/{task_id}")
    assert 'name="version" value="ready:xuly"' in _text(own)
    assert mine.post(f"/tasks/{task_id}/complete", data={
        **CLASSIFY_OK, "csrf_token": csrf(own), "version": "ready:xuly"}).status_code == 302


def test_stale_page_offers_a_draft_when_the_task_is_still_open(app, engine_ctx, three):
    task_id = three["tasks"]["land"]
    officer = _client_for(app, "xuly")
    page = officer.get(f"/tasks/{task_id}")
    instances.suspend(engine_ctx, three["land"]["instance_id"], actor="quantri",
                      reason="Chờ kết quả giám định")
    typed = {**CLASSIFY_OK, "proposal_note": "Nội dung cần giữ lại"}
    response = officer.post(f"/tasks/{task_id}/complete",
                            data={**typed, "csrf_token": csrf(page), "version": "ready:"})
    assert response.status_code == 409
    text = _text(response)
    assert "Nội dung cần giữ lại" in text and "Lưu thành bản nháp" in text
    assert 'type="hidden" name="proposal_note" value="Nội dung cần giữ lại"' in text
    kept = officer.post(f"/tasks/{task_id}/draft", data={**typed, "csrf_token": csrf(response)})
    assert kept.status_code == 302
    assert human_tasks.get_draft(engine_ctx, task_id, "xuly")["data"]["proposal_note"] == \
        "Nội dung cần giữ lại"
    assert "Nội dung cần giữ lại</textarea>" in _text(officer.get(f"/tasks/{task_id}"))


# ---- petitions.tasks.inbox ------------------------------------------------------------------------------

def test_due_soon_window_counts_working_days(engine_ctx, three):
    """Due-soon = 0–2 working days left: from Monday 23/11 (Tuesday a holiday) up to Thursday 26/11."""
    actor = users.actor_for(engine_ctx, "xuly")
    task_id = three["tasks"]["policy"]
    for day, expected in ((date(2026, 11, 26), True), (date(2026, 11, 27), False)):
        _set_due(engine_ctx, task_id, _vn_end_of_day(day))
        numbers = [r["petition_number"] for r in
                   inbox.list_view(engine_ctx, actor, "due_soon")["rows"]]
        assert (three["policy"]["number"] in numbers) is expected
    calendar = engine_ctx.calendar()
    now = engine_ctx.clock.now()
    assert inbox.due_info(calendar, now, _vn_end_of_day(date(2026, 11, 27)))["state"] == "ok"
    holiday = inbox.due_info(calendar, now, _vn_end_of_day(date(2026, 11, 24)))
    assert holiday["remaining"] == 0 and holiday["state"] == "soon" and not holiday["today"]
    assert inbox.due_info(calendar, now, now - timedelta(hours=1))["state"] == "late"
    counts = inbox.view_counts(engine_ctx, actor)
    assert counts == {"mine": 0, "queue": 3, "due_soon": 1, "overdue": 1, "done": 0}
