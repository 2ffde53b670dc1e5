"""The register of complex, long-running and backlog cases (issue 19 §2) and its ad-hoc report.
URLs under /vu-viec-phuc-tap; the rules live in ``petitions/supervision/complex/cases.py``.

    GET  /vu-viec-phuc-tap/                        the register, candidates, entering (head)
    POST /vu-viec-phuc-tap/vao-so                  enter a petition (head of unit)
    GET  /vu-viec-phuc-tap/<case_id>               one entry: plan, roadmap, quarterly reports
    POST /vu-viec-phuc-tap/<case_id>/ke-hoach|moc|trang-thai|bao-cao-quy
    POST /vu-viec-phuc-tap/moc/<milestone_id>      a milestone's progress
    GET  /vu-viec-phuc-tap/bao-cao, /bao-cao.xlsx  the ad-hoc report on complex cases
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("complex_cases", __name__, url_prefix="/vu-viec-phuc-tap")

from webapp.complex_cases import views  # noqa: E402,F401  (routes)
