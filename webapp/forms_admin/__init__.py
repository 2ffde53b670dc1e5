"""Form templates for administrators (issue 16): the catalogue, every version of each template,
download, and upload of a new version (checked: a real .docx, no zip bomb, Jinja that parses,
only known placeholders). A version is never replaced: documents issued with it keep it.
"""
from __future__ import annotations

import io

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from engine.errors import InvalidInput
from petitions.documents import catalogue, templates
from petitions.documents.issuing import DOCX_TYPE
from webapp.engine_access import current_actor, engine_ctx

bp = Blueprint("forms_admin", __name__, url_prefix="/admin/forms")


@bp.before_request
def administrators_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if "administrator" not in current_user.roles:
        abort(403)
    return None


@bp.after_request
def no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _form_or_404(code: str) -> catalogue.Form:
    form = catalogue.get(code)
    if form is None or form.code != code:
        abort(404)
    return form


def _page(error: str | None = None, error_code: str | None = None, status: int = 200):
    steps = catalogue.steps_by_form()
    with engine_ctx().uow(write=False) as uow:
        rows = [{"form": form, "steps": steps[form.code],
                 "versions": templates.versions(uow.session, form.code)} for form in catalogue.FORMS]
    return render_template("forms_admin/index.html", rows=rows, error=error,
                           error_code=error_code), status


@bp.get("/")
def index():
    """Every form with its legal basis, the steps issuing it and its template versions."""
    return _page()


@bp.get("/<code>/versions/<int:version>")
def download(code: str, version: int):
    form = _form_or_404(code)
    with engine_ctx().uow(write=False) as uow:
        content = templates.content_of(uow.session, form.code, version)
    return send_file(io.BytesIO(content), mimetype=DOCX_TYPE, as_attachment=True,
                     download_name=f"{form.code}_v{version}.docx", conditional=False, etag=False)


@bp.post("/<code>/versions")
def upload(code: str):
    """A new version of the template; refused with one line naming what is wrong."""
    form = _form_or_404(code)
    file = request.files.get("template")
    content = file.read(templates.rendering.MAX_TEMPLATE_BYTES + 1) if file else b""
    try:
        version = templates.upload(engine_ctx(), form.code, content,
                                   actor=current_actor().username, note=request.form.get("note"))
    except InvalidInput as err:
        return _page(err.message, form.code, 400)
    flash(_("Đã lưu phiên bản %(v)s của mẫu %(code)s.", v=version, code=form.code), "success")
    return redirect(url_for("forms_admin.index") + f"#form-{form.code}", code=303)
