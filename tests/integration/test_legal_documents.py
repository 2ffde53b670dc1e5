"""Legal documents (issue 16): every form fills from a case taken through the processes, in the
NĐ 30/2020 layout; issuing numbers from the outgoing register; the signed scan a step requires;
the notice to the accused without a trace of the denouncer; templates as validated versions.

Documents are read back with python-docx (text of paragraphs and table cells) and, for identity,
as the raw XML of every part of the .docx.
"""
from __future__ import annotations

import io
import json
import threading
import zipfile
from datetime import date, datetime, timezone

import pytest
from click.testing import CliRunner
from docx import Document
from sqlalchemy import select

from engine.accounts.models import Unit
from engine.accounts.users import add_user
from engine.errors import FormInvalid, InvalidInput, NotFound
from engine.work import human_tasks
from petitions.agencies.profiles import save_profile
from petitions.demo import DEMO_AGENCY
from petitions.documents import catalogue, filling, issuing, outgoing, step_files, templates
from petitions.identity.matching import Identity, IdentityMatcher
from petitions.persistence import vault
from petitions.persistence.models import OutgoingDocument, PetitionDocument
from petitions.register import petition_file, registration
from petitions.register.documents import FolderDocumentStore
from petitions.register.registration import Registration, Sender
from petitions_cli.main import cli
from tests.bpmn.harness import EVERYONE, deploy_processes
from tests.support import actor

UNIT = "ubnd-xa-demo"
HANDLER = actor("xuly", "handling_officer", unit=UNIT)
HEAD = actor("truongdonvi", "head_of_unit", unit=UNIT)
NAME, ID_NUMBER, PHONE, STREET = "Lương Hữu Phước Thịnh", "025999888777", "0966555444", "Số 17 ngõ Văn Chương"
DENOUNCER = IdentityMatcher([Identity(NAME, ID_NUMBER, PHONE, STREET)])
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
FACTS = {"in_vietnamese": True, "has_identity": True, "anonymous": False,
         "within_competence": True, "already_sent_to_competent": False, "already_guided": False,
         "already_transferred": False, "resolved_nothing_new": False, "crime_signs": False,
         "party_member": False, "concrete_content": True, "proposal_note": "Đề xuất thụ lý"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def case(ctx, clock):
    """A denunciation registered on 02/3/2026, taken to the notices step on 05/3/2026."""
    clock.current = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    deploy_processes(ctx)
    with ctx.uow() as uow:
        uow.session.add(Unit(code=UNIT, name="UBND xã Demo"))
        uow.commit()
    save_profile(ctx, UNIT, DEMO_AGENCY, actor="test")
    for who in (HANDLER, HEAD):
        add_user(ctx, who.username, sorted(who.roles), actor="test", unit=who.unit)
    reg = registration.register(ctx, actor("tiepdan", "reception_officer", unit=UNIT), Registration(
        received_on=date(2026, 3, 2), channel="direct", petition_type="denunciation",
        field="corruption", summary=f"Ông {NAME} (điện thoại {PHONE}) tố cáo cán bộ địa chính",
        location="Ấp 3", senders=[Sender(name=NAME, id_number=ID_NUMBER, phone=PHONE,
                                        address_detail=STREET)]))
    step = _complete(ctx, reg["instance_id"], "Task_classify",
                     {**FACTS, "petition_type": "denunciation"})
    step("Task_approve_route", {"approve": True, "approval_note": "Đồng ý"})
    step("Task_den_register", {"denunciation_register_number": "TC-2026-015",
                               "initial_extended": False})
    step("Task_den_classify", {
        "resolver_competent": True, "sent_to_competent_body": False,
        "already_transferred_or_guided": False, "conditions_met": True,
        "accused_name": "Trần Văn Bình", "accused_position": "Công chức địa chính - xây dựng xã",
        "denunciation_content": f"Thu tiền đo đạc trái quy định của ông {NAME}, số {PHONE}"})
    clock.current = datetime(2026, 3, 5, 2, 0, tzinfo=timezone.utc)
    step("Task_den_accept", {"acceptance_number": "15/QĐ-UBND", "accepted_on": "2026-03-05"})
    return {**reg, "task": _ready(ctx, reg["instance_id"], "Task_den_notify_accept")}


def _ready(ctx, instance_id, bpmn_id) -> dict:
    return next(t for t in human_tasks.list_tasks(ctx, instance_id=instance_id)
                if t["bpmn_id"] == bpmn_id)


def _complete(ctx, instance_id, first, data):
    human_tasks.complete(ctx, _ready(ctx, instance_id, first)["id"], EVERYONE, data)
    return lambda bpmn_id, values: human_tasks.complete(
        ctx, _ready(ctx, instance_id, bpmn_id)["id"], EVERYONE, values)


def text_of(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def xml_of(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                         if n.endswith(".xml") or n.endswith(".rels"))


def test_date_line_and_number_follow_nd30():
    assert filling.date_line("An Phú", date(2027, 2, 5)) == "An Phú, ngày 05 tháng 02 năm 2027"
    assert filling.date_line("An Phú", date(2026, 1, 15)) == "An Phú, ngày 15 tháng 01 năm 2026"
    assert filling.date_line("An Phú", date(2026, 3, 5)) == "An Phú, ngày 05 tháng 3 năm 2026"
    assert filling.date_line("An Phú", date(2026, 12, 25)) == "An Phú, ngày 25 tháng 12 năm 2026"
    from petitions.agencies.profiles import Agency
    agency = Agency("x", "Ủy ban nhân dân xã An Phú", "UBND", "", "An Phú", "", "", "", "Chủ tịch",
                    "Phạm Văn Trưởng")
    assert filling.document_number(7, "TB", agency) == "07/TB-UBND"
    assert filling.document_number(15, "QĐ", agency) == "15/QĐ-UBND"
    assert filling.document_number(None, "TB", agency) == "…/TB-UBND"
    assert filling.signer(agency) == {"prefix": "", "position": "CHỦ TỊCH",
                                      "name": "Phạm Văn Trưởng"}
    acting = Agency(**{**agency.as_dict(), "acting": True, "acting_name": "Lê Thị Phó"})
    assert filling.signer(acting) == {"prefix": "KT. CHỦ TỊCH", "position": "PHÓ CHỦ TỊCH",
                                      "name": "Lê Thị Phó"}


def test_catalogue_lists_every_form_with_its_steps():
    listing = {row["code"]: row for row in catalogue.listing()}
    expected = {"TT05-M01", "TT05-M03", "ND31-M01", "ND31-M04", "ND31-M05", "ND31-M06",
                "ND31-M07", "ND31-M08", "ND31-M10", "ND31-M11", "ND31-M12", "ND124-M01",
                "ND124-M02", "ND124-M14", "ND124-M14A", "ND124-M14B", "VB-THONG-BAO-THU-LY",
                "VB-THONG-BAO-KHONG-THU-LY", "VB-QD-DINH-CHI", "VB-QD-GIAI-QUYET-LAN-DAU",
                "VB-GIAY-BIEN-NHAN", "VB-TU-CHOI-TIEP"}
    assert set(listing) == expected
    assert listing["ND31-M05"]["steps"] == ["Task_den_notify_accept"]
    assert listing["VB-THONG-BAO-THU-LY"]["steps"] == ["Task_kn_accept"]
    assert listing["ND124-M01"]["steps"] == []
    assert listing["ND31-M06"]["legal_basis"].startswith("Nghị định 31/2019/NĐ-CP, Mẫu số 06")
    for code in expected:  # every shipped template passes the upload checks
        templates.rendering.check_template(catalogue.template_path(code).read_bytes())


def test_every_form_renders_for_the_case(case, ctx):
    number = case["number"]
    for form in catalogue.FORMS:
        text = text_of(issuing.preview(ctx, form.code, number, HEAD).content)
        assert MOTTO[0] in text and MOTTO[1] in text, form.code
        assert "An Phú, ngày 05 tháng 3 năm 2026" in text, form.code
        assert "UBND-XA-DEMO" not in text.upper(), form.code
        if form.issued:
            assert "ỦY BAN NHÂN DÂN XÃ AN PHÚ" in text, form.code
            assert "ỦY BAN NHÂN DÂN TỈNH AN GIANG" in text, form.code
            assert f"Số: …/{form.symbol}-UBND" in text, form.code
            assert "CHỦ TỊCH" in text and "Phạm Văn Trưởng" in text, form.code
            assert "Nơi nhận:" in text, form.code
    notice = text_of(issuing.preview(ctx, "ND31-M05", number, HEAD).content)
    assert "THÔNG BÁO" in notice and "Về việc thụ lý tố cáo" in notice
    assert NAME in notice  # the head resolves the case: the denouncer is addressed by name
    assert "15/QĐ-UBND ngày 05/03/2026" in notice  # the case's values, as a reader reads dates
    decision = text_of(issuing.preview(ctx, "ND31-M04", number, HEAD).content)
    assert "Trần Văn Bình (Công chức địa chính - xây dựng xã)" in decision
    assert f"đơn số {number} nhận ngày 02/03/2026" in decision
    # Without a user (the command line's default) the identity is hidden.
    hidden = issuing.preview(ctx, "ND31-M05", number, None).content
    assert not DENOUNCER.contains(xml_of(hidden))
    with pytest.raises(NotFound):
        issuing.preview(ctx, "ND31-M05", "2026-999999", HEAD)


def test_the_notice_to_the_accused_carries_no_trace_of_the_denouncer(case, ctx):
    task_id = case["task"]["id"]
    typed = {"notice_accused_number": f"Gửi kèm ý kiến của {NAME.upper()}, CCCD {ID_NUMBER}",
             "notices_sent_on": "2026-03-05"}
    rendered = issuing.generate_at_step(ctx, task_id, "ND31-M06", HANDLER, typed)
    xml = xml_of(rendered.content)
    assert "Trần Văn Bình" in xml and "Thu tiền đo đạc trái quy định" in xml
    assert not DENOUNCER.contains(xml), "the denouncer's identity reached the notice to the accused"
    for secret in (NAME, ID_NUMBER, PHONE, STREET, "0966 555 444", "luong huu phuoc thinh"):
        assert secret.lower() not in xml.lower()
    # The head may read the identity, yet the accused's notice is the same for everyone.
    preview = issuing.preview(ctx, "ND31-M06", case["number"], HEAD).content
    assert not DENOUNCER.contains(xml_of(preview))


def test_the_step_requires_its_signed_notice_and_numbers_it(case, ctx, tmp_path):
    store = FolderDocumentStore(tmp_path / "documents")
    task_id = case["task"]["id"]
    data = {"notice_denouncer_number": "x", "notice_accused_number": "y",
            "notices_sent_on": "2026-03-05"}
    with pytest.raises(FormInvalid) as refused:
        step_files.complete_with_files(ctx, store, task_id, HANDLER, data)
    assert refused.value.errors == {"doc_nd31_m05": "Bước này bắt buộc tải lên văn bản đã ký "
                                                    "(bản quét PDF hoặc ảnh)"}
    # A posted reference is ignored: only a file stored here counts.
    with pytest.raises(FormInvalid):
        step_files.complete_with_files(ctx, store, task_id, HANDLER, {**data, "doc_nd31_m05": "1"})
    with pytest.raises(FormInvalid) as wrong_type:
        step_files.complete_with_files(ctx, store, task_id, HANDLER, data,
                                       scans={"doc_nd31_m05": ("thong-bao.docx", b"PK\x03\x04")})
    assert "PDF hoặc ảnh" in wrong_type.value.errors["doc_nd31_m05"]
    assert not store.folder.exists() or list(store.folder.iterdir()) == []  # nothing kept

    first = issuing.generate_at_step(ctx, task_id, "ND31-M05", HANDLER)
    again = issuing.generate_at_step(ctx, task_id, "ND31-M05", HANDLER)
    accused = issuing.generate_at_step(ctx, task_id, "ND31-M06", HANDLER)
    assert (first.number, again.number, accused.number) == ("01/TB-UBND", "01/TB-UBND",
                                                            "02/TB-UBND")
    assert "Số: 01/TB-UBND" in text_of(first.content)
    result = step_files.complete_with_files(
        ctx, store, task_id, HANDLER, data, scans={"doc_nd31_m05": ("Thông báo đã ký.pdf", PDF)},
        extra=[("bien-ban.pdf", PDF)])
    assert len(result["documents"]) == 2
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(select(PetitionDocument).where(
            PetitionDocument.petition_id == case["petition_id"]).order_by(PetitionDocument.id)).all()
        assert [(r.kind, r.step, r.form_code, r.number, r.issued_on) for r in rows] == [
            ("issued", "Task_den_notify_accept", "ND31-M05", "01/TB-UBND", date(2026, 3, 5)),
            ("attachment", "Task_den_notify_accept", None, None, None)]
        register = outgoing.register_rows(uow.session, UNIT, 2026)
        assert [(r.seq, r.number, r.form_code) for r in register] == [
            (1, "01/TB-UBND", "ND31-M05"), (2, "02/TB-UBND", "ND31-M06")]
    listed = petition_file.petition_file(ctx, case["petition_id"], HEAD)["documents"]
    assert [(d["kind_label"], d["number"], d["step_name"]) for d in listed] == [
        ("Văn bản ban hành", "01/TB-UBND", case["task"]["name"]),
        ("Tài liệu kèm theo", None, case["task"]["name"])]


def test_numbers_are_unique_under_concurrency(ctx, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the row lock under test is PostgreSQL's (SQLite serialises all writers)")
    taken: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def issue():
        try:
            barrier.wait()
            for _ in range(10):
                with ctx.uow() as uow:
                    taken.append(outgoing.next_number(uow, UNIT, 2026))
                    uow.commit()
        except BaseException as err:  # noqa: BLE001  (reported below)
            errors.append(err)

    threads = [threading.Thread(target=issue) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(taken) == list(range(1, 81))


def test_template_upload_is_validated_and_versioned(case, ctx):
    shipped = catalogue.template_path("ND31-M05").read_bytes()
    with pytest.raises(InvalidInput) as unknown:
        templates.upload(ctx, "ND31-M05", _with_text(shipped, "{{ sender.password }} {{ os }}"),
                         actor="quantri")
    assert unknown.value.message == ("Mẫu bị từ chối: có trường trộn không được hỗ trợ: os, "
                                     "sender.password.")
    with pytest.raises(InvalidInput, match="lỗi cú pháp"):
        templates.upload(ctx, "ND31-M05", _with_text(shipped, "{% if %}"), actor="quantri")
    with pytest.raises(InvalidInput, match="không phải văn bản Word"):
        templates.upload(ctx, "ND31-M05", b"%PDF-1.4 not a template", actor="quantri")
    with pytest.raises(InvalidInput, match="giống hệt"):
        templates.upload(ctx, "ND31-M05", shipped, actor="quantri")
    version = templates.upload(ctx, "ND31-M05", _with_text(shipped, "Mẫu sửa đổi {{ today }}"),
                               actor="quantri", note="thêm dòng")
    assert version == 2
    text = text_of(issuing.preview(ctx, "ND31-M05", case["number"], HEAD).content)
    assert "Mẫu sửa đổi 05/03/2026" in text
    with ctx.uow(write=False) as uow:
        assert [v["version"] for v in templates.versions(uow.session, "ND31-M05")] == [2, 1]
        assert templates.content_of(uow.session, "ND31-M05", 1) == shipped


def _with_text(content: bytes, line: str) -> bytes:
    doc = Document(io.BytesIO(content))
    doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_cli_lists_and_renders_forms(case, db_url, tmp_path):
    runner = CliRunner()
    ring = vault.active()  # the command reads the identities with the keys that wrote them
    vault.Keyring(ring.keys, ring.index_keys, tmp_path / "identity-keys.json").save()
    env = {"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path),
           "IDENTITY_KEY_FILE": str(tmp_path / "identity-keys.json")}
    listed = runner.invoke(cli, ["forms", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert {"code": "ND31-M05", "title": "Thông báo việc thụ lý tố cáo (gửi người tố cáo)",
            "legal_basis": "Nghị định 31/2019/NĐ-CP, Mẫu số 05; Luật Tố cáo 2018, Điều 29 khoản 3",
            "steps": ["Task_den_notify_accept"]} in rows
    out = tmp_path / "m05.docx"
    done = runner.invoke(cli, ["forms", "render", "ND31-M05", "--petition", case["number"],
                               "--out", str(out)], env=env)
    assert done.exit_code == 0, done.output
    assert not DENOUNCER.contains(xml_of(out.read_bytes()))  # no --user: redacted
    assert "Số: …/TB-UBND" in text_of(out.read_bytes())
    for args, message in ((["XX-M99"], "không có biểu mẫu mã 'XX-M99'"),
                          (["ND31-M05", "--petition", "2026-999999"], "Không có đơn số")):
        if "--petition" not in args:
            args = args + ["--petition", case["number"]]
        bad = runner.invoke(cli, ["forms", "render", *args, "--out", str(out)], env=env)
        assert bad.exit_code == 2
        assert message in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    with_user = runner.invoke(cli, ["forms", "render", "ND31-M05", "--petition", case["number"],
                                    "--out", str(out), "--user", HEAD.username], env=env)
    assert with_user.exit_code == 0 and NAME in text_of(out.read_bytes())
    with Session(db_url) as count:
        assert count == 0  # a preview takes no outgoing number


class Session:
    """The number of outgoing register rows, read directly."""

    def __init__(self, url):
        from tests.support import make_context
        self.ctx = make_context(url)

    def __enter__(self):
        with self.ctx.uow(write=False) as uow:
            return len(uow.session.scalars(select(OutgoingDocument)).all())

    def __exit__(self, *exc):
        self.ctx.session_factory.kw["bind"].dispose()


def test_the_kernel_form_declares_required_files():
    """``attachment`` fields: a file reference (an id), required ones refuse an empty completion."""
    from lxml import etree

    from engine.definitions.forms import parse_form, validate_form_data
    from engine.errors import DeploymentError
    ns = 'xmlns:petitions="urn:petitions:bpmn:1"'
    form = parse_form(etree.fromstring(
        f'<petitions:form {ns}><petitions:field name="scan" type="attachment" document="ND31-M05" '
        'label="Bản đã ký" required="true"/><petitions:field name="note" type="string" '
        'label="Ghi chú"/></petitions:form>'))
    assert form["fields"][0]["document"] == "ND31-M05"
    with pytest.raises(FormInvalid) as missing:
        validate_form_data(form, {"note": "x"})
    assert missing.value.errors == {
        "scan": "Bước này bắt buộc tải lên văn bản đã ký (bản quét PDF hoặc ảnh)"}
    with pytest.raises(FormInvalid) as bad:
        validate_form_data(form, {"scan": "abc"})
    assert bad.value.errors == {"scan": "Tệp đính kèm không hợp lệ"}
    assert validate_form_data(form, {"scan": "12"}) == {"scan": 12}
    with pytest.raises(DeploymentError, match="only for attachment fields"):
        parse_form(etree.fromstring(
            f'<petitions:form {ns}><petitions:field name="n" type="string" document="X" '
            'label="N"/></petitions:form>'))
