"""Steps of the decision follow-up (processes/decision_followup) shared by the scenario tests of the
processes that call it: the complaint and the denunciation."""
from __future__ import annotations

from sqlalchemy import select

from engine.accounts.models import Unit
from engine.working_days import VN_TZ

UNITS = {"u1": "Phòng Tài nguyên và Môi trường", "u2": "Ban Địa chính xã"}


def ensure_units(ctx) -> None:
    """The responsible units are picked from the units list: make sure the test ones exist."""
    with ctx.uow() as uow:
        known = set(uow.session.scalars(select(Unit.code)))
        uow.session.add_all([Unit(code=code, name=name) for code, name in UNITS.items()
                             if code not in known])
        uow.commit()


def plan_data(due: str, second_due: str | None = None) -> dict:
    data = {"followup_unit_1": "u1", "followup_action_1": "Bồi thường bổ sung theo đơn giá mới",
            "followup_due_1": due}
    if second_due:
        data.update({"followup_unit_2": "u2", "followup_due_2": second_due,
                     "followup_action_2": "Chỉnh lý hồ sơ địa chính thửa đất"})
    return data


def plan(s, due: str, second_due: str | None = None) -> None:
    ensure_units(s.ctx)
    s.complete("Task_df_plan", plan_data(due, second_due))


def track(s, action: str) -> None:
    s.complete("Task_df_track", {"track_action": action})


def urge(s, on: str) -> None:
    track(s, "urge")
    s.complete("Task_df_urge", {"urging_on": on, "urging_form": "written",
                                "urging_reference": "25/UBND-TTr",
                                "urging_content": "Đề nghị hoàn thành bồi thường bổ sung"})


def report(s, on: str, complete: bool = True) -> None:
    track(s, "reported")
    s.complete("Task_df_report", {"implementation_report_number": "40/BC-TNMT",
                                  "implementation_reported_on": on,
                                  "implementation_summary": "Đã chi trả bồi thường bổ sung",
                                  "implementation_complete": complete})


def carried_out(s, due: str) -> None:
    """The shortest follow-up: the file set up, the implementation reported complete on the
    scenario's day (a report date cannot be in the future)."""
    plan(s, due)
    report(s, s.clock.current.astimezone(VN_TZ).date().isoformat())
