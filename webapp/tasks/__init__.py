"""Officers' work: the inbox (/tasks/) and the task page (form, draft, completion, claim, reassign).

Queries come from ``petitions.tasks.inbox`` (the lists) and ``petitions.tasks.task_page`` (one task); commands from
``engine.work.human_tasks``. Engine errors not handled here become HTTP pages in ``webapp/errors.py``. A
completion posted from a page that has gone stale (the task was completed, cancelled or given to
someone else meanwhile) gets a 409 page that shows what the user typed, and offers to keep it as a
draft when the task is still open for them.
"""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from engine.accounts import users
from engine.errors import Conflict, Forbidden, FormInvalid, InvalidState
from engine.work import human_tasks
from engine.working_days import VN_TZ
from engine.definitions.form_rules import client_rules
from petitions.tasks import inbox as inbox_q, step_context, task_page as task_q
from webapp.engine_access import current_actor, engine_ctx
from petitions.documents import step_files
from webapp.tasks.forms import display_values, submitted_data

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

VIEW_LABELS = {
    "mine": _l("Việc của tôi"), "queue": _l("Hàng chờ của đơn vị"),
    "due_soon": _l("Sắp đến hạn"), "overdue": _l("Quá hạn"), "done": _l("Đã xử lý"),
    "unit": _l("Toàn đơn vị"),
}
INSTANCE_STATUS_LABELS = {
    "waiting": _l("Đang giải quyết"), "running": _l("Đang chạy"),
    "suspended": _l("Tạm đình chỉ"), "error": _l("Có lỗi"), "completed": _l("Đã kết thúc"),
    "terminated": _l("Đã chấm dứt"),
}
TASK_STATUS_LABELS = {"ready": _l("Đang chờ xử lý"), "completed": _l("Đã hoàn thành"),
                      "cancelled": _l("Đã hủy")}
FILTER_KEYS = ("petition_type", "field", "status", "due_from", "due_to", "q")


# ---- helpers -----------------------------------------------------------------------------------

def _vn(value: datetime | None) -> datetime | None:
    return value.astimezone(VN_TZ) if isinstance(value, datetime) and value.tzinfo else value


def fmt_date(value) -> str:
    """dd/mm/yyyy in Vietnam time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _vn(value).date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return _vn(value).strftime("%d/%m/%Y %H:%M")


@bp.context_processor
def _template_helpers():
    return {"fmt_date": fmt_date, "fmt_datetime": fmt_datetime, "view_labels": VIEW_LABELS,
            "instance_status_labels": INSTANCE_STATUS_LABELS,
            "task_status_labels": TASK_STATUS_LABELS}


def _safe_next(default: str) -> str:
    target = request.form.get("next") or request.args.get("next")
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc and "\\" not in target:
        return target
    return default


def _parse_day(raw: str | None) -> tuple[date | None, bool]:
    if not raw:
        return None, True
    try:
        return date.fromisoformat(raw.strip()), True
    except ValueError:
        return None, False


def _filters_from(args) -> tuple[inbox_q.Filters, dict[str, str]]:
    errors: dict[str, str] = {}
    due_from, ok_from = _parse_day(args.get("due_from"))
    due_to, ok_to = _parse_day(args.get("due_to"))
    if not ok_from:
        errors["due_from"] = _("Ngày không hợp lệ")
    if not ok_to:
        errors["due_to"] = _("Ngày không hợp lệ")
    status = args.get("status") or None
    if status and status not in inbox_q.INSTANCE_STATUSES:
        errors["status"], status = _("Trạng thái không hợp lệ"), None
    filters = inbox_q.Filters(
        petition_type=(args.get("petition_type") or None), field=(args.get("field") or None),
        status=status, due_from=due_from, due_to=due_to,
        text=(args.get("q") or "").strip()[:inbox_q.MAX_TEXT_QUERY] or None)
    return filters, errors


def _int_arg(name: str, default: int) -> int:
    try:
        return max(int(request.args.get(name, default)), 1)
    except (TypeError, ValueError):
        return default


# ---- inbox -------------------------------------------------------------------------------------

@bp.get("/")
@login_required
def inbox():
    ctx, actor = engine_ctx(), current_actor()
    views = inbox_q.available_views(actor)
    view = request.args.get("view") or "mine"
    if view not in inbox_q.VIEWS:
        abort(404)
    if view not in views:
        abort(403)
    filters, filter_errors = _filters_from(request.args)
    result = inbox_q.list_view(ctx, actor, view, filters, page=_int_arg("page", 1))
    args = {k: request.args.get(k) for k in FILTER_KEYS if request.args.get(k)}
    return render_template(
        "tasks/inbox.html", view=view, views=views, result=result,
        counts=inbox_q.view_counts(ctx, actor), labels=inbox_q.choice_labels(ctx),
        filters=filters, filter_errors=filter_errors, args=args,
        page_links=_page_links(result["page"], result["pages"]),
        can_assign=inbox_q.is_supervising(actor), here=request.full_path.rstrip("?"),
        cap=inbox_q.COUNT_CAP)


def _page_links(page: int, pages: int, window: int = 2) -> list[int | None]:
    """Page numbers to link: first, last and a window around the current page (None = gap)."""
    wanted = sorted({1, pages, *range(max(page - window, 1), min(page + window, pages) + 1)})
    links: list[int | None] = []
    for number in wanted:
        if links and number - (links[-1] or 0) > 1:
            links.append(None)
        links.append(number)
    return links


@bp.post("/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    try:
        task = human_tasks.claim(engine_ctx(), task_id, current_actor())
    except Conflict as err:  # someone was faster: say who, stay where the user was
        flash(err.message, "error")
        return redirect(_safe_next(url_for("tasks.inbox")))
    flash(_("Đã nhận công việc «%(name)s». Công việc đã chuyển vào “Việc của tôi”.",
            name=task["name"]), "success")
    return redirect(_safe_next(url_for("tasks.task", task_id=task_id)))


@bp.post("/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int):
    try:
        task = human_tasks.unclaim(engine_ctx(), task_id, current_actor())
    except Conflict as err:
        flash(err.message, "error")
        return redirect(_safe_next(url_for("tasks.inbox")))
    flash(_("Đã trả lại công việc «%(name)s» về hàng chờ của đơn vị.", name=task["name"]),
          "success")
    return redirect(_safe_next(url_for("tasks.inbox")))


@bp.route("/<int:task_id>/assign", methods=["GET", "POST"])
@login_required
def assign(task_id: int):
    ctx, actor = engine_ctx(), current_actor()
    task = task_q.task_brief(ctx, task_id, current_actor())  # another unit's task: 404, first
    if not current_user.has_any("head_of_unit"):
        abort(403)
    candidates = inbox_q.eligible_assignees(ctx, task["candidate_role"], task["candidate_unit"])
    errors: dict[str, str] = {}
    chosen = request.form.get("assignee", "")
    reason = (request.form.get("reason") or "").strip()
    if request.method == "POST":
        if chosen not in {c["username"] for c in candidates}:
            errors["assignee"] = _("Chọn một người có vai trò “%(role)s”.",
                                   role=task["candidate_role"] or "—")
        if not reason:
            errors["reason"] = _("Phải nêu lý do giao/chuyển công việc.")
        elif len(reason) > 1000:
            errors["reason"] = _("Lý do tối đa 1000 ký tự.")
        if not errors:
            roles = users.actor_for(ctx, chosen).roles
            human_tasks.assign(ctx, task_id, chosen, actor, reason, roles)
            name = next(c["display_name"] for c in candidates if c["username"] == chosen)
            flash(_("Đã giao công việc «%(task)s» cho %(who)s.", task=task["name"], who=name),
                  "success")
            return redirect(_safe_next(url_for("tasks.inbox", view="unit")))
    return render_template("tasks/assign.html", task=task, candidates=candidates, errors=errors,
                           chosen=chosen, reason=reason,
                           next=_safe_next(url_for("tasks.inbox", view="unit"))), \
        (400 if errors else 200)


# ---- task page ---------------------------------------------------------------------------------

def _render_task(task_id: int, *, posted: dict | None = None, errors: dict | None = None,
                 status: int = 200):
    ctx, actor = engine_ctx(), current_actor()
    page = task_q.task_page(ctx, task_id, actor)
    form = page["form"]
    draft = page["draft"]["data"] if page["draft"] else None
    # What the step shows and pre-fills besides its form (issue 19 §4): the computed route, the
    # senders, the values known from the desk or an earlier step.
    context = step_context.step_context(ctx, task_id, actor) if page["access"]["view"] else {}
    if posted is not None:
        values = display_values(form, posted)
    else:
        values = display_values(form, context.get("prefill"), page["previous_values"], draft)
    for doc in page["documents"]:
        doc["url"] = document_url(page["petition"]["id"], doc["id"])
    return render_template("tasks/task.html", page=page, task=page["task"], form=form,
                           fields_form=step_documents.plain_form(form),
                           document_fields=step_documents.document_fields(form),
                           values=values, errors=errors or {}, labels=inbox_q.choice_labels(ctx),
                           posted=posted is not None, context=context,
                           form_rules=client_rules(form)), status


def document_url(petition_id: int, doc_id: int) -> str:
    """The petition file's document route (``petitions.document``) when it exists, else its path."""
    if "petitions.document" in current_app.view_functions:
        for keys in (("petition_id", "doc_id"), ("id", "doc_id"), ("petition_id", "document_id")):
            try:
                return url_for("petitions.document", **dict(zip(keys, (petition_id, doc_id))))
            except BuildError:
                continue
    return f"/petitions/{petition_id}/documents/{doc_id}"


@bp.get("/<int:task_id>")
@login_required
def task(task_id: int):
    return _render_task(task_id)


def _stale_kind(fresh: dict, loaded_version: str | None, username: str) -> str | None:
    """Why a page loaded at ``loaded_version`` can no longer complete the task (None: it can)."""
    if fresh["status"] == "completed":
        return "completed"
    if fresh["status"] != "ready":
        return "cancelled"
    if fresh["assignee"] not in (None, username) and loaded_version != fresh["version"]:
        return "reassigned"
    return None


def _stale_page(task_id: int, form: dict | None, data: dict, *, kind: str | None,
                engine_message: str | None = None):
    """409: the task changed under the user; show the typed data, offer a draft if still open."""
    ctx, actor = engine_ctx(), current_actor()
    fresh = task_q.task_brief(ctx, task_id, current_actor())
    kind = kind or _stale_kind(fresh, None, actor.username)
    rights = task_q.access(ctx, task_id, actor)
    typed = task_q.labelled_values(form, data)
    return render_template("tasks/stale.html", task=fresh, kind=kind, typed=typed,
                           engine_message=engine_message, can_draft=rights["act"],
                           form=form, data=data, labels=inbox_q.choice_labels(ctx)), 409


@bp.post("/<int:task_id>/complete")
@login_required
def complete(task_id: int):
    ctx, actor = engine_ctx(), current_actor()
    form = task_q.task_form(ctx, task_id)
    data = submitted_data(form, request.form)
    fresh = task_q.task_brief(ctx, task_id, current_actor())
    kind = _stale_kind(fresh, request.form.get("version"), actor.username)
    if kind:
        return _stale_page(task_id, form, data, kind=kind)
    scans, extra = step_documents.uploads(form)
    try:
        # The files go with the completion or not at all (petitions/documents/step_files.py).
        result = step_files.complete_with_files(ctx, step_documents.document_store(), task_id,
                                                actor, data, scans=scans, extra=extra)
    except FormInvalid as err:
        return _render_task(task_id, posted=data, errors=err.errors, status=422)
    except (Conflict, Forbidden, InvalidState) as err:
        again = task_q.task_brief(ctx, task_id, current_actor())
        if isinstance(err, Forbidden) and again["version"] == fresh["version"]:
            raise  # not a race: the user may not do this (403)
        return _stale_page(task_id, form, data, kind=_stale_kind(again, fresh["version"],
                                                                 actor.username),
                           engine_message=err.message)
    flash(_("Đã hoàn thành công việc «%(name)s».", name=result["task"]["name"]), "success")
    return redirect(url_for("tasks.inbox"))


@bp.post("/<int:task_id>/draft")
@login_required
def draft(task_id: int):
    ctx, actor = engine_ctx(), current_actor()
    form = task_q.task_form(ctx, task_id)
    data = submitted_data(form, request.form)
    try:
        human_tasks.save_draft(ctx, task_id, actor, data)
    except Conflict as err:
        return _stale_page(task_id, form, data, kind=None, engine_message=err.message)
    flash(_("Đã lưu nháp. Lần sau mở công việc này, dữ liệu sẽ được điền lại."), "success")
    return redirect(url_for("tasks.task", task_id=task_id))


# Imported last, after bp exists: registers "Tạo văn bản" on bp (issue 16).
from webapp.tasks import documents as step_documents  # noqa: E402
