"""The documents of a task page (issue 16): "Tạo văn bản" and the files sent with a completion.

"Tạo văn bản" is a button of the completion form itself (``formaction``), so the document is filled
with what the officer has typed so far; it downloads the .docx (or its PDF where LibreOffice is
installed) and records the number given. The completion route hands the uploaded files to
``petitions.documents.step_files``, which stores them with the completion or not at all.
"""
from __future__ import annotations

import io

from flask import abort, current_app, g, request, send_file
from flask_login import login_required

from engine.accounts.models import SubmissionKey
from petitions.documents import catalogue, issuing, pdf
from petitions.documents.step_files import attachment_fields
from petitions.register.documents import store_for
from petitions.tasks import task_page as task_q
from webapp.engine_access import current_actor, engine_ctx
from webapp.tasks import bp
from webapp.tasks.forms import submitted_data

PDF_TYPE = "application/pdf"


def document_fields(form: dict | None) -> list[dict]:
    """The step's declared files, with the form each one is the signed copy of."""
    fields = []
    for field in attachment_fields(form).values():
        issued = catalogue.get(field.get("document") or "")
        fields.append({**field, "form_title": issued.title if issued else "",
                       "code": issued.code if issued else None})
    return fields


def plain_form(form: dict | None) -> dict | None:
    """The form without its file fields (rendered by the task page's own file inputs)."""
    if not form:
        return form
    fields = [f for f in form.get("fields", []) if f.get("type") != "attachment"]
    return {**form, "fields": fields} if fields else None


def uploads(form: dict | None) -> tuple[dict, list]:
    """``(scans by field, other attachments)`` as (name, bytes) from the posted files."""
    scans = {}
    for name in attachment_fields(form):
        upload = request.files.get(name)
        if upload is not None and upload.filename:
            scans[name] = (upload.filename, upload.read())
    extra = [(f.filename, f.read()) for f in request.files.getlist("attachments") if f.filename]
    return scans, extra


def document_store():
    return store_for(current_app.config["PETITIONS_SETTINGS"].data_dir)


@bp.post("/<int:task_id>/documents/<code>")
@login_required
def generate(task_id: int, code: str):
    """Fill the form the step issues with the case and the typed values; download it."""
    ctx = engine_ctx()
    _give_back_submission_key(ctx)
    if catalogue.get(code) is None:
        abort(404)
    form = task_q.task_form(ctx, task_id)
    typed = submitted_data(plain_form(form), request.form)
    rendered = issuing.generate_at_step(ctx, task_id, code, current_actor(), typed)
    content, name, mimetype = rendered.content, rendered.file_name, issuing.DOCX_TYPE
    if request.form.get("as_pdf") == "1":
        converted = pdf.to_pdf(content)
        if converted is None:
            abort(503)
        content, name, mimetype = converted, name[:-len(".docx")] + ".pdf", PDF_TYPE
    response = send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                         download_name=name, conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _give_back_submission_key(ctx) -> None:
    """The button posts the completion form, with its one-time key: the key must stay for the
    completion. Generating needs none (it is idempotent: the same step keeps its number), so the
    reservation made for this request is dropped before anything else (webapp/idempotency.py)."""
    key = g.pop("submission_key", None)
    if key is None:
        return
    with ctx.uow() as uow:
        row = uow.session.get(SubmissionKey, key)
        if row is not None:
            uow.session.delete(row)
        uow.commit()


@bp.app_template_global("pdf_conversion_available")
def _pdf_available() -> bool:
    return pdf.available()
