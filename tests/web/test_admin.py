"""Process administration pages and endpoints (webapp/admin): administrators only, the process
list, downloads, validation, drafts, deploying an edited diagram, uploads (hostile files refused
with existing versions untouched), compare, and the migration dry run and run."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import event, select

from engine.definitions import deployment
from engine.persistence.models import AuditEvent, ProcessDefinition, ProcessInstance
from engine.running import instances
from tests.integration.test_migration import process_xml
from tests.web.conftest import csrf

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn" / "hostile"
KEY = "petition_intake"
MAIN = "intake/petition_intake.bpmn"


def token_of(client) -> str:
    """A CSRF token from any rendered page of the session (the header's logout form)."""
    return csrf(client.get("/admin/processes"))


def json_headers(client) -> dict:
    return {"X-CSRFToken": token_of(client), "Accept": "application/json"}


def definitions(engine_ctx) -> list[tuple]:
    with engine_ctx.uow(write=False) as uow:
        return [tuple(r) for r in uow.session.execute(select(
            ProcessDefinition.id, ProcessDefinition.process_key, ProcessDefinition.version,
            ProcessDefinition.sha256)).all()]


def intake_xml(engine_ctx, version: int = 1) -> str:
    with engine_ctx.uow(write=False) as uow:
        return deployment.get_definition(uow, KEY, version).files[MAIN]


def modeler_config(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="modeler-config">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def deploy_mig(engine_ctx):
    deployment.deploy(engine_ctx, {"mig.bpmn": process_xml("mig", ["A", "B"]).encode()},
                      actor="quantri", tag="v1")
    deployment.deploy(engine_ctx, {"mig.bpmn": process_xml("mig", ["A", "N", "B"],
                                                           timer_on="N").encode()},
                      actor="quantri", tag="v2")


ROUTES = [
    ("GET", "/admin/processes"),
    ("GET", "/admin/processes/upload"),
    ("POST", "/admin/processes/upload"),
    ("POST", "/admin/processes/validate"),
    ("GET", f"/admin/processes/{KEY}/versions/1/edit"),
    ("GET", f"/admin/processes/{KEY}/versions/1/files/{MAIN}"),
    ("GET", f"/admin/processes/{KEY}/versions/1/download"),
    ("POST", f"/admin/processes/{KEY}/versions/1/deploy"),
    ("GET", f"/admin/processes/{KEY}/draft"),
    ("PUT", f"/admin/processes/{KEY}/draft"),
    ("DELETE", f"/admin/processes/{KEY}/draft"),
    ("GET", f"/admin/processes/{KEY}/compare"),
    ("GET", f"/admin/processes/{KEY}/compare.json"),
    ("GET", f"/admin/processes/{KEY}/migrate"),
    ("POST", f"/admin/processes/{KEY}/migrate"),
]


def test_every_route_is_for_administrators_only(app, client, login, engine_ctx):
    served = sum(len(rule.methods - {"HEAD", "OPTIONS"}) for rule in app.url_map.iter_rules()
                 if rule.endpoint.startswith("admin."))
    assert served == len(ROUTES)  # a new route or method must be added to ROUTES
    anonymous = {"X-CSRFToken": csrf(client.get("/login"))}
    for method, path in ROUTES:
        response = client.open(path, method=method, headers=anonymous)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    before = definitions(engine_ctx)
    for user in ("truongdonvi", "giamsat", "xuly", "tiepdan"):
        login(user)
        headers = {"X-CSRFToken": token_of(client)}
        for method, path in ROUTES:
            body = {"xml": intake_xml(engine_ctx), "file": MAIN, "version": 1, "key": KEY}
            response = client.open(path, method=method, headers=headers,
                                   data=json.dumps(body), content_type="application/json")
            assert response.status_code == 403, (user, method, path, response.status_code)
        client.post("/logout", data={"csrf_token": token_of(client)})
    assert definitions(engine_ctx) == before
    assert not (Path(app.config["PETITIONS_SETTINGS"].data_dir) / "drafts").exists()


def test_process_list_shows_versions_and_instances_per_status_in_one_query(app, client, login,
                                                                           engine_ctx):
    deploy_mig(engine_ctx)
    started = [instances.start(engine_ctx, "mig", actor="tiepdan", version=1)["instance_id"]
               for _ in range(3)]
    instances.terminate(engine_ctx, started[0], actor="quantri", reason="Rút đơn")
    instances.start(engine_ctx, "mig", actor="tiepdan")
    login("quantri")
    statements = []
    bind = engine_ctx.session_factory.kw["bind"]

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(bind, "before_cursor_execute", count)
    try:
        page = client.get("/admin/processes")
    finally:
        event.remove(bind, "before_cursor_execute", count)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert sum("process_instances" in s for s in statements) == 2  # own runs, called runs
    for key in ("petition_intake", "complaint", "denunciation", "recommendation_feedback", "mig"):
        assert f'id="process-{key}"' in text
    section = text[text.index('id="process-mig"'):]
    section = section[:section.index("</section>")]
    with engine_ctx.uow(write=False) as uow:
        v1 = deployment.get_definition(uow, "mig", 1)
    assert v1.sha256[:12] in section and "v1" in section and "v2" in section
    assert "Đang chờ: 2" in section and "Đã chấm dứt: 1" in section and "Đang chờ: 1" in section
    assert "quantri" in section and "mới nhất" in section
    assert "Chuyển 2 hồ sơ sang bản 2" in section


def test_download_one_file_and_a_version_as_zip(client, login, engine_ctx):
    login("quantri")
    response = client.get(f"/admin/processes/{KEY}/versions/1/files/{MAIN}")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == intake_xml(engine_ctx)
    assert "attachment" in response.headers["Content-Disposition"]
    assert "petition_intake.bpmn" in response.headers["Content-Disposition"]
    assert client.get(f"/admin/processes/{KEY}/versions/1/files/nope.bpmn").status_code == 404
    assert client.get(f"/admin/processes/{KEY}/versions/9/files/{MAIN}").status_code == 404
    archive = client.get(f"/admin/processes/{KEY}/versions/1/download")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    with engine_ctx.uow(write=False) as uow:
        files = deployment.get_definition(uow, KEY, 1).files
    with zipfile.ZipFile(io.BytesIO(archive.data)) as bundle:
        assert sorted(bundle.namelist()) == sorted(files)
        assert bundle.read(MAIN).decode() == files[MAIN]


def test_validate_runs_exactly_the_deploy_validation(client, login, engine_ctx):
    login("quantri")
    headers = json_headers(client)
    xml = intake_xml(engine_ctx)
    ok = client.post("/admin/processes/validate", headers=headers,
                     json={"xml": xml, "key": KEY, "version": 1, "file": MAIN}).get_json()
    assert ok == {"ok": True, "errors": [], "processes": ok["processes"]}
    assert KEY in ok["processes"]
    # Alone, the intake diagram's call activities do not resolve: the same error as a deploy.
    alone = client.post("/admin/processes/validate", headers=headers,
                        json={"xml": xml, "file": "petition_intake.bpmn"}).get_json()
    assert not alone["ok"] and "quy trình không tồn tại" in alone["errors"][0]["message"]
    broken = xml.replace("many_signers = signers &gt;= 5", "many_signers = ().__class__")
    result = client.post("/admin/processes/validate", headers=headers,
                         json={"xml": broken, "key": KEY, "version": 1, "file": MAIN}).get_json()
    error = result["errors"][0]
    assert not result["ok"] and error["element_id"] == "Script_register"
    assert error["file"] == MAIN and isinstance(error["line"], int)
    assert set(error) >= {"message", "file", "element_id", "line"}
    doctype = client.post("/admin/processes/validate", headers=headers,
                          json={"xml": (HOSTILE / "xxe.bpmn").read_text()}).get_json()
    assert not doctype["ok"] and "DOCTYPE" in doctype["errors"][0]["message"]
    assert client.post("/admin/processes/validate", headers=headers, json={"x": 1}).status_code == 400


def test_modeler_page_has_config_no_inline_script_and_the_strict_policy(client, login):
    login("quantri")
    page = client.get(f"/admin/processes/{KEY}/versions/1/edit")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    config = modeler_config(text)
    assert config["file"] == MAIN and config["decisions"] == ["classify_petition"]
    assert {r["code"] for r in config["roles"]} >= {"reception_officer", "head_of_unit"}
    assert any("add_working_days" in h["sig"] for h in config["helpers"])
    assert config["text"]["addField"] == "Thêm trường"
    for tag in re.findall(r"<script[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe" not in policy  # bpmn-js runs without inline styles or eval
    # Other files of the version can be opened; unknown ones are refused.
    other = client.get(f"/admin/processes/{KEY}/versions/1/edit?file=complaint/complaint.bpmn")
    assert other.status_code == 200
    assert client.get(f"/admin/processes/{KEY}/versions/1/edit?file=x.bpmn").status_code == 404
    assert client.get("/admin/processes/unknown/versions/1/edit").status_code == 404
    assert "unsafe" not in client.get(f"/admin/processes/{KEY}/compare").headers[
        "Content-Security-Policy"]


def test_deploy_an_edited_diagram_as_a_new_version(client, login, engine_ctx):
    login("quantri")
    headers = json_headers(client)
    edited = intake_xml(engine_ctx).replace('name="Vào sổ, tiếp nhận đơn"', 'name="Vào sổ đơn"')
    url = f"/admin/processes/{KEY}/versions/1/deploy"
    result = client.post(url, headers=headers, json={"xml": edited, "file": MAIN,
                                                     "tag": "đổi tên bước"}).get_json()
    assert result["ok"] and result["new"] and result["version"] == 2
    assert result["editUrl"].endswith(f"/admin/processes/{KEY}/versions/2/edit")
    with engine_ctx.uow(write=False) as uow:
        v2 = deployment.get_definition(uow, KEY, 2)
        assert (v2.tag, v2.deployed_by) == ("đổi tên bước", "quantri")
        assert 'name="Vào sổ đơn"' in v2.files[MAIN]
        assert deployment.latest_versions(uow)["complaint"] == 1  # untouched files: no new version
    again = client.post(url.replace("/1/", "/2/"), headers=headers,
                        json={"xml": edited, "file": MAIN}).get_json()
    assert again["ok"] and not again["new"] and again["version"] == 2
    before = definitions(engine_ctx)
    bad = client.post(url, headers=headers, json={"xml": edited.replace(
        'petitions:role="head_of_unit"', 'petitions:role="king"'), "file": MAIN})
    assert bad.status_code == 422
    assert "vai trò 'king' không tồn tại" in bad.get_json()["errors"][0]["message"]
    assert bad.get_json()["errors"][0]["element_id"] == "Lane_head"
    assert client.post(url, headers=headers, json={"xml": edited, "file": "x.bpmn"}).status_code == 400
    # Renaming the process id would silently create another process: refused.
    renamed = client.post(url, headers=headers, json={"xml": edited.replace(
        '<bpmn:process id="petition_intake"', '<bpmn:process id="petition_intake_2"').replace(
        'processRef="petition_intake"', 'processRef="petition_intake_2"'), "file": MAIN})
    assert renamed.status_code == 422 and "petition_intake" in renamed.get_json()["errors"][0]["message"]
    assert definitions(engine_ctx) == before


def test_drafts_are_files_per_user_and_key(app, client, login, engine_ctx):
    data_dir = Path(app.config["PETITIONS_SETTINGS"].data_dir)
    login("quantri")
    headers = json_headers(client)
    url = f"/admin/processes/{KEY}/draft"
    assert client.get(url, headers=headers).status_code == 404
    xml = intake_xml(engine_ctx).replace("Vào sổ, tiếp nhận đơn", "Bản nháp")
    saved = client.put(url, headers=headers, json={"xml": xml, "version": 1, "file": MAIN}).get_json()
    assert saved["ok"] and saved["version"] == 1 and saved["file"] == MAIN
    path = data_dir / "drafts" / KEY / "quantri.bpmn"
    assert path.read_text("utf-8") == xml
    loaded = client.get(url, headers=headers).get_json()
    assert loaded["xml"] == xml and loaded["version"] == 1
    page = client.get(f"/admin/processes/{KEY}/versions/1/edit").get_data(as_text=True)
    assert 'id="draft-banner"' in page and "Mở bản nháp" in page
    assert modeler_config(page)["draft"]["here"]
    # Seen from another file of the version, the draft opens on its own file's page only.
    other = modeler_config(client.get(
        f"/admin/processes/{KEY}/versions/1/edit?file=complaint/complaint.bpmn").get_data(as_text=True))
    assert not other["draft"]["here"] and not other["draft"]["autoOpen"]
    assert "file=intake/petition_intake.bpmn" in other["draft"]["openUrl"]
    assert modeler_config(client.get(other["draft"]["openUrl"]).get_data(as_text=True))["draft"]["autoOpen"]
    hostile = client.put(url, headers=headers, json={"xml": (HOSTILE / "billion_laughs.bpmn").read_text(),
                                                     "version": 1, "file": MAIN})
    assert hostile.status_code == 422 and "DOCTYPE" in hostile.get_json()["errors"][0]["message"]
    assert path.read_text("utf-8") == xml  # the previous draft is kept
    assert client.put("/admin/processes/..%2F..%2Fetc/draft", headers=headers,
                      json={"xml": xml, "version": 1}).status_code == 404
    assert client.delete(url, headers=headers).get_json() == {"ok": True, "deleted": True}
    assert not path.exists() and client.get(url, headers=headers).status_code == 404
    # Deploying from the modeler clears the deployer's draft.
    client.put(url, headers=headers, json={"xml": xml, "version": 1, "file": MAIN})
    client.post(f"/admin/processes/{KEY}/versions/1/deploy", headers=headers,
                json={"xml": xml, "file": MAIN})
    assert not path.exists()


def upload(client, files: dict[str, bytes], **form):
    data = {"csrf_token": token_of(client), **form,
            "files": [(io.BytesIO(content), name) for name, content in files.items()]}
    return client.post("/admin/processes/upload", data=data, content_type="multipart/form-data")


def test_upload_deploys_through_the_same_validation(client, login, engine_ctx):
    login("quantri")
    assert "Tải lên tệp BPMN/DMN" in client.get("/admin/processes/upload").get_data(as_text=True)
    response = upload(client, {"mig.bpmn": process_xml("mig", ["A", "B"]).encode()}, tag="tải lên")
    assert response.status_code == 303
    assert "Đã triển khai mig phiên bản 1" in client.get("/admin/processes").get_data(as_text=True)
    # Replacing one file of a multi-file process: the rest of its bundle is kept.
    edited = intake_xml(engine_ctx).replace("Vào sổ, tiếp nhận đơn", "Vào sổ (tải lên)")
    response = upload(client, {"petition_intake.bpmn": edited.encode()}, base=KEY)
    assert response.status_code == 303
    with engine_ctx.uow(write=False) as uow:
        v2 = deployment.get_definition(uow, KEY, 2)
        v1 = deployment.get_definition(uow, KEY, 1)
        assert "Vào sổ (tải lên)" in v2.files[MAIN] and set(v2.files) == set(v1.files)
        assert v2.deployed_by == "quantri"


@pytest.mark.parametrize("name, expected", [
    ("malformed.bpmn", "XML không đúng cú pháp: Opening and ending tag mismatch"),
    ("xxe.bpmn", "không được phép khai báo <!DOCTYPE>"),
    ("billion_laughs.bpmn", "không được phép khai báo <!DOCTYPE>"),
    ("doctype.bpmn", "không được phép khai báo <!DOCTYPE>"),
    ("script_subclasses.bpmn", "mã lệnh script bị từ chối"),
    ("script_dunder_import.bpmn", "mã lệnh script bị từ chối"),
    ("script_open.bpmn", "mã lệnh script bị từ chối"),
    ("condition_dunder.bpmn", "biểu thức conditionExpression bị từ chối"),
    ("timer_import.bpmn", "biểu thức timeDuration bị từ chối"),
    ("unknown_element.bpmn", "bpmn:teleportTask"),
    ("missing_process_id.bpmn", "bpmn:process không có id"),
    ("not_executable.bpmn", "không có quy trình thực thi được"),
    ("lane_without_role.bpmn", "không có petitions:role"),
    ("unknown_field_type.bpmn", "unknown type 'color'"),
])
def test_hostile_or_broken_uploads_are_refused_and_change_nothing(client, login, engine_ctx,
                                                                   name, expected):
    login("quantri")
    before = definitions(engine_ctx)
    response = upload(client, {name: (HOSTILE / name).read_bytes()})
    text = response.get_data(as_text=True)
    assert response.status_code == 422, text[:300]
    assert "Không triển khai: tệp bị từ chối" in text and "không thay đổi" in text
    assert str(escape(expected)) in text
    if name != "not_executable.bpmn":  # a bundle-level error names no file
        assert f"<code>{name}</code>" in text
    assert definitions(engine_ctx) == before
    # The same file replacing a file of an existing process is refused too.
    replaced = upload(client, {"petition_intake.bpmn": (HOSTILE / name).read_bytes()}, base=KEY)
    assert replaced.status_code == 422
    assert definitions(engine_ctx) == before


def test_upload_refuses_bad_names_and_empty_requests(client, login, engine_ctx):
    login("quantri")
    before = definitions(engine_ctx)
    for files in ({"notes.txt": b"<x/>"}, {"evil.bpmn.exe": b"<x/>"}, {}):
        response = upload(client, files)
        assert response.status_code == 400, files
    assert "chỉ nhận tệp .bpmn hoặc .dmn" in upload(client, {"a.exe": b"x"}).get_data(as_text=True)
    assert "Chưa chọn tệp nào" in upload(client, {}).get_data(as_text=True)
    dmn_alone = upload(client, {"d.dmn": (HOSTILE / "dmn_import.dmn").read_bytes()})
    assert dmn_alone.status_code == 422
    assert definitions(engine_ctx) == before
    # A path in the uploaded name is dropped: the file is stored under its base name only.
    assert upload(client, {"../../mig.bpmn": process_xml("mig", ["A"]).encode()}).status_code == 303
    with engine_ctx.uow(write=False) as uow:
        assert list(deployment.get_definition(uow, "mig").files) == ["mig.bpmn"]


def test_compare_two_versions_lists_and_marks_changes(client, login, engine_ctx):
    deploy_mig(engine_ctx)
    login("quantri")
    page = client.get("/admin/processes/mig/compare?from=1&to=2")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    config = json.loads(re.search(r'id="compare-config">(.*?)</script>', text, re.S).group(1))
    assert {"N", "Timer_deadline", "Flow_A_N", "Flow_N_B"} <= set(config["added"])
    assert "Flow_A_B" in config["removed"] and "Lane_handling_officer" in config["changed"]
    assert config["oldUrl"].endswith("/versions/1/files/mig.bpmn")
    assert "Thêm" in text and "Xóa" in text and "Thành phần của làn" in text
    data = client.get("/admin/processes/mig/compare.json?from=1&to=2").get_json()
    assert data["summary"]["added"] == len(data["added"]) >= 4
    assert {i["id"] for i in data["removed"]} == {"Flow_A_B"}
    same = client.get("/admin/processes/mig/compare.json?from=2&to=2").get_json()
    assert same["summary"] == {"added": 0, "removed": 0, "changed": 0}
    assert client.get("/admin/processes/mig/compare?from=1&to=7").status_code == 404
    assert client.get("/admin/processes/mig/compare?from=x").status_code == 400


def test_migration_dry_run_then_bulk_migration_with_reason(client, login, engine_ctx):
    deploy_mig(engine_ctx)
    ids = [instances.start(engine_ctx, "mig", actor="tiepdan", version=1,
                           business_key=f"HS-{n}")["instance_id"] for n in range(3)]
    instances.terminate(engine_ctx, ids[2], actor="quantri", reason="Rút đơn")
    login("quantri")
    page = client.get("/admin/processes/mig/migrate?from=1&to=2")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 hồ sơ chuyển được, 1 hồ sơ không chuyển được" in text
    assert "chấm dứt" in text and f'value="{ids[0]}"' in text and f'value="{ids[2]}"' not in text
    form = {"csrf_token": csrf(page), "from": "1", "to": "2",
            "instance_ids": [str(ids[0]), str(ids[1])]}
    missing_reason = client.post("/admin/processes/mig/migrate", data=form)
    assert missing_reason.status_code == 400
    assert "Phải nêu lý do" in missing_reason.get_data(as_text=True)
    with engine_ctx.uow(write=False) as uow:
        assert {i.definition_id for i in uow.session.scalars(select(ProcessInstance))} == {
            deployment.get_definition(uow, "mig", 1).id} | {
            i.definition_id for i in uow.session.scalars(select(ProcessInstance).where(
                ProcessInstance.process_key != "mig"))}
    done = client.post("/admin/processes/mig/migrate", data={**form, "reason": "Thêm bước N"})
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "đã chuyển 2/2 hồ sơ" in text
    assert "0 hồ sơ chuyển được, 1 hồ sơ không chuyển được" in text
    with engine_ctx.uow(write=False) as uow:
        v2 = deployment.get_definition(uow, "mig", 2)
        rows = {i.id: i for i in uow.session.scalars(select(ProcessInstance).where(
            ProcessInstance.process_key == "mig"))}
        assert rows[ids[0]].definition_id == rows[ids[1]].definition_id == v2.id
        events = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.event_type == "instance_migrated")).all()
        assert sorted(e.instance_id for e in events) == ids[:2]
        assert {e.payload["reason"] for e in events} == {"Thêm bước N"}
    # An instance of another process cannot be slipped into this page's form.
    other = instances.start(engine_ctx, KEY, actor="tiepdan")["instance_id"]
    slipped = client.post("/admin/processes/mig/migrate",
                          data={**form, "instance_ids": [str(other)], "reason": "x"})
    assert str(escape("không phải 'mig'")) in slipped.get_data(as_text=True)
    with engine_ctx.uow(write=False) as uow:
        assert uow.session.get(ProcessInstance, other).definition_id == \
            deployment.get_definition(uow, KEY, 1).id
    reversed_page = client.get("/admin/processes/mig/migrate?from=2&to=1")
    assert "Chọn phiên bản đích mới hơn" in reversed_page.get_data(as_text=True)
