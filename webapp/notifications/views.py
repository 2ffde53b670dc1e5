"""Routes of the notifications blueprint."""
from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from petitions.labels import vn_time
from petitions.notifications import service as notifications
from petitions.register.petition_file import petition_refs
from webapp.engine_access import engine_ctx
from webapp.notifications import bp
from webapp.petitions.views import task_url

KIND_LABELS = {"reminder": "Nhắc hạn", "escalation": "Quá hạn, báo cáo", "overdue": "Quá hạn",
               "new_task": "Việc mới", "assigned": "Được giao việc"}


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@login_required
def index():
    """The user's notifications, unread first (newest first within each group)."""
    rows = notifications.list_notifications(engine_ctx(), current_user.actor.username)
    refs = petition_refs(engine_ctx(), [n["instance_id"] for n in rows])
    items = [_item(n, refs.get(n["instance_id"])) for n in rows]
    items.sort(key=lambda item: item["read_at"] is not None)  # stable: keeps newest first
    unread = sum(1 for item in items if item["read_at"] is None)
    return render_template("notifications/index.html", items=items, unread=unread)


@bp.post("/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    """Mark one of the user's notifications as read (404 for anyone else's)."""
    notifications.mark_read(engine_ctx(), current_user.actor.username, notification_id)
    flash(_("Đã đánh dấu đã đọc."), "success")
    return redirect(url_for("notifications.index"), code=303)


def _item(row: dict, petition: dict | None) -> dict:
    return {**row, "kind_label": KIND_LABELS.get(row["kind"], row["kind"]),
            "created_at": vn_time(datetime.fromisoformat(row["created_at"])),
            "task_url": task_url(row["task_id"]), "petition": petition}
