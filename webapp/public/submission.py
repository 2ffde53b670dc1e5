"""/gui-don: a citizen sends a letter online, without logging in; the receipt shows the tracking
code and the PIN once (the page is not stored anywhere: idempotency keeps nothing for anonymous
visitors, and a resent form answers with the code only).

Works without JavaScript: the files go with the form, the sum question stands in for the
proof-of-work. Uploads follow the desk's rules (``FolderDocumentStore.check``/``put``).
"""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _

from engine.errors import FormInvalid, InvalidInput
from petitions.citizens import online
from petitions.register.documents import MAX_FILES, store_for
from petitions.register.registration import Sender
from webapp.engine_access import engine_ctx
from webapp.extensions import limiter
from webapp.public import abuse, bp

SENDER_SLOTS = 3
KIND_SENTENCES = {
    "complaint": "Khiếu nại: ông/bà không đồng ý với một quyết định hoặc việc làm của cơ quan, "
                 "cán bộ nhà nước đã xâm phạm quyền, lợi ích của mình và đề nghị xem xét lại.",
    "denunciation": "Tố cáo: ông/bà báo cho cơ quan biết một người, cơ quan có hành vi vi phạm "
                    "pháp luật. Danh tính người tố cáo được giữ bí mật.",
    "recommendation": "Kiến nghị: ông/bà đề xuất cơ quan sửa đổi, bổ sung chính sách hoặc cách "
                      "làm việc.",
    "feedback": "Phản ánh: ông/bà cho cơ quan biết một sự việc, vấn đề cần xem xét, xử lý.",
}


def _senders(form) -> list[Sender]:
    senders = []
    for i in range(SENDER_SLOTS):
        name = (form.get(f"sender{i}_name") or "").strip()
        if not name:
            continue
        senders.append(Sender(name=name, id_number=(form.get(f"sender{i}_id") or "").strip() or None,
                              phone=(form.get(f"sender{i}_phone") or "").replace(" ", "") or None,
                              address_detail=(form.get(f"sender{i}_address") or "").strip() or None,
                              is_representative=form.get(f"sender{i}_rep") == "1"))
    return senders


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _page(form=None, errors=None, general=None, status=200):
    ctx = engine_ctx()
    return render_template("public/submit.html", kinds=KIND_SENTENCES,
                           units=online.receiving_units(ctx), form=form or {},
                           errors=errors or {}, general=general, slots=SENDER_SLOTS,
                           puzzles=abuse.new_puzzles(), max_files=MAX_FILES), status


@bp.get("/gui-don")
def submit_form():
    """The online letter form."""
    return _page()


@bp.post("/gui-don")
@limiter.limit("10/hour")
def submit():
    """Register the letter; the receipt with the code and the PIN (shown once)."""
    form = request.form
    if not abuse.human(form):
        return _page(form, general=_("Chưa xác nhận được ông/bà không phải máy tự động. Vui lòng "
                                     "trả lời câu hỏi phép cộng rồi gửi lại."), status=400)
    files = [f for f in request.files.getlist("attachments") if f and f.filename]
    if len(files) > MAX_FILES:
        return _page(form, general=_("Tối đa %(n)s tệp đính kèm.", n=MAX_FILES), status=400)
    uploads = [(f.filename, f.read(), f.mimetype) for f in files]
    store = store_for(current_app.config["PETITIONS_SETTINGS"].data_dir)
    problems = store.check_all(uploads)
    if problems:
        return _page(form, general=" ".join(problems), status=400)
    senders = _senders(form)
    sub = online.OnlineSubmission(
        unit_code=form.get("unit_code", ""), petition_type=form.get("petition_type", ""),
        summary=form.get("summary", ""), senders=senders,
        submission_key=form.get("submission_key", ""), consent=form.get("consent") == "1",
        signers=_int(form.get("signers"), max(len(senders), 1)), location=form.get("location"),
        email=form.get("email"), phone=form.get("notice_phone"),
        notify_sms=form.get("notify_sms") == "1")
    written = []
    try:
        written = store.put_all(uploads)
        result = online.submit(engine_ctx(), sub, written)
    except FormInvalid as err:
        store.delete_all(d.stored_name for d in written)
        return _page(form, errors=err.errors, status=422)
    except InvalidInput as err:
        store.delete_all(d.stored_name for d in written)
        return _page(form, general=err.message, status=400)
    except BaseException:
        store.delete_all(d.stored_name for d in written)
        raise
    if result["repeated"]:
        store.delete_all(d.stored_name for d in written)
    return render_template("public/receipt.html", result=result)
