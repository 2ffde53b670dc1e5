"""The bpmn-js modeler on one BPMN file of a deployed version: validating an edited diagram with
exactly the deploy validation, deploying it as a new version, and the administrator's draft of it
(kept as files by ``webapp.admin.drafts``).
"""
from __future__ import annotations

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from lxml import etree

from engine.definitions import forms
from engine.definitions.safe_xml import MAX_FILE_BYTES, parse_xml
from engine.definitions.validation import is_bpmn_name, validate_bundle
from engine.errors import DeploymentError, InvalidInput, NotFound
from engine.persistence.models import ProcessDefinition
from petitions.roles import ROLES
from webapp.admin import bp, bpmn_catalogue, drafts
from webapp.admin.versions import (UPLOAD_NAME, admin_when, deploy_keeping, deployment_errors,
                                   load_definition, main_file, version_numbers, version_tag,
                                   zoom_texts)
from webapp.engine_access import current_actor, engine_ctx

WORKING_DAY_HELPERS = [
    ("deadline(d)", _l("Hạn cuối ngày d (23:59:59 giờ Việt Nam) — dùng cho timeDate")),
    ("add_working_days(d, n)", _l("Ngày làm việc thứ n sau ngày d")),
    ("add_days(d, n)", _l("n ngày sau d; ngày cuối rơi vào ngày nghỉ thì lùi sang ngày làm việc "
                          "kế tiếp")),
    ("working_days_between(a, b)", _l("Số ngày làm việc trong (a, b]")),
    ("is_working_day(d)", _l("Ngày d có phải ngày làm việc")),
    ("resume_deadline(due, suspended_on, resumed_on)", _l("Hạn mới sau thời gian tạm đình chỉ")),
    ("earliest(d1, d2, …)", _l("Ngày sớm nhất")),
    ("today()", _l("Hôm nay (giờ Việt Nam), YYYY-MM-DD")),
]
FIELD_TYPES = list(forms.FIELD_TYPES)  # exactly what the engine accepts


def _decision_ids(definition: ProcessDefinition) -> list[str]:
    ids = []
    for name, text in sorted(definition.files.items()):
        if name.endswith(".dmn"):
            tree = parse_xml(text.encode("utf-8"), name)
            ids += [el.get("id") for el in tree.iter() if isinstance(el.tag, str)
                    and etree.QName(el).localname == "decision" and el.get("id")]
    return ids


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput(_("Yêu cầu phải là một đối tượng JSON"))
    return data


def _xml_of(data: dict) -> bytes:
    xml = data.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise InvalidInput(_("Thiếu nội dung sơ đồ (xml)"))
    content = xml.encode("utf-8")
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput(_("Sơ đồ quá lớn (tối đa %(mb)s MB)", mb=MAX_FILE_BYTES // 1048576))
    return content


# ---- modeler -----------------------------------------------------------------------------------

def _data_dir():
    return current_app.config["PETITIONS_SETTINGS"].data_dir


@bp.get("/processes/<key>/versions/<int:version>/edit")
def edit(key: str, version: int):
    """The bpmn-js modeler on one BPMN file of the version (the process's own file by default)."""
    definition = load_definition(key, version)
    bpmn_files = sorted(name for name in definition.files if is_bpmn_name(name))
    file_name = request.args.get("file") or main_file(definition)
    if file_name not in bpmn_files:
        raise NotFound(_("Phiên bản %(v)s không có tệp BPMN '%(name)s'", v=version, name=file_name))
    draft = drafts.load_draft(_data_dir(), key, current_actor().username)
    config = {
        "key": key, "version": version, "file": file_name,
        "xmlUrl": url_for("admin.download_file", key=key, version=version, name=file_name),
        "validateUrl": url_for("admin.validate"),
        "deployUrl": url_for("admin.deploy_edited", key=key, version=version),
        "draftUrl": url_for("admin.draft", key=key),
        "processesUrl": url_for("admin.processes"),
        "roles": [{"code": code, "label": _(label)} for code, label in ROLES.items()],
        "decisions": _decision_ids(definition),
        "fieldTypes": FIELD_TYPES,
        "draft": None if draft is None else _draft_config(key, version, file_name, draft),
        "helpers": [{"sig": sig, "text": str(text)} for sig, text in WORKING_DAY_HELPERS],
        "text": {**_modeler_texts(), **zoom_texts()},
        "bpmnCatalogue": bpmn_catalogue.catalogue(str(get_locale() or "vi")),
    }
    # bpmn-js 18 runs under the app's strict policy (script-src and style-src 'self'): the browser
    # test watches for violations while creating, replacing, connecting and editing shapes.
    return render_template("admin/modeler.html", definition=definition, file_name=file_name,
                           bpmn_files=bpmn_files, config=config, versions=version_numbers(key))


def _draft_config(key: str, version: int, file_name: str, draft: dict) -> dict:
    """A draft belongs to the version and file it was made from: opened here when they match,
    otherwise "open" goes to that version's page and opens it there (never into another file)."""
    here = draft["version"] == version and draft["file"] == file_name
    return {"version": draft["version"], "file": draft["file"], "here": here,
            "savedAt": admin_when(draft["saved_at"]) if draft["saved_at"] else None,
            "autoOpen": here and request.args.get("draft") == "1",
            "openUrl": url_for("admin.edit", key=key, version=draft["version"], file=draft["file"],
                               draft=1) if draft["version"] and draft["file"] else None}


def _modeler_texts() -> dict[str, str]:
    """Every string the modeler script shows, translated here (the script has no gettext)."""
    return {
        "loading": _("Đang tải sơ đồ…"), "loaded": _("Đã mở sơ đồ."),
        "importFailed": _("Không mở được sơ đồ"), "importWarnings": _("Cảnh báo khi mở sơ đồ"),
        "draftSaved": _("Đã lưu bản nháp lúc"), "draftDeleted": _("Đã bỏ bản nháp."),
        "draftLoaded": _("Đã mở bản nháp."), "validating": _("Đang kiểm tra…"),
        "valid": _("Sơ đồ hợp lệ: có thể triển khai."), "invalid": _("Sơ đồ chưa hợp lệ"),
        "deploying": _("Đang triển khai…"), "deployed": _("Đã triển khai"),
        "unchanged": _("Không có thay đổi so với phiên bản hiện có"),
        "deployFailed": _("Triển khai không thành công"), "networkError": _("Lỗi kết nối máy chủ"),
        "file": _("tệp"), "element": _("phần tử"), "line": _("dòng"),
        "version": _("phiên bản"), "newVersion": _("phiên bản mới"),
        "openVersion": _("Mở phiên bản vừa triển khai"),
        "confirmDeploy": _("Triển khai sơ đồ này thành phiên bản mới?"),
        "confirmDiscard": _("Bỏ bản nháp đã lưu?"),
        "nothingSelected": _("Chọn một phần tử trên sơ đồ để xem và sửa thuộc tính."),
        "id": _("Mã (id)"), "name": _("Tên"), "type": _("Loại"),
        "laneRole": _("Vai trò của làn (petitions:role)"), "noRole": _("— không gán vai trò —"),
        "unit": _("Đơn vị xử lý (biểu thức petitions:unit)"),
        "form": _("Biểu mẫu của công việc"), "noForm": _("Công việc này chưa có biểu mẫu."),
        "addField": _("Thêm trường"), "removeField": _("Xóa trường"),
        "fieldName": _("Tên biến"), "fieldType": _("Kiểu"), "fieldLabel": _("Nhãn"),
        "fieldRequired": _("Bắt buộc"), "fieldChoices": _("Lựa chọn (mỗi dòng: giá trị|nhãn)"),
        "timer": _("Hẹn giờ"), "timerKind": _("Kiểu hẹn giờ"),
        "timeDate": _("Thời điểm (timeDate)"), "timeDuration": _("Khoảng thời gian (timeDuration)"),
        "timeCycle": _("Lặp lại (timeCycle)"), "timerExpression": _("Biểu thức"),
        "timerHint": _("Biểu thức Python: chuỗi ISO 8601 trong ngoặc kép (\"P10D\") hoặc tên "
                       "biến đã tính trước bằng các hàm ngày làm việc:"),
        "script": _("Mã lệnh (script)"),
        "scriptHint": _("Chạy trong môi trường hạn chế: không import, không tên bắt đầu bằng _."),
        "condition": _("Điều kiện của luồng"),
        "decision": _("Bảng quyết định DMN được gọi"), "noDecision": _("— chọn bảng quyết định —"),
        "apply": _("Áp dụng"), "errorsTitle": _("Lỗi kiểm tra"),
        "documentation": _("Mô tả"),
        "taskRole": _("Vai trò thực hiện (vai trò của làn chứa công việc)"),
        "taskRoleLane": _("Làn"), "taskNoLane": _("Công việc chưa nằm trong làn nào: hãy kéo nó vào "
                                                 "một làn có vai trò, nếu không sẽ không ai nhận được việc."),
        "draftTitle": _("Có bản nháp chưa triển khai"),
    }


@bp.post("/processes/validate")
def validate():
    """Exactly the deploy validation, on an edited diagram (within its version's bundle when
    ``key``/``version``/``file`` are given, so called processes and decisions resolve)."""
    data = _json_body()
    content = _xml_of(data)
    files = _bundle_with(data, content)
    try:
        bundle = validate_bundle(files, engine_ctx().roles)
    except DeploymentError as err:
        return jsonify(ok=False, errors=deployment_errors(err))
    return jsonify(ok=True, errors=[], processes=bundle.process_ids)


def _bundle_with(data: dict, content: bytes) -> dict[str, bytes]:
    key, version, file_name = data.get("key"), data.get("version"), data.get("file")
    if key and version is not None:
        try:
            definition = load_definition(str(key), int(version))
        except (TypeError, ValueError):
            raise InvalidInput(_("Phiên bản không hợp lệ")) from None
        files = {name: text.encode("utf-8") for name, text in definition.files.items()}
        file_name = file_name if file_name in files else main_file(definition)
        files[file_name] = content
        return files
    name = file_name if isinstance(file_name, str) and UPLOAD_NAME.match(file_name) else "diagram.bpmn"
    return {name: content}


@bp.post("/processes/<key>/versions/<int:version>/deploy")
def deploy_edited(key: str, version: int):
    """Deploy the edited file together with the rest of the version's bundle, as a new version."""
    data = _json_body()
    content = _xml_of(data)
    definition = load_definition(key, version)
    if data.get("file") not in definition.files:
        raise InvalidInput(_("Tệp '%(name)s' không thuộc phiên bản này", name=data.get("file")))
    files = _bundle_with({"key": key, "version": version, "file": data["file"]}, content)
    previous = version_numbers(key)[-1]  # the latest before this deploy: "v2 → v3" after it
    try:
        results = deploy_keeping(key, files, version_tag(data.get("tag")))
    except DeploymentError as err:
        return jsonify(ok=False, errors=deployment_errors(err)), 422
    drafts.delete_draft(_data_dir(), key, current_actor().username)
    mine = next((r for r in results if r["key"] == key), None)
    return jsonify(ok=True, results=results, version=mine["version"] if mine else None,
                   new=bool(mine and mine["new"]), previous=previous,
                   editUrl=url_for("admin.edit", key=key, version=mine["version"]) if mine else None)


@bp.route("/processes/<key>/draft", methods=["GET", "PUT", "DELETE"])
def draft(key: str):
    """The current administrator's draft of ``key``: read, save (JSON {xml, version, file}), drop."""
    version_numbers(key)  # 404 for an unknown process: drafts only for deployed keys
    user = current_actor().username
    if request.method == "GET":
        found = drafts.load_draft(_data_dir(), key, user)
        if found is None:
            raise NotFound(_("Chưa có bản nháp"))
        return jsonify(found)
    if request.method == "DELETE":
        return jsonify(ok=True, deleted=drafts.delete_draft(_data_dir(), key, user))
    data = _json_body()
    content = _xml_of(data)
    try:
        version = int(data.get("version"))
    except (TypeError, ValueError):
        raise InvalidInput(_("Phiên bản không hợp lệ")) from None
    definition = load_definition(key, version)
    file_name = data.get("file") if data.get("file") in definition.files else main_file(definition)
    try:
        meta = drafts.save_draft(_data_dir(), key, user, content, version=version,
                                 file=file_name, saved_at=engine_ctx().clock.now())
    except DeploymentError as err:
        return jsonify(ok=False, errors=deployment_errors(err)), 422
    return jsonify(ok=True, savedAt=admin_when(meta["saved_at"]), **meta)
