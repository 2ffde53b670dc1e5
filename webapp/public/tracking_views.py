"""/tra-cuu: tracking by code and PIN (POST only, so neither lands in a URL or a log), and the
citizen's "satisfied / not satisfied" answer. Any wrong pair gives the same page, status and
message; attempts are limited per address and per code."""
from __future__ import annotations

from flask import render_template, request

from engine.errors import InvalidInput, InvalidState
from petitions.citizens import pins, satisfaction, tracking
from webapp.engine_access import engine_ctx
from webapp.extensions import limiter
from webapp.public import bp


def _code_key() -> str:
    """The per-code limit's key: the normalised code (a guessed PIN is tried against one code)."""
    return "tra-cuu:" + (pins.normalise_code(request.form.get("code")) or "-")


@bp.get("/tra-cuu")
def track_form():
    """The tracking form."""
    return render_template("public/track.html", view=None, refused=False)


def _refused():
    return render_template("public/track.html", view=None, refused=True,
                           message=pins.REFUSED), 404


@bp.post("/tra-cuu")
@limiter.limit("30/hour")
@limiter.limit("10/hour", key_func=_code_key)
def track():
    """The steps of the letter in plain words."""
    code, pin = request.form.get("code"), request.form.get("pin")
    try:
        view = tracking.status(engine_ctx(), code, pin)
    except pins.TrackingRefused:
        return _refused()
    return render_template("public/track.html", view=view, refused=False,
                           code=view["code"], pin=pin)


@bp.post("/tra-cuu/danh-gia")
@limiter.limit("30/hour")
@limiter.limit("10/hour", key_func=_code_key)
def answer():
    """Satisfied or not, with a reason."""
    code, pin = request.form.get("code"), request.form.get("pin")
    choice = request.form.get("satisfied")
    try:
        if choice not in ("yes", "no"):
            view = tracking.status(engine_ctx(), code, pin)
            return render_template("public/track.html", view=view, refused=False, code=view["code"],
                                   pin=pin, answer_error="Hãy chọn hài lòng hoặc chưa hài lòng"), 422
        view = satisfaction.answer(engine_ctx(), code, pin, satisfied=choice == "yes",
                                   reason=request.form.get("reason"))
    except pins.TrackingRefused:
        return _refused()
    except (InvalidInput, InvalidState) as err:
        view = tracking.status(engine_ctx(), code, pin)
        return render_template("public/track.html", view=view, refused=False, code=view["code"],
                               pin=pin, answer_error=err.message), 422
    return render_template("public/track.html", view=view, refused=False, code=view["code"],
                           pin=pin, just_answered=choice)
