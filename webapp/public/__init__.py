"""Public pages, reachable without logging in: the citizens' side (issue 18: /gui-don,
/tra-cuu, /cong-khai, /lich-tiep-cong-dan) and the latest signed audit checkpoint; plus two staff
pages beside them (withdrawing a published entry, a new PIN at the desk).

Nothing here may show personal data: the checkpoint holds only chain names (``instance:<id>``,
``deployments``, ``users``, ``calendar``), sequence numbers, hashes and the public key; the
citizens' pages show a letter only to the holder of its code and PIN, in plain words, and
published texts only as redacted copies.
"""
from flask import Blueprint

bp = Blueprint("public", __name__)

from webapp.public import results, submission, tracking_views, views  # noqa: E402,F401  (routes on bp)


RECEIPT_PIN = "receipt_pin:{}"


def take_receipt_pin(petition_id: int) -> str | None:
    """The PIN the desk's registration just made, once: the receipt page pops it from the session
    (the reception route puts it there: ``session[RECEIPT_PIN.format(id)] = result["pin"]``)."""
    from flask import session
    return session.pop(RECEIPT_PIN.format(petition_id), None)


def init_app(app) -> None:
    """The SMS/Zalo gateway chosen by ``CITIZEN_MESSAGES`` (petitions/citizens/notices.py), and
    the desk receipt's one-time PIN."""
    from petitions.citizens import notices
    notices.install(notices.gateway_from_env(app.config["PETITIONS_SETTINGS"].data_dir))
    app.jinja_env.globals["take_receipt_pin"] = take_receipt_pin
