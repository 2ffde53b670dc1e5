"""A process's deployed versions: the process list, and what every administration page shares —
reading a version (its definition, its main BPMN file, the versions of a key, the from/to versions
of a compare or a migration) and deploying a new one (from the modeler or an upload).
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from engine.definitions import deployment
from engine.definitions.safe_xml import parse_xml
from engine.definitions.validation import is_bpmn_name, validate_bundle
from engine.errors import DeploymentError, InvalidInput, NotFound
from engine.persistence.models import ProcessDefinition
from engine.running import migration
from webapp.admin import bp, counts
from webapp.engine_access import current_actor, engine_ctx
from webapp.input_guard import MAX_ID

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
MAX_TAG = 200
UPLOAD_NAME = re.compile(r"^[\w\-. ]{1,150}\.(bpmn|bpmn20\.xml|dmn)$")
STATUS_LABELS = {"waiting": _l("Đang chờ"), "running": _l("Đang chạy"),
                 "suspended": _l("Tạm dừng"), "error": _l("Lỗi"), "completed": _l("Hoàn thành"),
                 "terminated": _l("Đã chấm dứt")}
STATUS_ORDER = ["waiting", "running", "suspended", "error", "completed", "terminated"]


@bp.context_processor
def helpers():
    return {"admin_when": admin_when,
            "status_labels": {k: str(v) for k, v in STATUS_LABELS.items()},
            "status_order": STATUS_ORDER}


def admin_when(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def zoom_texts() -> dict[str, str]:
    """Labels of the zoom buttons of every diagram (static/admin/zoom.js)."""
    return {"zoomGroup": _("Thu phóng sơ đồ"), "zoomIn": _("Phóng to"), "zoomOut": _("Thu nhỏ"),
            "zoomFit": _("Vừa khung"), "zoomFitShort": _("Vừa khung")}


def load_definition(key: str, version: int) -> ProcessDefinition:
    if not 0 < version <= MAX_ID:  # no such version; a bigger number fails in the driver (a 500)
        raise NotFound(_("Không tìm thấy phiên bản %(v)s", v=version))
    with engine_ctx().uow(write=False) as uow:
        return deployment.get_definition(uow, key, version)


def version_numbers(key: str) -> list[int]:
    with engine_ctx().uow(write=False) as uow:
        versions = list(uow.session.scalars(select(ProcessDefinition.version).where(
            ProcessDefinition.process_key == key).order_by(ProcessDefinition.version)))
    if not versions:
        raise NotFound(_("Không tìm thấy quy trình '%(key)s'", key=key))
    return versions


def version_range(key: str) -> tuple[list[int], int, int]:
    """The versions of ``key``, and the ``from``/``to`` versions asked for (default: the two
    latest) of a compare or a migration."""
    versions = version_numbers(key)
    to_version = _version_arg("to", versions[-1])
    from_version = _version_arg("from", versions[-2] if len(versions) > 1 else versions[-1])
    return versions, from_version, to_version


def _version_arg(name: str, default: int | None) -> int | None:
    raw = request.values.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(_("Phiên bản '%(v)s' không hợp lệ", v=raw)) from None
    if not 0 < value <= MAX_ID:
        raise InvalidInput(_("Phiên bản '%(v)s' không hợp lệ", v=raw[:20]))
    return value


def main_file(definition: ProcessDefinition) -> str:
    """The BPMN file of the bundle that holds the process itself (others are called processes)."""
    for name in sorted(definition.files):
        if is_bpmn_name(name):
            tree = parse_xml(definition.files[name].encode("utf-8"), name)
            if any(p.get("id") == definition.process_key for p in tree.iter(f"{{{BPMN_NS}}}process")):
                return name
    return next(name for name in sorted(definition.files) if is_bpmn_name(name))


def deployment_errors(err: DeploymentError) -> list[dict]:
    return [{"message": err.detail, "file": err.file_name, "element_id": err.element_id,
             "line": err.line, "text": err.message}]


def version_tag(value) -> str | None:
    tag = (value or "").strip() if isinstance(value, str) else ""
    if len(tag) > MAX_TAG:
        raise InvalidInput(_("Nhãn phiên bản tối đa %(n)s ký tự", n=MAX_TAG))
    return tag or None


def deploy_keeping(key: str, files: dict[str, bytes], tag: str | None) -> list[dict]:
    """Deploy a bundle that must still define ``key`` (an edit must not silently drop or rename
    the process it was opened for); nothing is stored otherwise."""
    bundle = validate_bundle(files, engine_ctx().roles)
    if key not in bundle.process_ids:
        raise DeploymentError(_("Bộ tệp không còn quy trình thực thi được '%(key)s' (mã của "
                                "bpmn:process đã bị đổi hoặc xóa?)", key=key))
    return deployment.deploy(engine_ctx(), files, actor=current_actor().username, tag=tag)


# ---- process list ------------------------------------------------------------------------------

@bp.get("/processes")
def processes():
    """Every process key with its versions and the cases per version and status: its own
    instances and its runs called by other processes (webapp.admin.counts), of the
    administrator's units only."""
    units = current_actor().units
    with engine_ctx().uow(write=False) as uow:
        rows = uow.session.execute(select(
            ProcessDefinition.id, ProcessDefinition.process_key, ProcessDefinition.version,
            ProcessDefinition.name, ProcessDefinition.sha256, ProcessDefinition.tag,
            ProcessDefinition.deployed_by, ProcessDefinition.deployed_at)
            .order_by(ProcessDefinition.process_key, ProcessDefinition.version.desc())).all()
        by_definition = counts.direct_counts(uow.session, units)
        called = counts.called_counts(uow.session, units)
    callers = {row.id: (row.process_key, row.version) for row in rows}
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
        entry["called"] = sorted(
            ({"caller": callers[definition_id][0], "version": callers[definition_id][1],
              "counts": per_status, "total": sum(per_status.values())}
             for definition_id, per_status in called.get(entry["key"], {}).items()),
            key=lambda c: (c["caller"], -c["version"]))
        entry["total"] = (sum(v["total"] for v in entry["versions"])
                          + sum(c["total"] for c in entry["called"]))
    return render_template("admin/processes.html", processes=list(keys.values()))
