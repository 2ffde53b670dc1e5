"""Flask web application for officers, administrators, supervisors and citizens.

``create_app(config=None)``: with no argument every setting comes from the environment
(``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``, …). Blueprints live in sub-packages, one per
resource; engine errors are mapped to HTTP in ``webapp/errors.py`` only.
"""
from __future__ import annotations

import importlib
import logging
import secrets
import sys
from pathlib import Path

from flask import Flask, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.accounts import access
from engine.persistence.database import private_umask
from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.settings import DataDirError
from petitions.settings import Settings
from petitions.wiring import build_context
from webapp import errors, idempotency, security
from webapp.extensions import babel, csrf, limiter, login_manager

log = logging.getLogger(__name__)
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
# Feature blueprints, registered when their package exists (each owns its templates).
BLUEPRINTS = ["webapp.auth", "webapp.vendor", "webapp.tasks", "webapp.reception", "webapp.petitions",
              "webapp.notifications", "webapp.admin", "webapp.supervision", "webapp.public",
              "webapp.api", "webapp.jobs", "webapp.people", "webapp.registers",
              "webapp.citizen_reception", "webapp.forms_admin", "webapp.complex_cases",
              "webapp.followup"]


def _timer_scheduler(settings: Settings):
    """Timer wake-ups go to RQ when Redis is configured; the workers' sweep is the safety net."""
    if not settings.redis_url:
        return None
    from workers.redis_connection import connect
    from workers.scheduler import RQTimerScheduler
    return RQTimerScheduler(connect(settings.redis_url))


def _limiter_storage(settings: Settings) -> str:
    url = settings.redis_url
    if url.startswith("unix://"):
        return "redis+unix://" + url.removeprefix("unix://")
    return url or "memory://"


def create_app(config: dict | None = None) -> Flask:
    """Application factory. ``config`` overrides environment variables (tests pass a dict)."""
    private_umask()  # uploads, drafts, the secret key, the SQLite files: 0600/0700
    settings = Settings.from_env(config) if config else Settings.from_env()
    _check_data_dir(settings)
    app = Flask(__name__)
    if settings.trusted_proxies > 0:
        # Behind N reverse proxies: the client address (rate limits, login throttling, logs),
        # scheme and host come from the X-Forwarded-* headers those N proxies set. With 0 the
        # headers are ignored: a client could otherwise pick its own address.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.config.update(
        SECRET_KEY=settings.secret_key or _dev_secret(settings),
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        BABEL_DEFAULT_LOCALE="vi", BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh",
        RATELIMIT_STORAGE_URI=_limiter_storage(settings),
        RATELIMIT_ENABLED=(config or {}).get("RATELIMIT_ENABLED", "1") != "0",
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead: long forms must not expire
        PETITIONS_SETTINGS=settings,
    )
    security.configure(app, secure_cookies=(config or {}).get(
        "SECURE_COOKIES", Settings.env_flag("SECURE_COOKIES", True)))
    engine_ctx = build_context(settings, scheduler=_timer_scheduler(settings))
    app.extensions["petitions"] = engine_ctx

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    csrf.init_app(app)
    idempotency.init_app(app)  # after CSRFProtect: a replay only follows a passed CSRF check
    babel.init_app(app, locale_selector=lambda: session.get("lang", "vi"))
    limiter.init_app(app)
    errors.register(app)
    app.jinja_env.globals["current_language"] = lambda: session.get("lang", "vi")

    for name in BLUEPRINTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:
                continue  # not built yet
            raise
        app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)

    _core_routes(app, engine_ctx)
    return app


def _check_data_dir(settings: Settings) -> None:
    """An unusable PETITIONS_DATA_DIR stops the start with one line naming it, no traceback.
    Exit status 3 is gunicorn's "worker failed to boot": the server stops instead of
    restarting its workers for ever."""
    try:
        settings.check_data_dir()
    except DataDirError as err:
        print(f"Lỗi: {err}", file=sys.stderr, flush=True)
        raise SystemExit(3) from None


def _dev_secret(settings: Settings) -> str:
    """A per-installation random key kept in the data folder when SECRET_KEY is not set."""
    path = Path(settings.data_dir) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _core_routes(app: Flask, engine_ctx) -> None:
    @app.get("/healthz")
    def healthz():
        with engine_ctx.uow(write=False) as uow:
            uow.session.execute(select(1))
        return jsonify(status="ok")

    @app.get("/")
    @login_required
    def home():
        if "tasks.inbox" in app.view_functions:
            return redirect(url_for("tasks.inbox"))
        with engine_ctx.uow(write=False) as uow:
            latest = uow.session.execute(
                select(ProcessDefinition.process_key, func.max(ProcessDefinition.version))
                .group_by(ProcessDefinition.process_key)).all()
            counts = dict(uow.session.execute(
                select(ProcessInstance.process_key, func.count())
                .group_by(ProcessInstance.process_key)).all())
            open_tasks = uow.session.scalar(select(func.count()).select_from(HumanTask)
                                            .where(HumanTask.status == "ready"))
        rows = [{"key": k, "version": v, "instances": counts.get(k, 0)} for k, v in latest]
        return render_template("home.html", processes=rows, open_tasks=open_tasks)

    @app.context_processor
    def navigation():
        def has_endpoint(name: str) -> bool:
            return name in app.view_functions
        return {"has_endpoint": has_endpoint, "request_path": request.path,
                "user": current_user,
                # Choices of a form's "unit" field; read only when a form has one.
                "unit_choices": lambda: access.unit_choices(engine_ctx)}
