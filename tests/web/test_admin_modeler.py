"""Issue 15, "Administrators: the modeler": the process list counts called runs of the
administrator's unit, a deploy says which version it replaced, a flow to a missing element is
named (upload and command line), the jobs page shows Vietnam time, and the modeler page offers a
saved draft and carries the Vietnamese bpmn-js catalogue."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from engine.persistence.models import ProcessInstance, Timer
from engine.running import instances
from petitions_cli.main import cli
from tests.bpmn.harness import FACTS, LETTER, Scenario
from tests.web.test_admin import KEY, MAIN, definitions, intake_xml, json_headers, modeler_config, token_of

ROOT = Path(__file__).resolve().parents[2]
MISSING_TARGET_FLOW = "Flow_Start_kn_withdrawn_Script_kn_withdrawn"


def _section(text: str, key: str) -> str:
    section = text[text.index(f'id="process-{key}"'):]
    return section[:section.index("</section>")]


def _to_call_complaint(engine_ctx, clock, unit: str | None) -> int:
    """An intake instance that reached its call of the complaint process, of ``unit``."""
    s = Scenario(engine_ctx, KEY, clock=clock)
    s.complete("Task_register", LETTER)
    s.complete("Task_classify", FACTS)
    s.complete("Task_approve_route", {"approve": True})
    assert any(t["bpmn_id"].startswith("Task_kn") for t in s.tasks()), s.ready()
    with engine_ctx.uow() as uow:
        uow.session.execute(update(ProcessInstance).where(ProcessInstance.id == s.instance_id)
                            .values(unit_code=unit))
        uow.commit()
    return s.instance_id


def test_called_runs_are_counted_for_the_called_process_within_the_unit(client, login, engine_ctx,
                                                                       clock):
    own = [_to_call_complaint(engine_ctx, clock, "ubnd-xa-demo") for _ in range(2)]
    _to_call_complaint(engine_ctx, clock, "xa-khac")  # another unit's: never counted
    instances.suspend(engine_ctx, own[1], actor="quantri", reason="Chờ bổ sung hồ sơ")
    instances.start(engine_ctx, KEY, actor="tiepdan")  # at reception: no complaint yet
    login("quantri")
    text = client.get("/admin/processes").get_data(as_text=True)
    complaint = _section(text, "complaint")
    assert "Chưa có hồ sơ" in complaint  # no instance of its own ...
    called = re.findall(r'<li data-caller="petition_intake" data-caller-version="1" '
                        r'data-total="(\d+)">(.*?)</li>', complaint, re.S)
    assert len(called) == 1 and called[0][0] == "2"  # ... but two runs called by the intake
    assert "Đang chờ: 1" in called[0][1] and "Tạm dừng: 1" in called[0][1]
    assert 'class="muted process-total" data-total="2"' in complaint
    # The intake itself: four instances in all, three of them this unit's or of no unit.
    intake = _section(text, KEY)
    assert 'class="muted process-total" data-total="3"' in intake
    assert "data-caller" not in _section(text, "denunciation")


def test_deploy_from_the_modeler_names_the_replaced_version(client, login, engine_ctx):
    login("quantri")
    headers = json_headers(client)
    edited = intake_xml(engine_ctx).replace("Vào sổ, tiếp nhận đơn", "Vào sổ (sửa)")
    first = client.post(f"/admin/processes/{KEY}/versions/1/deploy", headers=headers,
                        json={"xml": edited, "file": MAIN}).get_json()
    assert (first["previous"], first["version"], first["new"]) == (1, 2, True)
    # Edited from v1 again while v2 is the latest: v2 → v3, not "v1 → v3" nor "v3 → v3".
    again = client.post(f"/admin/processes/{KEY}/versions/1/deploy", headers=headers,
                        json={"xml": edited.replace("Vào sổ (sửa)", "Vào sổ (sửa lần 2)"),
                              "file": MAIN}).get_json()
    assert (again["previous"], again["version"]) == (2, 3)
    page = client.get(f"/admin/processes/{KEY}/versions/1/edit").get_data(as_text=True)
    assert modeler_config(page)["text"]["openVersion"] == "Mở phiên bản vừa triển khai"
    # An upload on top of the latest version says the same.
    upload = client.post("/admin/processes/upload", data={
        "csrf_token": token_of(client), "base": KEY,
        "files": [(io.BytesIO(edited.replace("Vào sổ (sửa)", "Vào sổ (tải lên)").encode()),
                   "petition_intake.bpmn")]}, content_type="multipart/form-data")
    assert upload.status_code == 303
    assert ("Đã triển khai petition_intake: phiên bản 3 → phiên bản 4"
            in client.get("/admin/processes").get_data(as_text=True))


def _missing_target_xml() -> str:
    xml = (ROOT / "processes" / "complaint" / "complaint.bpmn").read_text("utf-8")
    flow = re.search(rf'<bpmn:sequenceFlow id="{MISSING_TARGET_FLOW}"[^>]*>', xml).group(0)
    return xml.replace(flow, re.sub(r'targetRef="[^"]+"', 'targetRef="Task_da_xoa"', flow))


EXPECTED = (f"luồng '{MISSING_TARGET_FLOW}' đi đến phần tử 'Task_da_xoa' (targetRef), nhưng quy "
            "trình không có phần tử này")


def test_upload_with_a_flow_to_a_missing_element_names_both(client, login, engine_ctx):
    login("quantri")
    before = definitions(engine_ctx)
    response = client.post("/admin/processes/upload", data={
        "csrf_token": token_of(client),
        "files": [(io.BytesIO(_missing_target_xml().encode()), "complaint.bpmn")]},
        content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert EXPECTED.replace("'", "&#39;") in text
    assert "perhaps a form has the same ID" not in text
    assert definitions(engine_ctx) == before
    # The modeler's validation says the same, and marks the flow.
    checked = client.post("/admin/processes/validate", headers=json_headers(client),
                          json={"xml": _missing_target_xml(), "file": "complaint.bpmn"}).get_json()
    assert checked["ok"] is False and EXPECTED in checked["errors"][0]["message"]
    assert checked["errors"][0]["element_id"] == MISSING_TARGET_FLOW


def test_cli_deploy_with_a_flow_to_a_missing_element_names_both(db_url, tmp_path):
    path = tmp_path / "complaint.bpmn"
    path.write_text(_missing_target_xml(), "utf-8")
    result = CliRunner().invoke(cli, ["deploy", str(path)], env={
        "DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path)})
    assert result.exit_code != 0
    output = result.output + (result.stderr if hasattr(result, "stderr") else "")
    assert EXPECTED in output and "Lỗi" in output and "perhaps" not in output


def test_jobs_page_shows_vietnam_time(client, login, engine_ctx):
    started = instances.start(engine_ctx, KEY, actor="tiepdan")["instance_id"]
    with engine_ctx.uow() as uow:
        uow.session.add(Timer(instance_id=started, task_guid="00000000-0000-0000-0000-000000000001",
                              bpmn_id="Timer_x", kind="intermediate", status="pending",
                              due_at=datetime(2026, 12, 24, 16, 59, 59, tzinfo=timezone.utc)))
        uow.commit()
    login("quantri")
    text = client.get("/jobs/").get_data(as_text=True)
    assert "24/12/2026 23:59:59" in text and "16:59:59" not in text


@pytest.mark.parametrize("lang, expected", [("vi", "Nối thêm công việc"), ("en", None)])
def test_modeler_page_carries_the_bpmn_js_catalogue_of_the_language(client, login, lang, expected):
    login("quantri")
    if lang == "en":
        client.get("/lang/en")
    page = client.get(f"/admin/processes/{KEY}/versions/1/edit").get_data(as_text=True)
    catalogue = modeler_config(page)["bpmnCatalogue"]
    assert catalogue.get("Append task") == expected
    if expected:
        assert catalogue["Flow elements must be children of pools/participants"]


def test_an_element_named_like_a_library_step_is_refused_by_name(client, login, engine_ctx):
    """A start event with id "Start" deployed fine and then every start failed with the library's
    "No output task connected"."""
    xml = (ROOT / "processes" / "complaint" / "complaint.bpmn").read_text("utf-8")
    start = re.search(r'<bpmn:startEvent id="([^"]+)"', xml).group(1)
    renamed = re.sub(rf'(["> ]){start}(["<])', r"\1Start\2", xml)
    login("quantri")
    before = definitions(engine_ctx)
    checked = client.post("/admin/processes/validate", headers=json_headers(client),
                          json={"xml": renamed, "file": "complaint.bpmn"}).get_json()
    assert checked["ok"] is False and checked["errors"][0]["element_id"] == "Start"
    assert "mã phần tử 'Start' trùng tên một bước nội bộ của SpiffWorkflow" in checked["errors"][0]["message"]
    assert definitions(engine_ctx) == before


def test_a_saved_draft_is_offered_when_the_modeler_reopens(client, login, engine_ctx):
    login("quantri")
    url = f"/admin/processes/{KEY}/draft"
    edit = f"/admin/processes/{KEY}/versions/1/edit"
    assert 'id="draft-dialog"' not in client.get(edit).get_data(as_text=True)
    xml = intake_xml(engine_ctx).replace("Vào sổ, tiếp nhận đơn", "Bản nháp")
    assert client.put(url, headers=json_headers(client),
                      json={"xml": xml, "version": 1, "file": MAIN}).get_json()["ok"]
    page = client.get(edit).get_data(as_text=True)
    assert 'id="draft-dialog"' in page and 'id="draft-restore"' in page
    assert "Khôi phục bản nháp" in page and 'id="draft-dialog-discard"' in page
    # Seen from another file, no dialog: the banner links to the draft's own file.
    other = client.get(edit + "?file=complaint/complaint.bpmn").get_data(as_text=True)
    assert 'id="draft-dialog"' not in other and 'id="draft-banner"' in other
