"""Flask web application (officers, administrators, supervisors, citizens).

Thin for now: the application factory, a health check and a status page. The officer UI is built
in its own issue on top of the same engine handlers.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template_string
from sqlalchemy import func, select

from engine.bootstrap import build_context
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.settings import Settings

_STATUS_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Hệ thống xử lý đơn thư</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}</style>
</head><body>
<h1>Hệ thống tiếp công dân và xử lý đơn thư</h1>
<p>Đang hoạt động. Công việc đang chờ xử lý: <strong>{{ open_tasks }}</strong>.</p>
<h2>Quy trình đã triển khai</h2>
<table><tr><th>Mã</th><th>Tên</th><th>Phiên bản mới nhất</th><th>Hồ sơ</th></tr>
{% for row in processes %}<tr><td>{{ row.key }}</td><td>{{ row.name }}</td><td>{{ row.version }}</td><td>{{ row.instances }}</td></tr>
{% else %}<tr><td colspan="4">Chưa có quy trình nào.</td></tr>{% endfor %}
</table></body></html>"""


def _timer_scheduler(settings: Settings):
    """Timer wake-ups go to RQ when Redis is configured; the workers' sweep is the safety net."""
    if not settings.redis_url:
        return None
    from workers.redis_connection import connect
    from workers.scheduler import RQTimerScheduler
    return RQTimerScheduler(connect(settings.redis_url))


def create_app(config: dict | None = None) -> Flask:
    """Application factory; with no ``config`` every setting comes from the environment."""
    settings = Settings.from_env(config) if config else Settings.from_env()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key or "dev-only-change-me"
    engine_ctx = build_context(settings, scheduler=_timer_scheduler(settings))
    app.extensions["petitions"] = engine_ctx

    @app.get("/healthz")
    def healthz():
        with engine_ctx.uow(write=False) as uow:
            uow.session.execute(select(1))
        return jsonify(status="ok")

    @app.get("/")
    def status_page():
        with engine_ctx.uow(write=False) as uow:
            latest = uow.session.execute(
                select(ProcessDefinition.process_key, func.max(ProcessDefinition.version),
                       func.max(ProcessDefinition.name))
                .group_by(ProcessDefinition.process_key)).all()
            counts = dict(uow.session.execute(
                select(ProcessInstance.process_key, func.count())
                .group_by(ProcessInstance.process_key)).all())
            open_tasks = uow.session.scalar(select(func.count()).select_from(HumanTask)
                                            .where(HumanTask.status == "ready"))
        rows = [{"key": k, "version": v, "name": n, "instances": counts.get(k, 0)}
                for k, v, n in latest]
        return render_template_string(_STATUS_PAGE, processes=rows, open_tasks=open_tasks)

    return app
