"""Comparing two versions of a process: the changed elements, and both diagrams side by side."""
from __future__ import annotations

from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _

from engine.definitions.diff import compare_versions
from engine.definitions.validation import is_bpmn_name
from engine.errors import NotFound
from webapp.admin import bp
from webapp.admin.versions import load_definition, main_file, version_range, zoom_texts
from webapp.engine_access import engine_ctx


@bp.get("/processes/<key>/compare")
def compare(key: str):
    versions, from_version, to_version = version_range(key)
    diff = compare_versions(engine_ctx(), key, from_version, to_version)
    old_def, new_def = load_definition(key, from_version), load_definition(key, to_version)
    bpmn_files = sorted({n for n in list(old_def.files) + list(new_def.files) if is_bpmn_name(n)})
    file_name = request.args.get("file") or main_file(new_def)
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
        "text": {"loadFailed": _("Không mở được sơ đồ"), "missing": _("Tệp không có ở phiên bản này"),
                 **zoom_texts()},
    }
    return render_template("admin/compare.html", key=key, diff=diff, versions=versions,
                           from_version=from_version, to_version=to_version, config=config,
                           bpmn_files=bpmn_files, file_name=file_name, kinds=_change_kinds())


@bp.get("/processes/<key>/compare.json")
def compare_data(key: str):
    from_version, to_version = version_range(key)[1:]
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
