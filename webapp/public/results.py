"""/cong-khai (published results, and the unit's page to withdraw one after its period),
/lich-tiep-cong-dan (the public reception schedule, registering for a session) and the desk's
"new PIN" slip (a citizen lost the PIN; the officer checked their papers)."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.errors import FormInvalid, InvalidInput, InvalidState, NotFound
from petitions.citizens import appointments, pins, publications
from webapp.engine_access import current_actor, engine_ctx
from webapp.extensions import limiter
from webapp.public import bp


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "")[:10])
    except ValueError:
        return None


@bp.get("/cong-khai")
def published():
    """Published decisions and conclusions, searchable by unit, kind and date."""
    ctx = engine_ctx()
    unit, kind = request.args.get("don-vi") or None, request.args.get("loai") or None
    entries = publications.search(ctx, unit=unit, kind=kind, date_from=_date("tu-ngay"),
                                  date_to=_date("den-ngay"))
    return render_template("public/published.html", entries=entries, kinds=publications.KINDS,
                           units=publications.units(ctx), args=request.args)


@bp.get("/cong-khai/quan-ly")
@login_required
def manage_published():
    """The unit's entries, with withdrawal after the legal period."""
    entries = publications.of_unit(engine_ctx(), current_actor())
    return render_template("public/published_manage.html", entries=entries)


@bp.post("/cong-khai/quan-ly/go")
@login_required
def withdraw_published():
    """Withdraw one entry (audited); another unit's entry does not exist."""
    try:
        publication_id = int(request.form.get("publication_id", ""))
    except ValueError:
        abort(404)
    try:
        publications.withdraw(engine_ctx(), current_actor(), publication_id)
    except InvalidState as err:
        flash(err.message, "error")
        return redirect(url_for("public.manage_published"))
    flash(_("Đã gỡ tin khỏi trang công khai kết quả."), "success")
    return redirect(url_for("public.manage_published"))


@bp.get("/lich-tiep-cong-dan")
def schedule():
    """Planned reception sessions of every unit, and the registration form of each."""
    return render_template("public/schedule.html", sessions=appointments.upcoming(engine_ctx()),
                           errors={}, form={}, chosen=None)


@bp.post("/lich-tiep-cong-dan")
@limiter.limit("10/hour")
def schedule_register():
    """Register for one session; the confirmation code."""
    ctx = engine_ctx()
    form = request.form
    try:
        session_id = int(form.get("session_id", ""))
    except ValueError:
        session_id = 0
    if form.get("website"):  # the honeypot
        abort(400)
    try:
        result = appointments.register(ctx, session_id, name=form.get("name", ""),
                                       contact=form.get("contact", ""),
                                       matter=form.get("matter", ""))
    except NotFound as err:
        return render_template("public/schedule.html", sessions=appointments.upcoming(ctx),
                               errors={}, form=form, chosen=None, general=err.message), 404
    except FormInvalid as err:
        return render_template("public/schedule.html", sessions=appointments.upcoming(ctx),
                               errors=err.errors, form=form, chosen=session_id), 422
    return render_template("public/schedule_done.html", result=result)


@bp.post("/ma-pin/<int:petition_id>")
@login_required
def desk_pin(petition_id: int):
    """A new PIN for a letter, printed on a slip, after the officer checked the citizen's papers."""
    try:
        result = pins.reissue(engine_ctx(), current_actor(), petition_id,
                              identity_checked=request.form.get("identity_checked") == "1")
    except InvalidInput as err:
        flash(err.message, "error")
        return redirect(url_for("reception.receipt", petition_id=petition_id))
    if not current_user.is_authenticated:  # pragma: no cover (login_required)
        abort(403)
    return render_template("public/pin_slip.html", result=result)
