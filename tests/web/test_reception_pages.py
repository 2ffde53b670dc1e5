"""The citizen reception pages (issue 17 §7): schedule → calendar → session → three visits →
conclusion with two assignments; the book, its print view and XLSX; the ID-number lookup by
POST; bad input answered with one clear line and nothing written; another unit's session 404."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from engine.accounts.models import Unit
from engine.persistence.models import HumanTask
from petitions.reception.models import ReceptionSession, ReceptionVisit
from tests.web.conftest import csrf

VN = timezone(timedelta(hours=7))


@pytest.fixture
def desk(app, engine_ctx, clock, time_machine, login):
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=VN).astimezone(timezone.utc)
    clock.current = moment
    time_machine.move_to(moment, tick=False)
    with engine_ctx.uow() as uow:
        for code in ("phong-kt", "cong-an-xa"):
            uow.session.add(Unit(code=code, name=f"Đơn vị {code}"))
        uow.commit()
    login("tiepdan")


def _visits(engine_ctx) -> int:
    with engine_ctx.uow(write=False) as uow:
        return uow.session.scalar(select(func.count(ReceptionVisit.id)))


def _visit(client, url, **fields):
    page = client.get(url)
    data = {"csrf_token": csrf(page), "visited_on": "2026-12-01", "people": "1",
            "petition_type": "recommendation", "outcome": "guided", "field": "other", **fields}
    return client.post(url, data=data)


def test_a_periodic_session_end_to_end(client, engine_ctx, desk):
    page = client.get("/tiep-cong-dan/")
    assert page.status_code == 200 and "Lịch tiếp công dân tháng 12/2026" in page.get_data(as_text=True)
    made = client.post("/tiep-cong-dan/lich", data={
        "csrf_token": csrf(page), "position": "party_secretary", "leader_name": "Nguyễn Tiến Thịnh",
        "rule": "monthly", "monthly_days": "1,28", "morning": "07:30-11:30",
        "afternoon": "13:30-17:00", "place": "Phòng Tiếp công dân"})
    assert made.status_code == 303
    with engine_ctx.uow(write=False) as uow:
        from petitions.reception.models import ReceptionSchedule
        schedule_id = uow.session.scalar(select(ReceptionSchedule.id))
    client.post(f"/tiep-cong-dan/lich/{schedule_id}/len-lich", data={
        "csrf_token": csrf(client.get("/tiep-cong-dan/")), "start": "2026-12-01", "end": "2026-12-31"})
    calendar = client.get("/tiep-cong-dan/?thang=2026-12").get_data(as_text=True)
    assert calendar.count("Nguyễn Tiến Thịnh · Định kỳ") == 2
    assert "Phiên tiếp hôm nay" in calendar          # 01/12/2026 is the test's today
    with engine_ctx.uow(write=False) as uow:
        session_id = uow.session.scalar(select(ReceptionSession.id).where(
            ReceptionSession.held_on == datetime(2026, 12, 1).date()))
    from petitions.citizens.appointments import register
    register(engine_ctx, session_id, name="Hoàng Thị Mai", contact="0912345678",
             matter="Hỏi về ranh giới đất")
    prepared = client.get(f"/tiep-cong-dan/phien/{session_id}").get_data(as_text=True)
    assert "Công dân đăng ký trước (1)" in prepared and "Hoàng Thị Mai" in prepared
    form_url = f"/tiep-cong-dan/phien/{session_id}/luot-tiep"
    assert _visit(client, form_url, **{"citizens.0.name": "Trần Văn Bình",
                                       "citizens.0.id_number": "001203004567",
                                       "content": "Hỏi thủ tục"}).status_code == 303
    assert _visit(client, form_url, **{"citizens.0.name": "Trần Văn Bình",
                                       "citizens.0.id_number": "001203004567",
                                       "content": "Khiếu nại thu hồi đất", "outcome": "letter",
                                       "petition_type": "complaint",
                                       "field": "land_housing"}).status_code == 303
    assert _visit(client, form_url, **{"people": "7", "citizens.0.name": "Lò Văn A",
                                       "citizens.0.is_representative": "1",
                                       "citizens.1.name": "Lò Thị B",
                                       "citizens.1.is_representative": "1",
                                       "content": "Phản ánh ô nhiễm", "petition_type": "feedback",
                                       "outcome": "transferred",
                                       "transferred_to": "UBND tỉnh"}).status_code == 303
    bad = _visit(client, form_url, **{"people": "7", "content": "Đoàn 7 người", **{
        f"citizens.{i}.name": f"Người {i}" for i in range(3)}, **{
        f"citizens.{i}.is_representative": "1" for i in range(3)}})
    assert bad.status_code == 422
    assert "phải cử 1 hoặc 2 người đại diện, không phải 3" in bad.get_data(as_text=True)
    assert _visits(engine_ctx) == 3
    bad = client.post(form_url, data={"csrf_token": csrf(client.get(form_url)),
                                      "visited_on": "2026-11-30", "people": "1",
                                      "citizens.0.name": "A", "content": "Hỏi",
                                      "petition_type": "feedback", "outcome": "guided"})
    assert bad.status_code == 422 and "khác ngày của phiên tiếp" in bad.get_data(as_text=True)
    assert _visits(engine_ctx) == 3

    lookup = client.post("/tiep-cong-dan/tra-cuu", data={
        "csrf_token": csrf(client.get(form_url)), "id_number": "001203004567"})
    found = json.loads(lookup.get_data(as_text=True))
    assert [v["content"] for v in found["visits"]] == ["Khiếu nại thu hồi đất", "Hỏi thủ tục"]
    assert [p["number"] for p in found["letters"]] == ["2026-000001"]

    session_page = client.get(f"/tiep-cong-dan/phien/{session_id}")
    held = client.post(f"/tiep-cong-dan/phien/{session_id}/da-tiep", data={
        "csrf_token": csrf(session_page), "held_by": "in_person"})
    assert held.status_code == 303
    session_page = client.get(f"/tiep-cong-dan/phien/{session_id}")
    issued = client.post(f"/tiep-cong-dan/phien/{session_id}/ket-luan", data={
        "csrf_token": csrf(session_page), "number": "01/TB-ĐU", "issued_on": "2026-12-01",
        "leader_name": "Nguyễn Tiến Thịnh", "summary": "Giao kiểm tra",
        "assignments.0.unit_code": "phong-kt", "assignments.0.owner": "Trưởng phòng",
        "assignments.0.task": "Kiểm tra", "assignments.0.required_result": "Báo cáo",
        "assignments.0.deadline": "2026-12-08",
        "assignments.1.unit_code": "cong-an-xa", "assignments.1.owner": "Trưởng Công an",
        "assignments.1.task": "Xác minh", "assignments.1.required_result": "Biên bản",
        "assignments.1.deadline": "2026-12-15"})
    assert issued.status_code == 303
    with engine_ctx.uow(write=False) as uow:
        units = sorted(uow.session.scalars(select(HumanTask.candidate_unit).where(
            HumanTask.bpmn_id == "Task_ca_do")))
    assert units == ["cong-an-xa", "phong-kt"]
    text = client.get("/tiep-cong-dan/ket-luan").get_data(as_text=True)
    assert text.count("Đang thực hiện") == 2

    book = client.get("/tiep-cong-dan/so?q=o+nhiem").get_data(as_text=True)
    assert "Phản ánh ô nhiễm" in book and "Hỏi thủ tục" not in book
    assert "SỔ TIẾP CÔNG DÂN" in client.get("/tiep-cong-dan/so/in").get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(client.get("/tiep-cong-dan/so.xlsx").data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(values) if row[0] == "STT")
    assert values[header][:6] == ["STT", "Ngày tiếp", "Họ và tên", "Địa chỉ", "Số CCCD/CMND",
                                  "Nội dung vụ việc"]
    assert [row[0] for row in values[header + 1:header + 4]] == [1, 2, 3]


def test_another_units_session_is_not_found(app, client, engine_ctx, desk, login):
    from petitions.reception import sessions
    from tests.support import actor
    with engine_ctx.uow() as uow:
        uow.session.add(Unit(code="xa-khac", name="Xã khác"))
        uow.commit()
    other = sessions.add_ad_hoc(engine_ctx, actor("khac", "reception_officer", unit="xa-khac"),
                                position="chairman", leader_name="Chủ tịch xã khác",
                                held_on=datetime(2026, 12, 2).date(), place="Trụ sở",
                                morning="07:30-11:30")["id"]
    assert client.get(f"/tiep-cong-dan/phien/{other}").status_code == 404
    assert client.get(f"/tiep-cong-dan/phien/{other}/luot-tiep").status_code == 404
    page = client.get("/tiep-cong-dan/")
    assert client.post(f"/tiep-cong-dan/phien/{other}/huy", data={
        "csrf_token": csrf(page), "reason": "x"}).status_code == 404
    bad = client.post("/tiep-cong-dan/phien", data={
        "csrf_token": csrf(page), "position": "chairman", "leader_name": "A",
        "held_on": "2026-12-03", "place": "B", "morning": "25:00-11:00"}, follow_redirects=True)
    assert "Giờ tiếp buổi sáng không hợp lệ" in bad.get_data(as_text=True)


def test_refusal_notice_cites_the_ground(client, engine_ctx, desk):
    from engine.accounts.users import actor_for
    from petitions.reception import book, sessions
    officer = actor_for(engine_ctx, "tiepdan")
    day = datetime(2026, 12, 1).date()
    sid = sessions.add_ad_hoc(engine_ctx, officer, position="chairman", leader_name="Chủ tịch",
                              held_on=day, place="Trụ sở", morning="07:30-11:30")["id"]
    refused = book.record(engine_ctx, officer, book.Visit(
        visited_on=day, session_id=sid, content="Khiếu nại việc đã giải quyết",
        citizens=[book.Citizen("Phan Văn Khải")], outcome="refused",
        refusal_ground="already_resolved"))
    guided = book.record(engine_ctx, officer, book.Visit(
        visited_on=day, session_id=sid, content="Hỏi", citizens=[book.Citizen("Hà")]))
    notice = client.get(f"/tiep-cong-dan/luot-tiep/{refused['id']}/thong-bao-tu-choi")
    text = notice.get_data(as_text=True)
    assert notice.status_code == 200 and "Phan Văn Khải" in text
    assert "cố tình khiếu nại, tố cáo kéo dài (Điều 9 khoản 3)" in text
    assert client.get(f"/tiep-cong-dan/luot-tiep/{guided['id']}/thong-bao-tu-choi").status_code == 404
    # The same notice from the legal documents' template (VB-TU-CHOI-TIEP), NĐ 30/2020 layout.
    word = client.get(f"/tiep-cong-dan/luot-tiep/{refused['id']}/thong-bao-tu-choi.docx")
    assert word.status_code == 200 and word.headers["Content-Disposition"].startswith("attachment")
    from io import BytesIO
    from docx import Document
    doc = Document(BytesIO(word.data))
    texts = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables
                                                           for r in t.rows for c in r.cells])
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts and "Độc lập - Tự do - Hạnh phúc" in texts
    assert "Phan Văn Khải" in texts and "Về việc từ chối tiếp công dân" in texts
    assert "cố tình khiếu nại, tố cáo kéo dài (Điều 9 khoản 3)" in texts
    assert "Số: …/TB-" in texts and "ngày 01 tháng 12 năm 2026" in texts
    assert "{{" not in texts and "ubnd-xa-demo" not in texts.lower()
    assert client.get(f"/tiep-cong-dan/luot-tiep/{guided['id']}/thong-bao-tu-choi.docx"
                      ).status_code == 404
    assert "Thông báo từ chối tiếp" in client.get("/tiep-cong-dan/so").get_data(as_text=True)
