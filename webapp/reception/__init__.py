"""Reception desk: register a letter (with a duplicate check), print its receipt.

    GET  /reception/new                 the register form (3 empty sender rows without JavaScript)
    POST /reception/new                 action=check|confirm|edit|refresh|discard_files
    GET  /reception/wards?province=CODE communes/wards of a province (JSON, for reception.js)
    GET  /reception/receipt/<id>        printable "Phiếu tiếp nhận"

Flow of a POST: parse and validate everything (form and engine rules, files) → on errors the form
comes back with inline messages and the typed values (files must be chosen again) → if earlier
petitions look like the same matter and the officer has not decided yet, a confirmation page lists
them (the typed values ride along in hidden fields, the files wait in the temporary upload area)
→ ``petitions.register.registration.register`` with the decisions → redirect to the receipt. Files written for a
registration that then fails are removed (or returned to the upload area).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template,
                   request, session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.accounts import users
from engine.errors import Conflict, FormInvalid, InvalidInput
from engine.working_days import VN_TZ
from petitions.agencies.profiles import agency_for
from petitions.persistence.models import PetitionDocument
from petitions.register import addresses, registration as desk
from petitions.register.documents import ALLOWED_EXTENSIONS, MAX_FILE_BYTES, MAX_FILES, store_for
from petitions.register.duplicates import find_similar
from webapp.engine_access import current_actor, engine_ctx, roles_required
from webapp.public import RECEIPT_PIN
from webapp.reception import forms
from webapp.reception.staging import UploadStaging

bp = Blueprint("reception", __name__, url_prefix="/reception")

ROLES = ("reception_officer",)  # administrators pass everywhere (roles_required)
_SESSION_TOKENS = "reception_upload_tokens"
NOTICE_WORKING_DAYS = 10  # LTCD Điều 28.1: the citizen is told the outcome within 10 working days


def _settings():
    return current_app.config["PETITIONS_SETTINGS"]


def _document_store():
    return store_for(_settings().data_dir)


def _staging() -> UploadStaging:
    return UploadStaging(_settings().data_dir)


def _today(ctx) -> date:
    return ctx.clock.now().astimezone(VN_TZ).date()


def vn_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


# -- upload tokens belong to the officer's (signed) session ---------------------------------------
def _own(token: str | None) -> None:
    if token:
        tokens = [t for t in session.get(_SESSION_TOKENS, []) if t != token]
        session[_SESSION_TOKENS] = (tokens + [token])[-5:]


def _forget(token: str | None) -> None:
    if token:
        session[_SESSION_TOKENS] = [t for t in session.get(_SESSION_TOKENS, []) if t != token]


def _owned_token(token: str | None) -> str | None:
    return token if token and token in session.get(_SESSION_TOKENS, []) else None


def _uploads() -> list[tuple[str, bytes, str | None]]:
    return [(f.filename, f.read(), f.mimetype) for f in request.files.getlist("documents")
            if f and f.filename]


# -- pages ----------------------------------------------------------------------------------------
def _render_form(options: forms.FormOptions, values: dict, *, errors: dict | None = None,
                 token: str | None = None, files_dropped: bool = False,
                 general_error: str | None = None, status: int = 200):
    return render_template(
        "reception/new.html", options=options, values=values, errors=errors or {},
        error_items=forms.error_list(errors or {}, options),
        rows=forms.sender_rows_for_page(values), provinces=addresses.provinces(),
        token=token, kept_files=_staging().documents(token), files_dropped=files_dropped,
        general_error=general_error, max_files=MAX_FILES,
        max_file_mb=MAX_FILE_BYTES // (1024 * 1024),
        max_request_mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
        accept=",".join("." + ext for ext in ALLOWED_EXTENSIONS)), status


def _render_confirm(options, values, suggestions, token, *, decision_error=None, status=200):
    return render_template(
        "reception/confirm.html", options=options, values=values, suggestions=suggestions,
        hidden=forms.hidden_pairs(values), token=token, kept_files=_staging().documents(token),
        decision_error=decision_error, vn_date=vn_date), status


def _decisions(form, suggested: list[int]) -> tuple[list[int], list[int], list[int]]:
    link, dismiss, missing = [], [], []
    for pid in suggested:
        choice = form.get(f"decision-{pid}")
        (link if choice == "link" else dismiss if choice == "dismiss" else missing).append(pid)
    return link, dismiss, missing


def _suggested_ids(form) -> list[int]:
    ids = []
    for part in (form.get("suggested_ids") or "").split(","):
        if part.strip().isdigit():
            ids.append(int(part))
    return list(dict.fromkeys(ids))[:20]


@bp.get("/wards")
@roles_required(*ROLES)
def wards():
    """Communes/wards of one province, for the address selects (JSON)."""
    code = (request.args.get("province") or "").strip()
    if code not in {p["code"] for p in addresses.provinces()}:
        return jsonify(error=_("Không có tỉnh, thành phố này."), wards=[]), 404
    return jsonify(province=code, wards=addresses.wards(code))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ROLES)
def new():
    """The register form and its submission (see the module docstring for the steps)."""
    ctx = engine_ctx()
    options = forms.load_options(ctx)
    staging = _staging()
    if request.method == "GET":
        staging.sweep()
        return _render_form(options, forms.default_values(_today(ctx)))

    form = request.form
    action = form.get("action", "check")
    token = _owned_token(form.get("upload_token"))
    if action == "discard_files":
        staging.discard(token)
        _forget(token)
        return _render_form(options, forms.form_values(form))
    if action in ("edit", "refresh"):
        return _render_form(options, forms.form_values(form), token=token,
                            files_dropped=action == "refresh" and bool(_uploads()))

    registration, errors = forms.parse(form, options, unit_code=current_actor().unit,
                                       today=_today(ctx))
    uploads = _uploads()
    kept = staging.documents(token)
    problems = _document_store().check_all(uploads)
    if kept and len(kept) + len(uploads) > MAX_FILES:
        problems.insert(0, _("Tối đa %(n)d tệp cho một đơn (đã giữ %(kept)d tệp).",
                             n=MAX_FILES, kept=len(kept)))
    if problems:
        errors["documents"] = " ".join(problems)
    values = forms.form_values(form)
    if errors:
        return _render_form(options, values, errors=errors, token=token,
                            files_dropped=bool(uploads), status=422)

    id_numbers = [s.id_number for s in registration.senders if s.id_number]
    if action != "confirm":
        suggestions = find_similar(ctx, registration.summary, id_numbers, field=registration.field,
                                   units=current_actor().units)
        if suggestions:
            token = staging.stage(uploads, token)
            _own(token)
            return _render_confirm(options, values, suggestions, token)
    else:
        suggested = _suggested_ids(form)
        link, dismiss, missing = _decisions(form, suggested)
        current = find_similar(ctx, registration.summary, id_numbers, field=registration.field,
                               limit=20, units=current_actor().units) if missing else []
        # Show again what was suggested (or, if those are gone, what is suggested now).
        shown = [s for s in current if s["petition_id"] in suggested] or current[:5]
        if shown:
            token = staging.stage(uploads, token)
            _own(token)
            return _render_confirm(options, values, shown, token, status=422,
                                   decision_error=_("Chọn “Liên kết” hoặc “Không phải trùng” "
                                                    "cho từng đơn được gợi ý."))
        registration.link_ids, registration.dismissed_ids = link, dismiss
    return _register(ctx, options, registration, values, uploads, token)


def _register(ctx, options, registration, values, uploads, token):
    store, staging = _document_store(), _staging()
    written, moved = [], []

    def undo_files():
        store.delete_all(doc.stored_name for doc in written)
        if token:
            staging.move_back(token, store, moved)

    try:
        written = store.put_all(uploads)
        moved = staging.move_into(token, store) if token else []
        result = desk.register(ctx, current_actor(), registration, moved + written)
    except FormInvalid as err:
        undo_files()
        return _render_form(options, values, errors=err.errors, token=token,
                            files_dropped=bool(uploads), status=422)
    except (InvalidInput, Conflict) as err:
        undo_files()
        return _render_form(options, values, token=token, files_dropped=bool(uploads),
                            general_error=err.message, status=409 if isinstance(err, Conflict) else 400)
    except BaseException:
        undo_files()
        raise
    staging.discard(token)
    _forget(token)
    # The citizen's PIN, shown once on the receipt (webapp/public take_receipt_pin), never stored.
    if registration.anonymous and not registration.senders:
        flash(_("Đã vào sổ đơn số %(number)s (đơn không có người gửi: không lập phiếu tiếp nhận).",
                number=result["number"]), "success")
        return redirect(url_for("reception.receipt", petition_id=result["petition_id"]))
    session[RECEIPT_PIN.format(result["petition_id"])] = result["pin"]
    flash(_("Đã vào sổ đơn số %(number)s. Mã tra cứu của công dân: %(code)s",
            number=result["number"], code=result["tracking_code"]), "success")
    return redirect(url_for("reception.receipt", petition_id=result["petition_id"]))


def _receipt_data(ctx, petition_id: int) -> dict[str, Any]:
    petition = desk.get_petition(ctx, petition_id, current_actor())  # 404 for other units
    with ctx.uow(write=False) as uow:
        docs = list(uow.session.scalars(select(PetitionDocument).where(
            PetitionDocument.petition_id == petition_id).order_by(PetitionDocument.id)))
        # The agency's printed name, never its code (a receipt goes to the citizen).
        agency = agency_for(uow.session, petition.unit_code)
    officer = users.display_names(ctx, [petition.created_by]).get(petition.created_by,
                                                                  petition.created_by)
    return {"petition": petition, "documents": docs, "officer": officer,
            "agency": agency,
            # Masked for a sealed (denunciation) petition: no reason given, nothing unsealed.
            # Otherwise each sender's own address is printed: the receipt is handed to them.
            # Reading them here is a page render, nothing is logged or stored.
            "senders": desk.senders(ctx, petition_id, current_actor()),
            "notice_due": ctx.calendar().add_working_days(petition.received_on, NOTICE_WORKING_DAYS),
            "created_at": petition.created_at.astimezone(VN_TZ)}


@bp.get("/receipt/<int:petition_id>")
@login_required
def receipt(petition_id: int):
    """The printable receipt handed to the citizen (Phiếu tiếp nhận)."""
    ctx = engine_ctx()
    desk.get_petition(ctx, petition_id, current_actor())  # another unit's: 404 before 403
    if not current_user.has_any(*ROLES):
        abort(403)
    data = _receipt_data(ctx, petition_id)
    if not data["senders"]:  # no receipt to nobody (issue 19 §4): the register's own record
        return render_template("reception/anonymous_record.html", options=forms.load_options(ctx),
                               vn_date=vn_date, **data)
    return render_template("reception/receipt.html", options=forms.load_options(ctx),
                           vn_date=vn_date, **data)
