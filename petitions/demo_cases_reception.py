"""The demo commune's citizen reception: the chairman's weekly reception day, the sessions of the
last weeks held, and the visits written in the reception book (fictitious people).

Through the same commands as the reception pages (petitions/reception/): the schedule is
published and its sessions planned, each past session is recorded as held on its day, and each
visit is recorded on the day it happened, on the story's clock (demo_cases.py).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from engine.accounts.users import actor_for
from engine.working_days import VN_TZ
from petitions.demo_cases_story import PROVINCE, WARD

if TYPE_CHECKING:
    from engine.context import EngineContext
    from petitions.demo_cases import StoryClock

CHAIRMAN = "Phạm Văn Trưởng"  # the demo head of unit (petitions/demo.py)
PLACE = "Trụ sở tiếp công dân xã An Phú, số 1 đường Trung tâm"
# (weeks before the seed's day, people, content, type, outcome, transferred to)
VISITS = [
    (9, "Trần Thị Bé", "Hỏi thủ tục tách thửa đất ở cho con", "recommendation", "guided", None),
    (7, "Nguyễn Văn Tư", "Đề nghị hỗ trợ sửa nhà cho hộ cận nghèo sau mưa bão", "recommendation",
     "guided", None),
    (5, "Lý Thị Hồng", "Tranh chấp lối đi chung với hộ liền kề ở ấp Phú Hữu", "feedback",
     "transferred", "Tổ hòa giải ấp Phú Hữu"),
    (3, "Phan Văn Út", "Hỏi chế độ trợ cấp người có công với cách mạng", "recommendation",
     "guided", None),
    (1, "Đoàn Thị Sáu", "Phản ánh việc thu gom rác ở chợ An Phú không đúng giờ", "feedback",
     "transferred", "Ban quản lý chợ An Phú"),
]


def seed_reception(ctx: "EngineContext", clock: "StoryClock", anchor: datetime, *, head: str,
                   desk: str) -> int:
    """The schedule, its sessions and the visits; returns how many visits were recorded."""
    from petitions.reception import book, schedules, sessions
    from petitions.reception.book import Citizen, Visit
    from petitions.reception.schedule import CHAIRMAN as CHAIRMAN_POSITION
    clock.current = anchor - timedelta(weeks=10)
    head, desk = actor_for(ctx, head), actor_for(ctx, desk)
    schedule = schedules.create(ctx, head, position=CHAIRMAN_POSITION, leader_name=CHAIRMAN,
                                place=PLACE, weekday=4, afternoon=None)  # Thursday mornings
    first, last = clock.today(), clock.today() + timedelta(weeks=14)
    schedules.plan(ctx, head, schedule["id"], first, last)
    planned = {s["held_on"]: s for s in sessions.between(ctx, head, first, last)}
    today = anchor.astimezone(VN_TZ).date()
    recorded = 0
    for weeks, name, content, kind, outcome, transferred_to in VISITS:
        # The planned session nearest to that week, not after the seed's day.
        wanted = today - timedelta(weeks=weeks)
        days = [day for day in planned if day < today]
        if not days:
            break
        day = min(days, key=lambda d: abs((d - wanted).days))
        session = planned.pop(day)
        clock.current = datetime.combine(day, time(10, 0), VN_TZ).astimezone(timezone.utc)
        sessions.record_held(ctx, head, session["id"], held_by="in_person")
        book.record(ctx, desk, Visit(
            visited_on=day, content=content, petition_type=kind, session_id=session["id"],
            citizens=[Citizen(name=name, province_code=PROVINCE, ward_code=WARD,
                              address_detail="xã An Phú")],
            outcome=outcome, transferred_to=transferred_to,
            outcome_note="Đã giải thích, hướng dẫn theo quy định" if outcome == "guided"
            else None))
        recorded += 1
    return recorded
