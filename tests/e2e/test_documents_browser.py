"""Issue 16 in a real browser: the handling officer generates the acceptance notice (ND31-M05) at
its step, tries to complete without the signed copy (refused), uploads the signed PDF and
completes; the head of unit finds it in the petition file with its number."""
from __future__ import annotations

import io

from docx import Document

from engine.work import human_tasks
from petitions.demo import DEMO_UNIT, seed_demo_agency
from petitions.register import registration
from petitions.register.registration import Registration, Sender
from tests.bpmn.harness import EVERYONE
from tests.support import actor

FACTS = {"in_vietnamese": True, "has_identity": True, "anonymous": False,
         "within_competence": True, "already_sent_to_competent": False, "already_guided": False,
         "already_transferred": False, "resolved_nothing_new": False, "crime_signs": False,
         "party_member": False, "concrete_content": True, "proposal_note": "Đề xuất thụ lý",
         "petition_type": "denunciation"}
STEPS = [("Task_classify", FACTS), ("Task_approve_route", {"approve": True}),
         ("Task_den_register", {"denunciation_register_number": "TC-01", "initial_extended": False}),
         ("Task_den_classify", {"resolver_competent": True, "sent_to_competent_body": False,
                                "already_transferred_or_guided": False, "conditions_met": True,
                                "accused_name": "Trần Văn Bình", "accused_position": "Công chức",
                                "denunciation_content": "Thu tiền đo đạc trái quy định"})]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _ready(ctx, instance_id, bpmn_id):
    return next(t for t in human_tasks.list_tasks(ctx, instance_id=instance_id)
                if t["bpmn_id"] == bpmn_id)


def test_officer_issues_the_acceptance_notice(browser, live_server, browser_login, artifacts,
                                              tmp_path):
    ctx = live_server.engine_ctx
    seed_demo_agency(ctx)
    today = ctx.clock.now().date().isoformat()
    reg = registration.register(ctx, actor("tiepdan", "reception_officer", unit=DEMO_UNIT),
                                Registration(received_on=ctx.clock.now().date(), channel="direct",
                                             petition_type="denunciation", field="corruption",
                                             summary="Tố cáo cán bộ địa chính thu tiền sai quy định",
                                             senders=[Sender(name="Hà Văn Tố", phone="0911000111")]))
    for bpmn_id, data in STEPS + [("Task_den_accept", {"acceptance_number": "15/QĐ-UBND",
                                                       "accepted_on": today})]:
        human_tasks.complete(ctx, _ready(ctx, reg["instance_id"], bpmn_id)["id"], EVERYONE, data)
    task_id = _ready(ctx, reg["instance_id"], "Task_den_notify_accept")["id"]

    page = browser.new_page(accept_downloads=True)
    page.set_default_timeout(15_000)
    browser_login(page, "xuly")
    page.goto(f"{live_server.url}/tasks/{task_id}")
    page.fill("#f-notice_denouncer_number", "01/TB-UBND")
    page.fill("#f-notice_accused_number", "02/TB-UBND")
    page.fill("#f-notices_sent_on", today)
    with page.expect_download() as download:
        page.click("button[data-generate='ND31-M05']")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.endswith("_01-TB-UBND.docx")
    doc = Document(io.BytesIO(saved.read_bytes()))
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "Số: 01/TB-UBND" in cells and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    page.screenshot(path=str(artifacts / "documents-01-generated.png"), full_page=True)

    page.click("form.declared-form button.primary")  # no signed copy yet
    page.wait_for_load_state("networkidle")
    assert "Bước này bắt buộc tải lên văn bản đã ký" in page.content()
    page.screenshot(path=str(artifacts / "documents-02-refused.png"), full_page=True)

    signed = tmp_path / "thong-bao-thu-ly-da-ky.pdf"
    signed.write_bytes(PDF)
    page.set_input_files("#f-doc_nd31_m05", str(signed))
    page.click("form.declared-form button.primary")
    page.wait_for_load_state("networkidle")
    assert "Đã hoàn thành công việc" in page.content()

    head = browser.new_page()
    head.set_default_timeout(15_000)
    browser_login(head, "truongdonvi")
    head.goto(f"{live_server.url}/petitions/{reg['petition_id']}")
    content = head.content()
    head.screenshot(path=str(artifacts / "documents-03-petition-file.png"), full_page=True)
    # Sealed: the file's name shows only once unsealed; its kind, form and number show.
    assert "Văn bản ban hành" in content and "số 01/TB-UBND" in content
    assert "ND31-M05" in content
