"""Citizens in a real browser at 390 px (issue 18): an online complaint with an attachment gets a
code and a PIN, is handled to a published decision (the officers' steps driven through the
engine, the desk's inbox seen in the browser), tracked step by step with due dates, found on
/cong-khai redacted with its posting date, and answered "not satisfied" (counted on the
dashboard); a denunciation's denouncer appears on no public page. axe-core checks every public
page (no serious or critical violation); screenshots go to test-artifacts/."""
from __future__ import annotations

import re

from tests.integration import citizens_journey as journey

PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _axe(page, live_server) -> None:
    page.add_script_tag(url=f"{live_server.url}/vendor/axe-core/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.url}: {bad}"


def _phone_page(browser):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_online_complaint_to_published_decision_and_not_satisfied(browser, live_server,
                                                                  browser_login, artifacts):
    ctx = live_server.engine_ctx
    citizen = _phone_page(browser)
    citizen.goto(live_server.url + "/gui-don")
    _axe(citizen, live_server)
    citizen.check("input[name=petition_type][value=complaint]")
    citizen.select_option("#unit_code", "ubnd-xa-demo")
    citizen.fill("#sender0_name", "Nguyễn Văn Công Dân")
    citizen.fill("#sender0_id", "001080012345")
    citizen.fill("#sender0_phone", "0912345678")
    citizen.fill("#summary", "Tôi không đồng ý với quyết định thu hồi đất thửa số 12.")
    citizen.set_input_files("#attachments", files=[{"name": "quyet-dinh.pdf",
                                                    "mimeType": "application/pdf", "buffer": PDF}])
    citizen.fill("#email", "congdan@example.vn")
    citizen.check("input[name=consent]")
    # The proof-of-work runs in the page: the sum question disappears once it is solved.
    citizen.wait_for_function("document.getElementById('pow_counter').value !== ''")
    assert citizen.is_hidden("#question-box")
    citizen.screenshot(path=str(artifacts / "citizen-01-form-390.png"), full_page=True)
    citizen.click("button.pub-primary")
    citizen.wait_for_selector("#tracking-pin")
    code = citizen.inner_text("#tracking-code").strip()
    pin = citizen.inner_text("#tracking-pin").strip()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code) and re.fullmatch(r"\d{8}", pin)
    _axe(citizen, live_server)
    citizen.screenshot(path=str(artifacts / "citizen-02-receipt-390.png"), full_page=True)

    # The reception officer sees the online letter marked in the inbox.
    desk = browser.new_page()
    browser_login(desk, "tiepdan")
    desk.goto(live_server.url + "/tasks/?view=queue")
    assert "Gửi trực tuyến — chờ kiểm tra" in desk.content()
    desk.screenshot(path=str(artifacts / "citizen-03-desk-inbox.png"), full_page=True)

    petition = journey.petition_of(ctx, code)
    journey.drive(ctx, petition.instance_id, journey.steps(ctx, kind="complaint", publish=True),
                  "Task_kn_publish")

    citizen.goto(live_server.url + "/tra-cuu")
    _axe(citizen, live_server)
    citizen.fill("#code", code)
    citizen.fill("#pin", pin)
    citizen.click("button.pub-primary")
    citizen.wait_for_selector("#steps")
    steps = citizen.inner_text("#steps")
    for expected in ("Cán bộ tiếp nhận đã kiểm tra và vào sổ đơn", "Khiếu nại đã được thụ lý",
                     "Đã ban hành quyết định giải quyết khiếu nại", "Quyết định đã được công khai"):
        assert expected in steps
    assert re.search(r"\d{2}/\d{2}/\d{4}", steps)
    assert "hạn theo luật: chậm nhất ngày" in citizen.inner_text("#upcoming")
    _axe(citizen, live_server)
    citizen.screenshot(path=str(artifacts / "citizen-04-tracking-390.png"), full_page=True)

    public = _phone_page(browser)
    public.goto(live_server.url + "/cong-khai")
    entry = public.inner_text(".pub-entry")
    assert "Quyết định giải quyết khiếu nại lần đầu số 215/QĐ-UBND" in entry
    assert "Ngày đăng:" in entry and "Công Dân" not in entry and "0912" not in entry
    _axe(public, live_server)
    public.screenshot(path=str(artifacts / "citizen-05-published-390.png"), full_page=True)

    citizen.check("input[name=satisfied][value=no]")
    citizen.fill("#reason", "Đơn giá bồi thường vẫn thấp hơn giá thị trường")
    citizen.click("section.pub-answer button.pub-primary")
    citizen.wait_for_selector("#second-complaint")
    assert "30 ngày" in citizen.inner_text("#second-complaint")
    _axe(citizen, live_server)
    citizen.screenshot(path=str(artifacts / "citizen-06-not-satisfied-390.png"), full_page=True)

    supervisor = browser.new_page()
    browser_login(supervisor, "giamsat")
    supervisor.goto(live_server.url + "/supervision/")
    assert supervisor.inner_text("#fig-not-satisfied").strip() == "1"

    for path, shot in (("/lich-tiep-cong-dan", "citizen-07-schedule-390.png"),
                       ("/audit/checkpoint", "citizen-08-checkpoint-390.png")):
        public.goto(live_server.url + path)
        _axe(public, live_server)
        public.screenshot(path=str(artifacts / shot), full_page=True)


def test_denunciation_denouncer_is_nowhere_in_public(browser, live_server, artifacts):
    ctx = live_server.engine_ctx
    result = journey.submit(ctx, kind="denunciation", name=journey.SEALED_NAME,
                            id_number=journey.SEALED_ID, phone=journey.SEALED_PHONE)
    petition = journey.petition_of(ctx, result["tracking_code"])
    journey.drive(ctx, petition.instance_id, journey.steps(ctx, kind="denunciation"),
                  "Task_den_publish")
    page = _phone_page(browser)
    seen = []
    for path in ("/gui-don", "/cong-khai", "/lich-tiep-cong-dan", "/tra-cuu"):
        page.goto(live_server.url + path)
        seen.append(page.content())
    assert "Kết luận nội dung tố cáo số 20/KL-UBND" in seen[1]
    page.screenshot(path=str(artifacts / "citizen-09-denunciation-published-390.png"),
                    full_page=True)
    page.fill("#code", result["tracking_code"])
    page.fill("#pin", result["pin"])
    page.click("button.pub-primary")
    page.wait_for_selector("#steps")
    seen.append(page.content())
    assert "Đã ban hành kết luận nội dung tố cáo" in seen[-1]
    for html in seen:
        for secret in (journey.SEALED_NAME, "Bí Mật", journey.SEALED_ID, journey.SEALED_PHONE):
            assert secret not in html
