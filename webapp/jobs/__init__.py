"""Background jobs page for administrators: RQ queue, scheduled wake-ups, failed jobs, workers,
and the database side (pending timers, overdue timers, failed emails). Redis being down is shown,
not raised: the database sweep keeps timers firing meanwhile."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import redis
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from rq import Queue, Worker
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from engine.persistence.models import Timer
from petitions.persistence.models import OutboundEmail
from webapp.engine_access import engine_ctx, roles_required
from workers.redis_connection import connect
from workers.scheduler import QUEUE_NAME

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
FAILED_SHOWN = 50
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@bp.context_processor
def _template_helpers():
    return {"jobs_when": jobs_when}


def jobs_when(value: datetime | None, with_date: bool = True) -> str:
    """Vietnam time, as every other page shows it (a timer due at the end of a Vietnamese day
    reads 23:59:59, not 16:59:59). RQ gives naive UTC datetimes in some versions: read as UTC."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S" if with_date else "%H:%M:%S")


def _queue() -> Queue | None:
    url = current_app.config["PETITIONS_SETTINGS"].redis_url
    return Queue(QUEUE_NAME, connection=connect(url)) if url else None


def _database_side() -> dict:
    now = datetime.now(timezone.utc)
    with engine_ctx().uow(write=False) as uow:
        s = uow.session
        return {
            "pending": s.scalar(select(func.count()).select_from(Timer).where(Timer.status == "pending")),
            "late": s.scalar(select(func.count()).select_from(Timer).where(
                Timer.status == "pending", Timer.due_at < now)),
            "next_due": s.scalar(select(func.min(Timer.due_at)).where(Timer.status == "pending")),
            "emails_failed": s.scalar(select(func.count()).select_from(OutboundEmail).where(
                OutboundEmail.status == "failed")),
            "emails_pending": s.scalar(select(func.count()).select_from(OutboundEmail).where(
                OutboundEmail.status == "pending")),
        }


def _redis_side(queue: Queue) -> dict:
    failed = FailedJobRegistry(queue=queue)
    jobs = [job for job in Job.fetch_many(failed.get_job_ids(0, FAILED_SHOWN - 1),
                                          connection=queue.connection) if job is not None]
    return {
        "queued": queue.count,
        "scheduled": queue.connection.zcard(queue.scheduled_job_registry.key),
        "failed_count": failed.count,
        "failed": [{"id": j.id, "func": j.func_name, "args": j.args, "ended_at": j.ended_at,
                    "error": (j.latest_result().exc_string if j.latest_result() else "")[-800:]}
                   for j in jobs],
        "workers": [{"name": w.name, "state": w.get_state(), "birth": w.birth_date,
                     "heartbeat": w.last_heartbeat, "jobs_done": w.successful_job_count}
                    for w in Worker.all(queue=queue)],
    }


@bp.get("/")
@roles_required("administrator")
def index():
    queue, redis_state, redis_error = _queue(), None, None
    if queue is None:
        redis_error = _("Chưa cấu hình REDIS_URL: hẹn giờ chỉ được kích hoạt bằng lượt quét định kỳ.")
    else:
        try:
            redis_state = _redis_side(queue)
        except redis.RedisError as err:
            redis_error = _("Không kết nối được Redis (%(err)s). Lượt quét từ cơ sở dữ liệu vẫn "
                            "kích hoạt các hẹn giờ.", err=str(err))
    return render_template("jobs/index.html", db=_database_side(), rq=redis_state,
                           redis_error=redis_error)


@bp.post("/failed/<job_id>/requeue")
@roles_required("administrator")
def requeue(job_id: str):
    queue = _queue()
    if queue is None:
        return redirect(url_for("jobs.index"))
    try:
        FailedJobRegistry(queue=queue).requeue(job_id)
        flash(_("Đã đưa lại việc %(id)s vào hàng đợi.", id=job_id), "success")
    except (redis.RedisError, Exception) as err:  # unknown id, Redis down: say so
        flash(_("Không đưa lại được việc %(id)s: %(err)s", id=job_id, err=str(err)), "error")
    return redirect(url_for("jobs.index"))
