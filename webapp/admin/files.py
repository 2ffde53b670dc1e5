"""A version's BPMN/DMN files in and out: downloading one file or the whole bundle as a zip, and
uploading files that are deployed as a new version.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine.definitions import deployment
from engine.definitions.safe_xml import MAX_FILE_BYTES
from engine.errors import DeploymentError, InvalidInput, NotFound
from engine.persistence.models import ProcessDefinition
from webapp.admin import bp
from webapp.admin.versions import (UPLOAD_NAME, deploy_keeping, deployment_errors, load_definition,
                                   version_tag)
from webapp.engine_access import current_actor, engine_ctx

# ---- downloads ---------------------------------------------------------------------------------

@bp.get("/processes/<key>/versions/<int:version>/files/<path:name>")
def download_file(key: str, version: int, name: str):
    definition = load_definition(key, version)
    if name not in definition.files:
        raise NotFound(_("Phiên bản %(v)s không có tệp '%(name)s'", v=version, name=name))
    response = send_file(io.BytesIO(definition.files[name].encode("utf-8")),
                         mimetype="application/xml", as_attachment=True,
                         download_name=PurePosixPath(name).name)
    return response


@bp.get("/processes/<key>/versions/<int:version>/download")
def download_zip(key: str, version: int):
    definition = load_definition(key, version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(definition.files.items()):
            archive.writestr(name, text)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name=f"{key}-v{version}.zip")


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
    with engine_ctx().uow(write=False) as uow:
        before = deployment.latest_versions(uow)  # to say "version 1 → version 2" afterwards
    try:
        files = _uploaded_files()
        tag = version_tag(request.form.get("tag"))
        if base:
            results = deploy_keeping(base, _merge_into_latest(base, files), tag)
        else:
            results = deployment.deploy(engine_ctx(), files, actor=current_actor().username,
                                        tag=tag)
    except DeploymentError as err:
        return render_template("admin/upload.html", keys=_keys(), error=deployment_errors(err)[0],
                               base=base), 422
    except InvalidInput as err:
        return render_template("admin/upload.html", keys=_keys(),
                               error={"message": err.message}, base=base), 400
    for result in results:
        if result.get("skipped"):
            flash(f'{result["key"]}: {result["skipped"]}', "warning")
        elif result["new"] and before.get(result["key"]):
            flash(_("Đã triển khai %(key)s: phiên bản %(old)s → phiên bản %(v)s", key=result["key"],
                    old=before[result["key"]], v=result["version"]), "success")
        elif result["new"]:
            flash(_("Đã triển khai %(key)s phiên bản %(v)s (quy trình mới)", key=result["key"],
                    v=result["version"]), "success")
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
        if not UPLOAD_NAME.match(name):
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
