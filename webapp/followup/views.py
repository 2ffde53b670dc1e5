"""Routes of the follow-up blueprint."""
from __future__ import annotations

from flask import render_template

from engine.working_days import VN_TZ
from petitions.followup import files
from petitions.labels import TYPE_LABELS
from webapp.engine_access import current_actor, engine_ctx, roles_required
from webapp.followup import bp

URGING_FORMS = {"written": "Văn bản", "meeting": "Làm việc trực tiếp", "phone": "Điện thoại"}


@bp.get("/")
@roles_required(*sorted(files.READERS))
def index():
    """Every follow-up file of the reader's units, open ones first."""
    today = engine_ctx().clock.now().astimezone(VN_TZ).date()
    found = files.files_of(engine_ctx(), current_actor())
    return render_template("followup/index.html", files=found, today=today,
                           type_labels=TYPE_LABELS, urging_forms=URGING_FORMS,
                           urgings=sum(len(f.urgings) for f in found),
                           overdue=sum(1 for f in found if f.overdue(today)))
