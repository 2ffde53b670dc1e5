"""Routes of the process administration blueprint (administrators only, checked before every route).

Pages: the process list, the bpmn-js modeler of a version, upload, compare, migration (dry run and
run). JSON: validate, deploy an edited diagram, drafts, compare data. Downloads: one file, or a
version's files as a zip.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from flask import (abort, current_app, flash, jsonify, redirect, render_template,
                   request, send_file, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from lxml import etree
from sqlalchemy import func, select

from engine import deployment, migration
from engine.definition_diff import compare_versions
from engine.definitions.safe_xml import MAX_FILE_BYTES, parse_xml
from engine.definitions.validation import validate_bundle
from engine.errors import DeploymentError, InvalidInput, NotFound
from engine.models import ProcessDefinition, ProcessInstance
from engine.roles import ROLES
from webapp.admin import bp, drafts
from webapp.engine_access import current_actor, engine_ctx

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
MAX_TAG = 200
_UPLOAD_NAME = re.compile(r"^[\w\-. ]{1,150}\.(bpmn|dmn)$")
STATUS_LABELS = {"waiting": _l("Đang chờ"), "running": _l("Đang chạy"),
                 "suspended": _l("Tạm dừng"), "error": _l("Lỗi"), "completed": _l("Hoàn thành"),
                 "terminated": _l("Đã chấm dứt")}
STATUS_ORDER = ["waiting", "running", "suspended", "error", "completed", "terminated"]
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
FIELD_TYPES = ["string", "text", "integer", "number", "boolean", "date", "datetime", "enum",
               "multienum"]


@bp.before_request
def administrators_only():
    """Every route of this blueprint: log in first, then administrators only (403 otherwise)."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if "administrator" not in current_user.roles:
        abort(403)
    return None


@bp.after_request
def no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.context_processor
def helpers():
    return {"admin_when": _when, "status_labels": {k: str(v) for k, v in STATUS_LABELS.items()},
            "status_order": STATUS_ORDER}


def _when(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def _definition(key: str, version: int) -> ProcessDefinition:
    with engine_ctx().uow(write=False) as uow:
        return deployment.get_definition(uow, key, version)


def _versions(key: str) -> list[int]:
    with engine_ctx().uow(write=False) as uow:
        versions = list(uow.session.scalars(select(ProcessDefinition.version).where(
            ProcessDefinition.process_key == key).order_by(ProcessDefinition.version)))
    if not versions:
        raise NotFound(_("Không tìm thấy quy trình '%(key)s'", key=key))
    return versions


def _main_file(definition: ProcessDefinition) -> str:
    """The BPMN file of the bundle that holds the process itself (others are called processes)."""
    for name in sorted(definition.files):
        if name.endswith(".bpmn"):
            tree = parse_xml(definition.files[name].encode("utf-8"), name)
            if any(p.get("id") == definition.process_key for p in tree.iter(f"{{{BPMN_NS}}}process")):
                return name
    return next(name for name in sorted(definition.files) if name.endswith(".bpmn"))


def _decision_ids(definition: ProcessDefinition) -> list[str]:
    ids = []
    for name, text in sorted(definition.files.items()):
        if name.endswith(".dmn"):
            tree = parse_xml(text.encode("utf-8"), name)
            ids += [el.get("id") for el in tree.iter() if isinstance(el.tag, str)
                    and etree.QName(el).localname == "decision" and el.get("id")]
    return ids


def _errors_of(err: DeploymentError) -> list[dict]:
    return [{"message": err.detail, "file": err.file_name, "element_id": err.element_id,
             "line": err.line, "text": err.message}]


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


def _tag(value) -> str | None:
    tag = (value or "").strip() if isinstance(value, str) else ""
    if len(tag) > MAX_TAG:
        raise InvalidInput(_("Nhãn phiên bản tối đa %(n)s ký tự", n=MAX_TAG))
    return tag or None


def _version_arg(name: str, default: int | None) -> int | None:
    raw = request.values.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(_("Phiên bản '%(v)s' không hợp lệ", v=raw)) from None


# ---- process list ------------------------------------------------------------------------------

@bp.get("/processes")
def processes():
    """Every process key with its versions and the instances per version and status."""
    with engine_ctx().uow(write=False) as uow:
        rows = uow.session.execute(select(
            ProcessDefinition.id, ProcessDefinition.process_key, ProcessDefinition.version,
            ProcessDefinition.name, ProcessDefinition.sha256, ProcessDefinition.tag,
            ProcessDefinition.deployed_by, ProcessDefinition.deployed_at)
            .order_by(ProcessDefinition.process_key, ProcessDefinition.version.desc())).all()
        counts = uow.session.execute(
            select(ProcessInstance.definition_id, ProcessInstance.status, func.count())
            .group_by(ProcessInstance.definition_id, ProcessInstance.status)).all()
    by_definition: dict[int, dict[str, int]] = {}
    for definition_id, status, count in counts:
        by_definition.setdefault(definition_id, {})[status] = count
    keys: dict[str, dict] = {}
    for row in rows:
        entry = keys.setdefault(row.process_key, {"key": row.process_key, "name": row.name,
                                                  "versions": []})
        per_status = by_definition.get(row.id, {})
        entry["versions"].append({
            "version": row.version, "tag": row.tag, "sha256": row.sha256,
            "deployed_by": row.deployed_by, "deployed_at": row.deployed_at,
            "counts": per_status, "total": sum(per_status.values()),
            "movable": sum(per_status.get(s, 0) for s in migration.MIGRATABLE)})
    for entry in keys.values():
        entry["latest"] = entry["versions"][0]["version"]
    return render_template("admin/processes.html", processes=list(keys.values()))


# ---- downloads ---------------------------------------------------------------------------------

@bp.get("/processes/<key>/versions/<int:version>/files/<path:name>")
def download_file(key: str, version: int, name: str):
    definition = _definition(key, version)
    if name not in definition.files:
        raise NotFound(_("Phiên bản %(v)s không có tệp '%(name)s'", v=version, name=name))
    response = send_file(io.BytesIO(definition.files[name].encode("utf-8")),
                         mimetype="application/xml", as_attachment=True,
                         download_name=PurePosixPath(name).name)
    return response


@bp.get("/processes/<key>/versions/<int:version>/download")
def download_zip(key: str, version: int):
    definition = _definition(key, version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(definition.files.items()):
            archive.writestr(name, text)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name=f"{key}-v{version}.zip")


# ---- modeler -----------------------------------------------------------------------------------

def _data_dir():
    return current_app.config["PETITIONS_SETTINGS"].data_dir


@bp.get("/processes/<key>/versions/<int:version>/edit")
def edit(key: str, version: int):
    """The bpmn-js modeler on one BPMN file of the version (the process's own file by default)."""
    definition = _definition(key, version)
    bpmn_files = sorted(name for name in definition.files if name.endswith(".bpmn"))
    file_name = request.args.get("file") or _main_file(definition)
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
        "text": _modeler_texts(),
    }
    # bpmn-js 18 runs under the app's strict policy (script-src and style-src 'self'): the browser
    # test watches for violations while creating, replacing, connecting and editing shapes.
    return render_template("admin/modeler.html", definition=definition, file_name=file_name,
                           bpmn_files=bpmn_files, config=config, versions=_versions(key))


def _draft_config(key: str, version: int, file_name: str, draft: dict) -> dict:
    """A draft belongs to the version and file it was made from: opened here when they match,
    otherwise "open" goes to that version's page and opens it there (never into another file)."""
    here = draft["version"] == version and draft["file"] == file_name
    return {"version": draft["version"], "file": draft["file"], "here": here,
            "savedAt": _when(draft["saved_at"]) if draft["saved_at"] else None,
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
    }


@bp.post("/processes/validate")
def validate():
    """Exactly the deploy validation, on an edited diagram (within its version's bundle when
    ``key``/``version``/``file`` are given, so called processes and decisions resolve)."""
    data = _json_body()
    content = _xml_of(data)
    files = _bundle_with(data, content)
    try:
        bundle = validate_bundle(files)
    except DeploymentError as err:
        return jsonify(ok=False, errors=_errors_of(err))
    return jsonify(ok=True, errors=[], processes=bundle.process_ids)


def _bundle_with(data: dict, content: bytes) -> dict[str, bytes]:
    key, version, file_name = data.get("key"), data.get("version"), data.get("file")
    if key and version is not None:
        try:
            definition = _definition(str(key), int(version))
        except (TypeError, ValueError):
            raise InvalidInput(_("Phiên bản không hợp lệ")) from None
        files = {name: text.encode("utf-8") for name, text in definition.files.items()}
        file_name = file_name if file_name in files else _main_file(definition)
        files[file_name] = content
        return files
    name = file_name if isinstance(file_name, str) and _UPLOAD_NAME.match(file_name) else "diagram.bpmn"
    return {name: content}


@bp.post("/processes/<key>/versions/<int:version>/deploy")
def deploy_edited(key: str, version: int):
    """Deploy the edited file together with the rest of the version's bundle, as a new version."""
    data = _json_body()
    content = _xml_of(data)
    definition = _definition(key, version)
    if data.get("file") not in definition.files:
        raise InvalidInput(_("Tệp '%(name)s' không thuộc phiên bản này", name=data.get("file")))
    files = _bundle_with({"key": key, "version": version, "file": data["file"]}, content)
    try:
        results = _deploy_keeping(key, files, _tag(data.get("tag")))
    except DeploymentError as err:
        return jsonify(ok=False, errors=_errors_of(err)), 422
    drafts.delete_draft(_data_dir(), key, current_actor().username)
    mine = next((r for r in results if r["key"] == key), None)
    return jsonify(ok=True, results=results, version=mine["version"] if mine else None,
                   new=bool(mine and mine["new"]),
                   editUrl=url_for("admin.edit", key=key, version=mine["version"]) if mine else None)


def _deploy_keeping(key: str, files: dict[str, bytes], tag: str | None) -> list[dict]:
    """Deploy a bundle that must still define ``key`` (an edit must not silently drop or rename
    the process it was opened for); nothing is stored otherwise."""
    bundle = validate_bundle(files)
    if key not in bundle.process_ids:
        raise DeploymentError(_("Bộ tệp không còn quy trình thực thi được '%(key)s' (mã của "
                                "bpmn:process đã bị đổi hoặc xóa?)", key=key))
    return deployment.deploy(engine_ctx(), files, actor=current_actor().username, tag=tag)


@bp.route("/processes/<key>/draft", methods=["GET", "PUT", "DELETE"])
def draft(key: str):
    """The current administrator's draft of ``key``: read, save (JSON {xml, version, file}), drop."""
    _versions(key)  # 404 for an unknown process: drafts only for deployed keys
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
    definition = _definition(key, version)
    file_name = data.get("file") if data.get("file") in definition.files else _main_file(definition)
    try:
        meta = drafts.save_draft(_data_dir(), key, user, content, version=version,
                                 file=file_name, saved_at=engine_ctx().clock.now())
    except DeploymentError as err:
        return jsonify(ok=False, errors=_errors_of(err)), 422
    return jsonify(ok=True, savedAt=_when(meta["saved_at"]), **meta)


# ---- upload ------------------------------------------------------------------------------------

@bp.get("/processes/upload")
def upload_form():
    return render_template("admin/upload.html", keys=_keys(), error=None, base="")


def _keys() -> list[str]:
    with engine_ctx().uow(write=False) as uow:
        return list(uow.session.scalars(select(ProcessDefinition.process_key).distinct()
                                        .order_by(ProcessDefinition.process_key)))


@bp.post("/processes/upload")
def upload():
    """Deploy uploaded BPMN/DMN files through the deploy validation; nothing is stored on error.

    With a base process, the uploaded files replace the files of the same name in its latest
    version's bundle (so a process that calls others or uses a decision table still resolves).
    """
    base = (request.form.get("base") or "").strip()
    try:
        files = _uploaded_files()
        tag = _tag(request.form.get("tag"))
        if base:
            results = _deploy_keeping(base, _merge_into_latest(base, files), tag)
        else:
            results = deployment.deploy(engine_ctx(), files, actor=current_actor().username,
                                        tag=tag)
    except DeploymentError as err:
        return render_template("admin/upload.html", keys=_keys(), error=_errors_of(err)[0],
                               base=base), 422
    except InvalidInput as err:
        return render_template("admin/upload.html", keys=_keys(),
                               error={"message": err.message}, base=base), 400
    for result in results:
        if result["new"]:
            flash(_("Đã triển khai %(key)s phiên bản %(v)s", key=result["key"], v=result["version"]),
                  "success")
        else:
            flash(_("%(key)s không thay đổi (vẫn là phiên bản %(v)s)", key=result["key"],
                    v=result["version"]), "info")
    return redirect(url_for("admin.processes"), code=303)


def _uploaded_files() -> dict[str, bytes]:
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if not uploads:
        raise InvalidInput(_("Chưa chọn tệp nào"))
    files: dict[str, bytes] = {}
    for upload in uploads:
        name = PurePosixPath(upload.filename.replace("\\", "/")).name
        if not _UPLOAD_NAME.match(name):
            raise InvalidInput(_("Tên tệp '%(name)s' không hợp lệ: chỉ nhận tệp .bpmn hoặc .dmn",
                                 name=name))
        if name in files:
            raise InvalidInput(_("Hai tệp trùng tên '%(name)s'", name=name))
        content = upload.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise InvalidInput(_("Tệp '%(name)s' quá lớn", name=name))
        files[name] = content
    return files


def _merge_into_latest(key: str, uploaded: dict[str, bytes]) -> dict[str, bytes]:
    with engine_ctx().uow(write=False) as uow:
        latest = deployment.get_definition(uow, key)
        files = {name: text.encode("utf-8") for name, text in latest.files.items()}
    by_base = {PurePosixPath(name).name: name for name in files}
    for name, content in uploaded.items():
        files[by_base.get(name, name)] = content
    return files


# ---- compare -----------------------------------------------------------------------------------

@bp.get("/processes/<key>/compare")
def compare(key: str):
    versions = _versions(key)
    to_version = _version_arg("to", versions[-1])
    from_version = _version_arg("from", versions[-2] if len(versions) > 1 else versions[-1])
    diff = compare_versions(engine_ctx(), key, from_version, to_version)
    old_def, new_def = _definition(key, from_version), _definition(key, to_version)
    bpmn_files = sorted({n for n in list(old_def.files) + list(new_def.files) if n.endswith(".bpmn")})
    file_name = request.args.get("file") or _main_file(new_def)
    if file_name not in bpmn_files:
        raise NotFound(_("Không có tệp BPMN '%(name)s'", name=file_name))
    config = {
        "file": file_name,
        "oldUrl": url_for("admin.download_file", key=key, version=from_version, name=file_name)
        if file_name in old_def.files else None,
        "newUrl": url_for("admin.download_file", key=key, version=to_version, name=file_name)
        if file_name in new_def.files else None,
        "added": [i["id"] for i in diff["added"] if i["file"] == file_name],
        "removed": [i["id"] for i in diff["removed"] if i["file"] == file_name],
        "changed": [i["id"] for i in diff["changed"] if i["file"] == file_name],
        "text": {"loadFailed": _("Không mở được sơ đồ"), "missing": _("Tệp không có ở phiên bản này")},
    }
    return render_template("admin/compare.html", key=key, diff=diff, versions=versions,
                           from_version=from_version, to_version=to_version, config=config,
                           bpmn_files=bpmn_files, file_name=file_name, kinds=_change_kinds())


@bp.get("/processes/<key>/compare.json")
def compare_data(key: str):
    versions = _versions(key)
    to_version = _version_arg("to", versions[-1])
    from_version = _version_arg("from", versions[-2] if len(versions) > 1 else versions[-1])
    return jsonify(compare_versions(engine_ctx(), key, from_version, to_version))


def _change_kinds() -> dict[str, str]:
    return {"type": _("Loại phần tử"), "name": _("Tên"), "attribute": _("Thuộc tính"),
            "role": _("Vai trò của làn"), "unit": _("Đơn vị xử lý"),
            "called_process": _("Quy trình được gọi"), "connection": _("Nối từ/đến"),
            "attached_to": _("Gắn vào công việc"), "interrupting": _("Ngắt công việc"),
            "default_flow": _("Luồng mặc định"), "hit_policy": _("Chính sách bảng quyết định"),
            "executable": _("Thực thi được"), "script": _("Mã lệnh"), "condition": _("Điều kiện"),
            "timer": _("Hẹn giờ"), "form": _("Biểu mẫu"), "decision": _("Bảng quyết định"),
            "documentation": _("Mô tả"), "members": _("Thành phần của làn"),
            "loop": _("Lặp"), "properties": _("Thuộc tính mở rộng"), "service": _("Dịch vụ"),
            "instructions": _("Hướng dẫn"), "tests": _("Kiểm thử"), "entries": _("Ô quy tắc"),
            "expression": _("Biểu thức đầu vào"), "message": _("Thông điệp"),
            "event": _("Sự kiện"), "table": _("Bảng"), "extension": _("Phần mở rộng"),
            "group": _("Nhóm (giai đoạn)"),
            "content": _("Nội dung")}


# ---- migration ---------------------------------------------------------------------------------

def _migration_versions(key: str) -> tuple[list[int], int, int]:
    versions = _versions(key)
    to_version = _version_arg("to", versions[-1])
    from_version = _version_arg("from", versions[-2] if len(versions) > 1 else versions[-1])
    return versions, from_version, to_version


@bp.get("/processes/<key>/migrate")
def migration_plan(key: str):
    """Dry run: which instances of one version can move to a newer one, and why the others not."""
    versions, from_version, to_version = _migration_versions(key)
    plan, error = _plan(key, from_version, to_version)
    return render_template("admin/migrate.html", key=key, versions=versions, plan=plan,
                           from_version=from_version, to_version=to_version, results=None,
                           error=error, reason="")


def _plan(key: str, from_version: int, to_version: int) -> tuple[list[dict], str | None]:
    if to_version <= from_version:
        return [], _("Chọn phiên bản đích mới hơn phiên bản nguồn.")
    return migration.plan_migration(engine_ctx(), key, from_version, to_version), None


@bp.post("/processes/<key>/migrate")
def migrate(key: str):
    """Migrate the chosen instances (each in its own transaction) and show a result per instance."""
    versions, from_version, to_version = _migration_versions(key)
    reason = request.form.get("reason", "")
    try:
        ids = [int(i) for i in request.form.getlist("instance_ids")]
    except ValueError:
        raise InvalidInput(_("Mã hồ sơ không hợp lệ")) from None
    if to_version not in versions:
        raise NotFound(_("Không tìm thấy phiên bản %(v)s", v=to_version))
    try:
        results = migration.migrate(engine_ctx(), ids, to_version, current_actor().username,
                                    reason, process_key=key)
    except InvalidInput as err:
        plan, _error = _plan(key, from_version, to_version)
        return render_template("admin/migrate.html", key=key, versions=versions, plan=plan,
                               from_version=from_version, to_version=to_version, results=None,
                               error=err.message, reason=reason), 400
    plan, _error = _plan(key, from_version, to_version)
    moved = sum(1 for r in results if r["ok"])
    return render_template("admin/migrate.html", key=key, versions=versions, plan=plan,
                           from_version=from_version, to_version=to_version, results=results,
                           moved=moved, error=None, reason="")
