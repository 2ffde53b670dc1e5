"""Carrying over an office's register (issue 20 §7): ``petitions.interop.register_import``.

A 1,000-row XLSX register with 3 bad rows, generated here with the title block and the "(1) (2)
…" row that printed registers have: the dry run writes nothing, the real run registers 997 and
reports the 3 with their reasons, a re-run registers nothing new, the letters wait at
classification and count as carried over, and a denouncer from an imported row stays sealed.
The CSV path, its header variants and the command line are checked on a small file.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from engine.persistence.models import AuditEvent, HumanTask, ProcessInstance
from petitions.interop import register_import
from petitions.persistence import vault
from petitions.persistence.interop_models import PetitionImport
from petitions.persistence.models import Petition, PetitionSender
from petitions.register import registration
from petitions.register.petition_file import petition_file
from petitions.supervision import report_letters, reports
from tests.bpmn.harness import deploy_processes
from tests.integration.test_reports import Desk
from tests.support import actor

CANARY, CANARY_ID, CANARY_PHONE = "Hoàng Thị Canary", "079188009999", "0988777666"
READER = actor("xuly", "handling_officer", unit="u1")
HEADER = ["STT", "Ngày nhận đơn", "Số vào sổ", "Họ và tên người gửi đơn", "Địa chỉ",
          "Số CCCD/CMND", "Số người đứng tên", "Nguồn đơn", "Tóm tắt nội dung đơn", "Loại đơn",
          "Lĩnh vực", "Thẩm quyền", "Hướng xử lý", "Ghi chú"]
KINDS = ["Khiếu nại", "Kiến nghị", "Phản ánh", "Tố cáo"]
# row index (0-based among data rows) -> what is wrong with it
BAD = {100: ("summary", ""), 500: ("received_on", "31/02/2026"), 900: ("kind", "Khiếu kiện")}


def _register_rows(count: int) -> list[list]:
    rows = []
    for i in range(count):
        kind = KINDS[i % 4]
        name = CANARY if i == 3 else f"Người gửi {i}"
        summary = (f"Bà {CANARY} tố cáo cán bộ địa chính xã nhận tiền" if i == 3
                   else f"Đơn {i}: đề nghị xem xét việc cấp giấy chứng nhận quyền sử dụng đất")
        row = [i + 1, f"{1 + i % 28:02d}/{8 + i % 3:02d}/2026", f"{i + 1}/2026", name,
               "Thôn Đông, xã An Phú", CANARY_ID if i == 3 else f"0792{i:08d}", "",
               "Qua bưu chính" if i % 2 else "Trực tiếp", summary, kind, "Đất đai, nhà ở",
               "Thuộc thẩm quyền", "Thụ lý", ""]
        if i in BAD:
            column, value = BAD[i]
            row[{"summary": 8, "received_on": 1, "kind": 9}[column]] = value
        rows.append(row)
    return rows


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["ỦY BAN NHÂN DÂN XÃ AN PHÚ", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.append([None, None, None, "SỔ TIẾP NHẬN, XỬ LÝ ĐƠN"])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append([f"({n})" for n in range(1, len(HEADER) + 1)])
    for row in rows:
        sheet.append(row)
    sheet.append([])
    sheet.append(["NGƯỜI LẬP BIỂU"] + [None] * 10 + ["CHỦ TỊCH"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _counts(ctx) -> tuple:
    with ctx.uow(write=False) as uow:
        s = uow.session
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (
            Petition, PetitionSender, PetitionImport, ProcessInstance, HumanTask, AuditEvent))


@pytest.fixture
def office(ctx, clock, time_machine):
    deploy_processes(ctx)
    desk = Desk(ctx, clock, time_machine)   # units u1, u2 under the demo commune
    desk.at("2026-10-30")   # the rows were received in August to October
    return desk


# A thousand letters, each its own transaction through the intake, take a minute or two: this
# test runs on SQLite only; the CSV test below runs the same path on both databases.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_thousand_row_register_is_carried_over_once_with_its_bad_rows_reported(ctx, office):
    data = _xlsx(_register_rows(1000))
    before = _counts(ctx)

    dry = register_import.import_register(ctx, "so-theo-doi-don-2026.xlsx", data, unit="u1",
                                          user="tiepdan")
    assert dry.dry_run and (dry.count("would_register"), dry.count("refused")) == (997, 3)
    assert _counts(ctx) == before, "a dry run writes nothing"
    reasons = {r.row: r.reason for r in dry.refused}
    # data row i sits on sheet row i + 6 (title, blank, header and numbering rows above)
    assert reasons == {106: "Thiếu tóm tắt nội dung đơn",
                       506: "Ngày nhận đơn không hợp lệ: '31/02/2026' (cần dd/mm/yyyy)",
                       906: reasons[906]}
    assert reasons[906].startswith("Loại đơn không hợp lệ: 'Khiếu kiện'")

    done = register_import.import_register(ctx, "so-theo-doi-don-2026.xlsx", data, unit="u1",
                                           user="tiepdan", dry_run=False)
    assert (done.count("registered"), done.count("refused"), done.count("skipped")) == (997, 3, 0)
    assert {r.row: r.reason for r in done.refused} == reasons
    with ctx.uow(write=False) as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(Petition)) == 997
        assert s.scalar(select(func.count()).select_from(PetitionImport)) == 997
        # every letter waits at classification in its unit's queue, its intake started as at the desk
        waiting = s.execute(select(HumanTask.bpmn_id, func.count()).where(
            HumanTask.status == "ready").group_by(HumanTask.bpmn_id)).all()
        assert dict(waiting) == {"Task_classify": 997}
        assert set(s.scalars(select(Petition.unit_code))) == {"u1"}
        first = s.scalars(select(PetitionImport).where(PetitionImport.origin_number == "1/2026")).one()
        letter = s.get(Petition, first.petition_id)
        assert (letter.received_on, letter.channel, letter.petition_type, letter.field) == (
            date(2026, 8, 1), "direct", "complaint", "land_housing")
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.event_type == "petition_imported")) == 997
        sealed_id = s.scalar(select(PetitionImport.petition_id).where(
            PetitionImport.origin_number == "4/2026"))
        sealed = s.get(Petition, sealed_id)
        assert sealed.identity_sealed and CANARY not in sealed.summary
        payloads = json.dumps([e.payload for e in s.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == sealed.instance_id))], ensure_ascii=False)
        assert CANARY not in payloads and CANARY_ID not in payloads

    # the denouncer never shows to a reader without the identity role
    shown = json.dumps(petition_file(ctx, sealed_id, READER), ensure_ascii=False, default=str)
    masked = registration.senders(ctx, sealed_id, READER)
    assert CANARY not in shown and CANARY_ID not in shown
    assert masked[0]["masked"] and CANARY not in json.dumps(masked, ensure_ascii=False)
    # ... nor in the refused rows' file
    for name in ("refused.xlsx", "refused.csv"):
        assert CANARY.encode() not in register_import.report_file(done, name)

    after = _counts(ctx)
    again = register_import.import_register(ctx, "so-theo-doi-don-2026.xlsx", data, unit="u1",
                                            user="tiepdan", dry_run=False)
    assert (again.count("registered"), again.count("skipped"), again.count("refused")) == (0, 997, 3)
    assert _counts(ctx)[:5] == after[:5], "a re-run registers nothing new"

    # the periodic report counts them as carried over, the desk's letters as new
    office.register("2026-10-02")
    figures = reports.figures(reports.build(ctx, report_letters.period("month", 2026, 10), "u1"))
    row = figures["letters_total"]
    assert (row.total, row.carried, row.new) == (998, 997, 1)
    assert figures["type_denunciation"].carried == 250


def test_a_small_csv_with_header_variants_from_the_command_line(ctx, office, db_url, tmp_path,
                                                                monkeypatch):
    from petitions_cli.main import cli
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Số đơn", "NGAY NHAN DON", "Họ tên người gửi", "Số định danh",
                     "Số điện thoại", "Nội dung đơn", "Phân loại đơn", "Hình thức tiếp nhận",
                     "Số người đứng tên"])
    writer.writerow(["KN-01", "2026-09-15", "Lê Văn Một; Lê Thị Hai", "001203004567; 001203004568",
                     "", "Đề nghị bồi thường khi thu hồi đất", "khieu nai", "Bưu điện", "6"])
    writer.writerow(["TC-02", "16/9/2026", CANARY, CANARY_ID, CANARY_PHONE,
                     "Tố cáo chủ tịch xã", "Tố cáo", "Do cơ quan, tổ chức chuyển đến (Báo Nhân Dân)",
                     ""])
    writer.writerow(["TC-03", "17/09/2026", CANARY, "12345", "", "Tố cáo", "Tố cáo", "", ""])
    writer.writerow(["PA-04", "18/09/2026", "", "", "", "Phản ánh đường hỏng", "Phản ánh",
                     "Hộp thư góp ý", ""])
    writer.writerow(["PA-04", "18/09/2026", "", "", "", "Lặp lại", "Phản ánh", "", ""])
    path = tmp_path / "so-don.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    ring = vault.active()   # the command writes the identities with the keys the test reads
    vault.Keyring(ring.keys, ring.index_keys, tmp_path / "identity-keys.json").save()
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("PETITIONS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IDENTITY_KEY_FILE", str(tmp_path / "identity-keys.json"))
    runner = CliRunner()
    before = _counts(ctx)
    dry = runner.invoke(cli, ["register", "import", str(path), "--unit", "u1", "--json"])
    assert dry.exit_code == 0, dry.output
    result = json.loads(dry.stdout)
    assert (result["dry_run"], result["would_register"], result["refused"]) == (True, 3, 2)
    assert _counts(ctx) == before
    refused = {d["row"]: d["reason"] for d in result["details"]}
    assert refused[4] == "Số CCCD/CMND của người gửi thứ 1 không hợp lệ (12 chữ số, hoặc CMND 9 chữ số)"
    assert refused[6] == "Trùng số vào sổ và ngày nhận với dòng 5 của tệp"
    assert CANARY not in dry.output and CANARY_ID not in dry.output

    report = tmp_path / "tu-choi.xlsx"
    run = runner.invoke(cli, ["register", "import", str(path), "--unit", "u1", "--apply",
                              "--report", str(report)])
    assert run.exit_code == 0, run.output
    assert "Đã vào sổ: 3" in run.output and CANARY not in run.output
    sheet = load_workbook(report).active
    assert [c.value for c in sheet[1]] == list(register_import.REPORT_HEADERS)
    assert sheet.max_row == 3 and CANARY_ID not in str(list(sheet.values))
    with ctx.uow(write=False) as uow:
        s = uow.session
        group = s.scalar(select(Petition).join(PetitionImport).where(
            PetitionImport.origin_number == "KN-01"))
        assert (group.signers, group.channel, group.petition_type) == (6, "post", "complaint")
        assert [p.is_representative for p in s.scalars(select(PetitionSender).where(
            PetitionSender.petition_id == group.id).order_by(PetitionSender.position))] == [True, True]
        forwarded = s.scalar(select(Petition).join(PetitionImport).where(
            PetitionImport.origin_number == "TC-02"))
        assert (forwarded.channel, forwarded.forwarded_by, forwarded.identity_sealed) == (
            "forwarded", "Báo Nhân Dân", True)
        forwarded_id = forwarded.id
        anonymous = s.scalar(select(Petition).join(PetitionImport).where(
            PetitionImport.origin_number == "PA-04"))
        assert s.scalar(select(func.count()).select_from(PetitionSender).where(
            PetitionSender.petition_id == anonymous.id)) == 0

    shown = json.dumps(petition_file(ctx, forwarded_id, READER), ensure_ascii=False, default=str)
    assert CANARY not in shown and CANARY_PHONE not in shown
    bad = [runner.invoke(cli, ["register", "import", str(path), "--unit", "khong-co"]),
           runner.invoke(cli, ["register", "import", str(tmp_path / "x.txt"), "--unit", "u1"])]
    (tmp_path / "x.txt").write_text("x")
    bad.append(runner.invoke(cli, ["register", "import", str(tmp_path / "x.txt"), "--unit", "u1"]))
    assert [r.exit_code != 0 for r in bad] == [True, True, True]
    assert "Không tìm thấy đơn vị 'khong-co'" in bad[0].output
    assert "Chỉ nhận tệp .xlsx hoặc .csv" in bad[2].output


def test_the_register_this_system_prints_reads_back(ctx, office):
    """The letter register XLSX (title block, numbered columns, signature) is a valid source; a
    row printed with the denouncer masked cannot be carried over and says why."""
    from petitions.supervision import letter_register
    office.at("2026-10-02"); office.register("2026-10-02", sender="Nguyễn Văn An")
    office.at("2026-10-06"); office.register("2026-10-06", "denunciation", sender=CANARY,
                                             id_number=CANARY_ID, summary="Tố cáo cán bộ xã")
    office.at("2026-10-30")
    head = actor("truongu1", "head_of_unit", unit="u1")
    data = letter_register.to_xlsx(letter_register.build(
        ctx, report_letters.period("month", 2026, 10), head))
    report = register_import.import_register(ctx, "so-u1.xlsx", data, unit="u2", user="tiepdan")
    assert (report.count("would_register"), report.count("refused")) == (1, 1)
    assert report.refused[0].reason.startswith("Danh tính người tố cáo đã bị che trong tệp này")
