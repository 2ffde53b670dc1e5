"""Migrating running instances of one version to a newer one: a dry run, then the run."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from engine.errors import InvalidInput, NotFound
from engine.running import migration
from webapp.admin import bp
from webapp.admin.versions import version_range
from webapp.engine_access import current_actor, engine_ctx


@bp.get("/processes/<key>/migrate")
def migration_plan(key: str):
    """Dry run: which instances of one version can move to a newer one, and why the others not."""
    versions, from_version, to_version = version_range(key)
    plan, error = _plan(key, from_version, to_version)
    return render_template("admin/migrate.html", key=key, versions=versions, plan=plan,
                           from_version=from_version, to_version=to_version, results=None,
                           error=error, reason="")


def _plan(key: str, from_version: int, to_version: int) -> tuple[list[dict], str | None]:
    if to_version <= from_version:
        return [], _("Chọn phiên bản đích mới hơn phiên bản nguồn.")
    return migration.plan_migration(engine_ctx(), key, from_version, to_version), None


@bp.post("/processes/<key>/migrate")
def migrate(key: str):
    """Migrate the chosen instances (each in its own transaction) and show a result per instance."""
    versions, from_version, to_version = version_range(key)
    reason = request.form.get("reason", "")
    try:
        ids = [int(i) for i in request.form.getlist("instance_ids")]
    except ValueError:
        raise InvalidInput(_("Mã hồ sơ không hợp lệ")) from None
    if to_version not in versions:
        raise NotFound(_("Không tìm thấy phiên bản %(v)s", v=to_version))
    try:
        results = migration.migrate(engine_ctx(), ids, to_version, current_actor().username,
                                    reason, process_key=key)
    except InvalidInput as err:
        plan, _error = _plan(key, from_version, to_version)
        return render_template("admin/migrate.html", key=key, versions=versions, plan=plan,
                               from_version=from_version, to_version=to_version, results=None,
                               error=err.message, reason=reason), 400
    plan, _error = _plan(key, from_version, to_version)
    moved = sum(1 for r in results if r["ok"])
    return render_template("admin/migrate.html", key=key, versions=versions, plan=plan,
                           from_version=from_version, to_version=to_version, results=results,
                           moved=moved, error=None, reason="")
