"""Books and registers printed as official documents (issue 16 §6): the letter register of a
period (sổ tiếp nhận, xử lý đơn) as XLSX, for heads of unit and supervisors, over their units.

The GET download masks every sealed identity. The POST download carries a reason and shows the
identities the law lets the reader see (``petitions.supervision.letter_register``), each audited;
it carries no submission key, so the file is never copied into the database (webapp/idempotency).
"""
from flask import Blueprint

bp = Blueprint("registers", __name__, url_prefix="/registers")

from webapp.registers import views  # noqa: E402,F401  (registers the routes on bp)
