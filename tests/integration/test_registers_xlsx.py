"""The letter register and the periodic report as official XLSX (issue 16 §6), read back with
openpyxl: the agency block, Quốc hiệu and Tiêu ngữ, the register's column order, A4 landscape
page setup, the signature block, units kept apart and a sealed denouncer kept out."""
from __future__ import annotations

import io
from dataclasses import replace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from engine.accounts.actor import Actor
from engine.accounts.models import Unit
from engine.errors import InvalidInput, NotFound
from engine.persistence.models import AuditEvent
from petitions.agencies.profiles import save_profile
from petitions.supervision import letter_register
from petitions.documents.sheet_layout import MOTTO, NATIONAL_TITLE
from petitions.supervision import report_letters, report_xlsx, reports
from tests.bpmn.harness import deploy_processes
from tests.integration.test_reports import Desk

OCTOBER = report_letters.period("month", 2026, 10)
HEAD = Actor("truongu1", frozenset({"head_of_unit"}), unit="u1")
SUPERVISOR = Actor("giamsat", frozenset({"supervisor"}), unit="ubnd-xa-demo",
                   supervised=frozenset({"u1", "u2"}))
ADMIN = Actor("quantri", frozenset({"administrator"}), unit="u1")
DENOUNCER, DENOUNCER_ID = "Trần Thị Bình", "079188001234"
PROFILE = {"full_name": "Ủy ban nhân dân xã An Phú", "parent_body": "UBND huyện Châu Thành",
           "place_name": "An Phú", "head_position": "Chủ tịch", "head_name": "Lê Văn Chủ"}
EXPECTED_COLUMNS = [
    "STT", "Ngày nhận đơn", "Số vào sổ", "Họ và tên người gửi đơn", "Địa chỉ", "Số CCCD/CMND",
    "Số người đứng tên", "Nguồn đơn", "Tóm tắt nội dung đơn", "Loại đơn", "Lĩnh vực",
    "Thẩm quyền", "Hướng xử lý", "Ngày xử lý", "Số, ký hiệu văn bản", "Kết quả giải quyết",
    "Ghi chú"]


@pytest.fixture
def letters(ctx, clock, time_machine):
    deploy_processes(ctx)
    desk = Desk(ctx, clock, time_machine)
    with ctx.uow() as uow:
        uow.session.add(Unit(code="xa-khac", name="UBND xã Khác"))
        uow.commit()
    save_profile(ctx, "u1", PROFILE, actor="quantri")
    found = {}
    desk.at("2026-09-30"); found["september"] = desk.register("2026-09-30")
    desk.at("2026-10-02"); found["complaint"] = desk.register("2026-10-02")
    desk.at("2026-10-03"); desk.classify(found["complaint"]["instance_id"])
    desk.at("2026-10-05"); desk.accept_complaint(found["complaint"]["instance_id"], "2026-10-05")
    desk.at("2026-10-06"); found["denunciation"] = desk.register(
        "2026-10-06", "denunciation", field="corruption", sender=DENOUNCER,
        id_number=DENOUNCER_ID, summary=f"Bà {DENOUNCER} tố cáo cán bộ địa chính nhận tiền")
    desk.at("2026-10-07"); found["u2"] = desk.register("2026-10-07", unit="u2", sender="Phạm Văn Hai")
    desk.at("2026-10-08"); found["other"] = desk.register("2026-10-08", unit="xa-khac", sender="Đỗ Văn Khác")
    desk.at("2026-11-04", hour=10)
    return found


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def _texts(sheet) -> str:
    return "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)


def test_the_letter_register_is_an_official_a4_landscape_sheet(ctx, letters):
    from datetime import date, datetime, timezone
    from petitions.persistence.models import OutgoingDocument
    with ctx.uow() as uow:   # numbers the outgoing register gave (by the period's end only)
        for seq, day in ((3, date(2026, 10, 5)), (9, date(2026, 11, 2))):
            uow.session.add(OutgoingDocument(
                unit_code="u1", year=2026, seq=seq, number=f"{seq:02d}/TB-UBND",
                form_code="VB-THONG-BAO-THU-LY", template_version=1,
                petition_id=letters["complaint"]["petition_id"], task_id=seq, issued_on=day,
                issued_by="xuly", issued_at=datetime(2026, 10, 5, tzinfo=timezone.utc)))
        uow.commit()
    register = letter_register.build(ctx, OCTOBER, HEAD)
    sheet = _sheet(letter_register.to_xlsx(register))
    # Agency block on the left (columns A–F), Quốc hiệu and Tiêu ngữ on the right (G–Q).
    assert (sheet["A1"].value, sheet["A2"].value) == ("UBND HUYỆN CHÂU THÀNH",
                                                      "ỦY BAN NHÂN DÂN XÃ AN PHÚ")
    assert (sheet["G1"].value, sheet["G2"].value) == (NATIONAL_TITLE, MOTTO)
    assert sheet["A4"].value == "SỔ TIẾP NHẬN, XỬ LÝ ĐƠN"
    assert sheet["A5"].value == "Tháng 10/2026 (từ ngày 01/10/2026 đến ngày 31/10/2026)"
    assert [c.value for c in sheet[7]] == EXPECTED_COLUMNS
    assert [c.value for c in sheet[8]] == [f"({i})" for i in range(1, 18)]
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize), setup.fitToWidth, setup.fitToHeight) == \
        ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$7:$7"
    rows = [r for r in sheet.iter_rows(min_row=9, max_row=10, values_only=True)]
    complaint, denunciation = rows
    assert complaint[:7] == (1, "02/10/2026", letters["complaint"]["number"], "Nguyễn Văn An",
                             "—", "001203004567", 1)
    assert (complaint[9], complaint[11], complaint[12], complaint[13], complaint[14],
            complaint[15]) == ("Khiếu nại", "Thuộc thẩm quyền", "Thụ lý", "05/10/2026",
                               "03/TB-UBND", "Đang xử lý")
    assert denunciation[:6] == (2, "06/10/2026", letters["denunciation"]["number"],
                                letter_register.SEALED_NAME, "—", "—")
    assert denunciation[9] == "Tố cáo" and denunciation[16] == letter_register.SEALED_NOTE
    # The signature block: date line, position, name, below the last letter.
    tail = [v for row in sheet.iter_rows(min_row=11, values_only=True) for v in row if v]
    assert tail[:3] == ["An Phú, ngày 04 tháng 11 năm 2026", "NGƯỜI LẬP BIỂU", "CHỦ TỊCH"]
    assert tail[-1] == "Lê Văn Chủ"
    text = _texts(sheet)
    assert DENOUNCER not in text and DENOUNCER_ID not in text and "u1" not in text.split()


def test_units_and_period_scope(ctx, letters):
    numbers = [r.petition_number for r in letter_register.build(ctx, OCTOBER, SUPERVISOR)["rows"]]
    assert numbers == [letters[k]["number"] for k in ("complaint", "denunciation", "u2")]
    only_u2 = letter_register.build(ctx, OCTOBER, SUPERVISOR, unit_code="u2")["rows"]
    assert [r.names for r in only_u2] == ["Phạm Văn Hai"]
    with pytest.raises(NotFound):
        letter_register.build(ctx, OCTOBER, HEAD, unit_code="u2")
    with pytest.raises(NotFound):
        letter_register.build(ctx, OCTOBER, SUPERVISOR, unit_code="xa-khac")
    september = letter_register.build(ctx, report_letters.period("month", 2026, 9), HEAD)["rows"]
    assert [r.petition_number for r in september] == [letters["september"]["number"]]
    nobody = letter_register.build(ctx, OCTOBER, Actor("x", frozenset({"supervisor"})))
    assert nobody["rows"] == [] and nobody["agency"].full_name == ""


def test_a_sealed_identity_shows_only_with_a_reason_to_whom_the_law_allows(ctx, letters):
    instance_id = letters["denunciation"]["instance_id"]
    for reader, reason in ((SUPERVISOR, None), (ADMIN, "Kiểm tra sổ đơn tháng 10")):
        rows = letter_register.build(ctx, OCTOBER, reader, reason=reason)["rows"]
        sealed = next(r for r in rows if r.petition_number == letters["denunciation"]["number"])
        assert (sealed.names, sealed.id_numbers) == (letter_register.SEALED_NAME, "—")
        assert DENOUNCER not in sealed.summary
    with pytest.raises(InvalidInput):
        letter_register.build(ctx, OCTOBER, HEAD, reason="ok")
    register = letter_register.build(ctx, OCTOBER, HEAD, reason="Giải quyết tố cáo tháng 10")
    shown = next(r for r in register["rows"] if r.petition_number == letters["denunciation"]["number"])
    assert (shown.names, shown.id_numbers, register["revealed"]) == (DENOUNCER, DENOUNCER_ID, 1)
    assert DENOUNCER in shown.summary and shown.note == letter_register.REVEALED_NOTE
    with ctx.uow(write=False) as uow:
        events = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id,
            AuditEvent.event_type == "identity_unsealed")).all()
    assert [(e.actor, e.payload["source"], e.payload["petition_id"]) for e in events] == \
        [("truongu1", "letter_register", letters["denunciation"]["petition_id"])]


def test_the_periodic_report_gains_the_header_signature_and_page_setup(ctx, letters):
    report = reports.build(ctx, OCTOBER, "u1", units=SUPERVISOR.units)
    agency = report_xlsx.agency(ctx, "u1")
    sheet = _sheet(report_xlsx.to_xlsx(report, agency))
    assert (sheet["A1"].value, sheet["A2"].value) == ("UBND HUYỆN CHÂU THÀNH",
                                                      "ỦY BAN NHÂN DÂN XÃ AN PHÚ")
    assert (sheet["C1"].value, sheet["C2"].value) == (NATIONAL_TITLE, MOTTO)
    assert sheet["A4"].value.startswith(report_xlsx.TITLE) and "THÁNG 10/2026" in sheet["A4"].value
    assert [c.value for c in sheet[7]] == list(report_xlsx.COLUMNS)
    assert (sheet.page_setup.orientation, int(sheet.page_setup.paperSize)) == ("landscape", 9)
    assert sheet.page_setup.fitToWidth == 1 and sheet.print_title_rows == "$7:$7"
    tail = [v for row in sheet.iter_rows(min_row=sheet.max_row - 8, values_only=True)
            for v in row if v]
    assert "An Phú, ngày 04 tháng 11 năm 2026" in tail and "CHỦ TỊCH" in tail
    assert tail[-1] == "Lê Văn Chủ"
    acting = replace(agency, acting=True, acting_name="Phạm Văn Phó")
    tail = [v for row in _sheet(report_xlsx.to_xlsx(report, acting)).iter_rows(values_only=True)
            for v in row if v][-6:]
    assert tail == ["NGƯỜI LẬP BIỂU", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "(Ký, ghi rõ họ tên)",
                    "(Ký, ghi rõ họ tên, đóng dấu)", "Phạm Văn Phó"]
