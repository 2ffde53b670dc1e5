"""Routes of the public blueprint: the latest signed audit checkpoint, as a page and as JSON."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, jsonify, render_template

from engine.audit.checkpoints import read_latest
from engine.working_days import VN_TZ
from webapp.public import bp


def _latest() -> dict | None:
    return read_latest(current_app.config["PETITIONS_SETTINGS"])


@bp.get("/audit/checkpoint")
def audit_checkpoint():
    """The latest signed checkpoint of the audit trail and the public key that checks it."""
    latest = _latest()
    created = None
    if latest and latest.get("created_at"):
        try:
            created = datetime.fromisoformat(latest["created_at"]).astimezone(VN_TZ)
        except ValueError:
            created = None
    return render_template("public/audit_checkpoint.html", cp=latest, created=created)


@bp.get("/audit/checkpoint.json")
def audit_checkpoint_json():
    """The latest signed checkpoint exactly as signed (verifiable with its public key)."""
    latest = _latest()
    if latest is None:
        return jsonify({"error": 404, "message": "Chưa có điểm mốc nhật ký nào được ký."}), 404
    return jsonify(latest)
