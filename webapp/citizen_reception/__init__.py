"""Citizen reception (tiếp công dân, issue 17): the schedule calendar, the day's sessions, the
visit form, the reception book (search, print, XLSX), conclusions with their follow-up state and
dialogue conferences. URLs under /tiep-cong-dan; the rules live in ``petitions/reception``.

    GET  /tiep-cong-dan/?thang=YYYY-MM            calendar of a month, schedules, ad-hoc form
    POST /tiep-cong-dan/lich                      publish a schedule
    POST /tiep-cong-dan/lich/<id>/len-lich        plan its sessions for a period
    POST /tiep-cong-dan/phien                     add an ad-hoc session
    GET  /tiep-cong-dan/phien/<id>                one session: visits, conclusions, actions
    POST /tiep-cong-dan/phien/<id>/da-tiep|huy|doi|ket-luan
    GET|POST /tiep-cong-dan/phien/<id>/luot-tiep  the visit form
    POST /tiep-cong-dan/tra-cuu                   earlier visits and letters by ID number (JSON)
    GET  /tiep-cong-dan/so, /so/in, /so.xlsx      the reception book
    GET  /tiep-cong-dan/ket-luan                  conclusions and their follow-up
    POST /tiep-cong-dan/ket-luan/<id>/mttq        the Fatherland Front's monitoring
    GET|POST /tiep-cong-dan/doi-thoai             dialogue conferences
    GET  /tiep-cong-dan/doi-thoai/<id>, POST …/ket-luan
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("citizen_reception", __name__, url_prefix="/tiep-cong-dan")

from webapp.citizen_reception import planning, records  # noqa: E402,F401  (routes)
