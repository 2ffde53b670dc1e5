"""Routes of the petitions blueprint. Every page here carries personal data: never cached."""
from __future__ import annotations

from datetime import datetime, time, timezone
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError

from engine.errors import InvalidInput, NotFound
from engine.working_days import VN_TZ
from petitions.register import grants, petition_file, registration
from petitions.register import withdrawal as withdrawals  # the view below is named withdrawal
from petitions.documents import signatures
from petitions.register.documents import store_for
from petitions.tasks import inbox
from petitions.transfers import trace as transfer_trace
from webapp.engine_access import current_actor, engine_ctx
from webapp.petitions import bp
from webapp.petitions.schemas import GrantForm, PetitionFilters, UnsealForm, WithdrawalForm

# The task page belongs to the tasks blueprint; linked only once that blueprint is registered.
TASK_ENDPOINT = "tasks.task"


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def task_url(task_id: int | None) -> str | None:
    """URL of a task's page, or None while the tasks blueprint does not provide one."""
    if task_id is None or TASK_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(TASK_ENDPOINT, task_id=task_id)


@bp.app_template_global("petitions_task_url")
def _task_url_global(task_id: int | None) -> str | None:
    return task_url(task_id)


def _load(schema, data) -> dict:
    try:
        return schema.load(data)
    except ValidationError as err:
        fields = ", ".join(sorted(err.messages))
        raise InvalidInput(_("Tham số không hợp lệ: %(fields)s", fields=fields)) from None


@bp.get("/")
@login_required
def index():
    """Recent petitions with simple filters (number or tracking code, type, field, status)."""
    filters = _load(PetitionFilters(), request.args)
    result = petition_file.list_petitions(engine_ctx(), current_actor(), query=filters["q"],
                                  petition_type=filters["type"],
                                  field=filters["field"], status=filters["status"],
                                  page=filters["page"])
    return render_template("petitions/index.html", result=result, filters=filters)


@bp.get("/<int:petition_id>")
@login_required
def show(petition_id: int):
    """The petition's file; a sealed denouncer identity stays masked."""
    try:
        file = petition_file.petition_file(engine_ctx(), petition_id, current_actor())
    except NotFound:
        # A letter this unit transferred to another unit: only its read-only trace (issue 20 §5).
        sent = transfer_trace.sent_of(engine_ctx(), petition_id, current_actor())
        if sent is None:
            raise
        return render_template("petitions/transferred.html", sent=sent)
    file["transfers"] = transfer_trace.received(engine_ctx(), petition_id, current_actor())
    _signatures(file)
    return render_template("petitions/show.html", file=file, grantees=_grantees(file))


def _signatures(file: dict) -> None:
    """The digital signatures of each PDF the reader may open (issue 16 §8); unsigned: none."""
    settings = current_app.config["PETITIONS_SETTINGS"]
    roots = None
    store = store_for(settings.data_dir)
    for doc in file["documents"]:
        if not doc.get("stored_name") or doc["content_type"] != "application/pdf":
            continue
        if roots is None:
            roots = signatures.load_trust_roots(
                signatures.trust_roots_location(Path(settings.data_dir)))
        try:
            doc["signatures"] = signatures.describe(store.open(doc["stored_name"]),
                                                    trust_roots=roots)
        except InvalidInput:  # the file is gone from the store: listed without signatures
            doc["signatures"] = []


def _grantees(file: dict) -> list[dict]:
    """Who the resolver may grant the identity right to (none unless the reader resolves)."""
    if file.get("grants") is None:
        return []
    return grants.grantees(engine_ctx(), file["petition"]["id"], current_actor())


@bp.post("/<int:petition_id>/identity")
@login_required
def identity(petition_id: int):
    """Unseal the denouncer's identity for this one response (reason required, audited)."""
    # 404 for another unit; 403 from the engine for a reader the law does not allow.
    petition = registration.check_may_unseal(engine_ctx(), petition_id, current_actor())
    form = _load(UnsealForm(), request.form)
    if not petition.identity_sealed:
        return redirect(url_for("petitions.show", petition_id=petition_id), code=303)
    file = petition_file.petition_file(engine_ctx(), petition_id, current_actor(),
                                       reason=form["reason"])
    return render_template("petitions/show.html", file=file, grantees=_grantees(file))


@bp.post("/<int:petition_id>/identity/grants")
@login_required
def grant_identity(petition_id: int):
    """The resolver lets an officer of the unit read this case's identity until a day (audited)."""
    registration.get_petition(engine_ctx(), petition_id, current_actor())  # 404 before the form's 400
    form = _load(GrantForm(), request.form)
    # The right lasts to the end of the chosen day, Vietnam time.
    until = datetime.combine(form["until"], time(23, 59, 59), VN_TZ).astimezone(timezone.utc)
    grants.grant(engine_ctx(), petition_id, form["grantee"], current_actor(),
                          form["reason"], until)
    flash(_("Đã cho phép xem danh tính người tố cáo đến hết ngày %(day)s.",
            day=form["until"].strftime("%d/%m/%Y")), "success")
    return redirect(url_for("petitions.show", petition_id=petition_id), code=303)


@bp.post("/<int:petition_id>/identity/grants/<int:grant_id>/revoke")
@login_required
def revoke_identity_grant(petition_id: int, grant_id: int):
    """End a grant before its day."""
    grants.revoke_grant(engine_ctx(), petition_id, grant_id, current_actor())
    flash(_("Đã thu hồi quyền xem danh tính."), "success")
    return redirect(url_for("petitions.show", petition_id=petition_id), code=303)


@bp.post("/<int:petition_id>/withdrawal")
@login_required
def withdrawal(petition_id: int):
    """The citizen withdrew the complaint: the withdrawal message goes to the case, once."""
    registration.get_petition(engine_ctx(), petition_id, current_actor())  # 404 before the form's 400
    form = _load(WithdrawalForm(), request.form)
    result = withdrawals.record_withdrawal(engine_ctx(), petition_id, current_actor(),
                                                   form["reason"])
    if result.get("duplicate"):
        flash(_("Việc rút đơn đã được ghi nhận trước đó."), "info")
    else:
        flash(_("Đã ghi nhận công dân rút đơn; bước quyết định đình chỉ đã được mở."), "success")
    return redirect(url_for("petitions.show", petition_id=petition_id), code=303)


@bp.get("/<int:petition_id>/documents/<int:doc_id>")
@login_required
def document(petition_id: int, doc_id: int):
    """Download one document of the petition as an attachment (never rendered inline)."""
    meta = petition_file.document(engine_ctx(), petition_id, doc_id, current_actor())
    path = _stored_path(meta["stored_name"])
    # send_file writes filename*=UTF-8''… (RFC 5987) for Vietnamese names, with an ASCII fallback.
    response = send_file(path, mimetype=meta["content_type"], as_attachment=True,
                         download_name=meta["file_name"], conditional=False, etag=False)
    response.headers["Content-Type"] = meta["content_type"]  # as stored (no second charset)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _stored_path(stored_name: str) -> Path:
    """The file on disk; the store accepts only its own random names, never a user's path."""
    store = store_for(current_app.config["PETITIONS_SETTINGS"].data_dir)
    try:
        path = store.path(stored_name)
    except InvalidInput:
        path = None
    if path is None or not path.is_file():
        raise NotFound(_("Tài liệu không còn trên máy chủ."))
    return path
