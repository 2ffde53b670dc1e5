"""The case file (export.docx) an inspector expects (issue 15): a cover page with the agency's
printed name, the case, its parties by the exporter's identity rules, its dates and outcome; the
steps with their deadlines met or missed; the audit extract as an annex. Read back with
python-docx, and the sealed case checked down to the XML."""
from __future__ import annotations

import io
import zipfile

from docx import Document
from sqlalchemy import func, select

from engine.persistence.models import AuditEvent
from petitions.agencies.profiles import save_profile
from petitions.demo import DEMO_PASSWORD
from tests.web.conftest import csrf
from tests.web.test_supervision import OFFICER, desk, page_text  # noqa: F401  (fixture)
from engine.work import human_tasks


def _export(client, instance_id: int):
    response = client.get(f"/supervision/instances/{instance_id}/export.docx")
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return response.data


def _cover(document) -> dict[str, str]:
    return {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}


def _client_of(app, username: str):
    client = app.test_client()
    page = client.get("/login")
    assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                       "csrf_token": csrf(page)}).status_code == 302
    return client


def _agency(engine_ctx):
    save_profile(engine_ctx, "u1", {"full_name": "Ủy ban nhân dân xã Hòa Bình",
                                    "parent_body": "Ủy ban nhân dân huyện Demo"}, actor="quantri")


def test_cover_steps_and_annex_of_a_complaint(client, login, desk, engine_ctx, clock):
    _agency(engine_ctx)
    desk.at("2026-11-20")
    case = desk.register("2026-11-20", sender="Nguyễn Văn An", id_number="001203004567",
                         summary="Khiếu nại quyết định thu hồi đất")
    instance_id = case["instance_id"]
    human_tasks.claim(engine_ctx, desk.task_id(instance_id, "Task_classify"), OFFICER)
    desk.at("2026-11-23")
    desk.classify(instance_id)
    desk.at("2026-12-21")                      # the acceptance step is done late
    desk.accept_complaint(instance_id, on="2026-12-21")
    login("giamsat")
    document = Document(io.BytesIO(_export(client, instance_id)))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[:4] == ["ỦY BAN NHÂN DÂN HUYỆN DEMO", "ỦY BAN NHÂN DÂN XÃ HÒA BÌNH",
                              "HỒ SƠ VỤ VIỆC",
                              f"Đơn số {case['number']} — mã tra cứu {case['tracking_code']}"]
    cover = _cover(document)
    assert cover["Loại đơn"] == "Khiếu nại" and cover["Lĩnh vực"] == "Đất đai, nhà ở"
    assert cover["Người gửi đơn"] == "Nguyễn Văn An; số định danh 001203004567"
    assert cover["Người bị khiếu nại"] == "Chủ tịch UBND xã"
    assert cover["Ngày nhận đơn"] == "20/11/2026" and cover["Ngày thụ lý"] == "21/12/2026"
    assert cover["Ngày kết thúc"] == "Chưa kết thúc"
    assert cover["Kết quả giải quyết"] == "Đang giải quyết"
    assert cover["Hạn giải quyết"] == (
        "20/01/2027 (hạn bước «Xác minh, lập báo cáo kết quả xác minh»)")
    body = "\n".join(paragraphs + [c.text for t in document.tables for r in t.rows
                                   for c in r.cells])
    assert "u1" not in body.split() and "ubnd-xa-demo" not in body.lower()

    steps = document.tables[1]
    header = [c.text for c in steps.rows[0].cells]
    assert header == ["STT", "Bước", "Người thực hiện", "Hoàn thành lúc", "Hạn luật định",
                      "Thời hạn", "Tài liệu"]
    by_step = {r.cells[1].text: [c.text for c in r.cells] for r in steps.rows[1:]}
    assert by_step["Vào sổ, tiếp nhận đơn"][2:6] == [
        "Nguyễn Thị Tiếp", "20/11/2026 09:00:00", "—", "Không có hạn luật định"]
    # Classification carries the 10-working-day notice deadline (LTCD Điều 28).
    assert by_step["Phân loại, đề xuất xử lý đơn"][3:6] == [
        "23/11/2026 09:00:00", "07/12/2026 23:59:59", "Đúng hạn"]
    assert by_step["Tiếp nhận hồ sơ khiếu nại"][3:6] == [
        "21/12/2026 09:00:00", "30/11/2026 23:59:59", "Quá hạn 21 ngày"]
    assert by_step["Xác minh, lập báo cáo kết quả xác minh"][3:6] == [
        "—", "20/01/2027 23:59:59", "Trong hạn"]

    annex = document.tables[-1]
    with engine_ctx.uow(write=False) as uow:
        count = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id == instance_id))
    assert len(annex.rows) == count + 1 and annex.rows[1].cells[3].text == "Khởi tạo hồ sơ"
    assert "PHỤ LỤC. TRÍCH NHẬT KÝ KIỂM TOÁN" in paragraphs


def test_sealed_case_exported_by_an_administrator_has_no_identity_anywhere(
        client, login, desk, engine_ctx):
    # The administrator reaches the supervision pages of their own unit but may never read a
    # denouncer's identity; the supervisor exporting gets the same masked file (reading a sealed
    # identity takes a reason and an audit line, which an export never writes).
    case = desk.register("2026-11-20", "denunciation", unit="ubnd-xa-demo", sender="Lê Thị Tố Cáo",
                         id_number="079188001122",
                         summary="Lê Thị Tố Cáo tố cáo cán bộ địa chính nhận tiền")
    desk.classify(case["instance_id"], petition_type="denunciation")
    for username in ("quantri", "giamsat"):
        client = _client_of(client.application, username)
        data = _export(client, case["instance_id"])
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = "".join(archive.read(name).decode("utf-8", "replace")
                          for name in archive.namelist())
        for secret in ("Lê Thị Tố Cáo", "LÊ THỊ TỐ CÁO", "079188001122", "Tố Cáo"):
            assert secret not in xml, (username, secret)
        cover = _cover(Document(io.BytesIO(data)))
        assert cover["Người gửi đơn"] == "Người tố cáo 1 (đã niêm phong)"
        assert cover["Loại đơn"] == "Tố cáo"
    with engine_ctx.uow(write=False) as uow:
        unsealed = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.event_type == "identity_unsealed"))
    assert unsealed == 0
