"""Theo dõi, đôn đốc thi hành quyết định giải quyết khiếu nại, kết luận tố cáo (decision_followup).

    python -m tools.process_sources.decision_followup

writes processes/decision_followup/decision_followup.bpmn. It is a call activity of the complaint
process (when the decision takes effect, ``Call_kn_followup``) and of the denunciation process
(after the conclusion is sent, handled and published, ``Call_den_followup``): it runs inside the
letter's instance, so its steps count in that letter's reports and show in its history. Data it
reads from the caller: ``followup_source`` ("complaint" | "denunciation"), ``followup_reference``
(the decision or conclusion number) and ``followup_overturns`` (a second-level decision that
overturns the first-level one). The caller's data comes in; what this process sets goes back.

Steps: the handling officer sets up the follow-up file (up to three responsible units, what each
must do and by when); when a second-level decision overturns the first level, the first-level
unit is sent back to act (its own task, in its unit); the officer then follows up, recording every
urging (``Task_df_urge``, counted in ``urging_count`` and in the periodic report) until the
implementation report comes in and says the decision is carried out. The latest deadline of the
units is a non-interrupting boundary timer on the follow-up step: past it, the head of unit gets
one escalation task (re-entering the step later does not escalate again). Sources: seed 001
("thiết lập thành hồ sơ để theo dõi, đôn đốc và tổ chức thi hành"); LKN Điều 44 [C]; LKN Điều
45-46 and LTC Điều 44-45 on carrying out decisions and conclusions [U]; docs/processes/followup.md.
"""
from __future__ import annotations

from pathlib import Path

from tools.bpmn_builder import Field, Process

FOLDER = "decision_followup"
KEY = "decision_followup"
OUTPUT = Path(__file__).resolve().parents[2] / "processes" / FOLDER / f"{KEY}.bpmn"
HANDLING, HEAD = "Lane_df_handling", "Lane_df_head"

# Optional form fields are absent from the data when left blank: give them a value first.
INIT_SCRIPT = """
urging_count = 0
followup_escalated = False
followup_unit_2 = None
followup_action_2 = None
followup_due_2 = None
followup_unit_3 = None
followup_action_3 = None
followup_due_3 = None
"""

# The form requires a second or third unit's action and deadline; the fallback to the first
# unit's only guards data entered through a form without those rules (an older version).
PLAN_SCRIPT = """
followup_assignments = [{"unit": followup_unit_1, "action": followup_action_1,
                         "due": followup_due_1}]
for unit, action, due in [(followup_unit_2, followup_action_2, followup_due_2),
                          (followup_unit_3, followup_action_3, followup_due_3)]:
    if unit:
        followup_assignments.append({"unit": unit, "action": action or followup_action_1,
                                     "due": due or followup_due_1})
implementation_due_day = followup_due_1
for one in followup_assignments:
    if one["due"] > implementation_due_day:
        implementation_due_day = one["due"]
implementation_due = deadline(implementation_due_day)
"""

URGE_SCRIPT = """
urging_count = urging_count + 1
last_urged_on = urging_on
"""

# The timer fires each time the follow-up step opens past the deadline: escalate once only. The
# timer's branch has its own copy of the data, so the main path records, when the step is done,
# whether it was still open after the deadline (the timer fired then: the head was told).
OVERDUE_SCRIPT = """
escalation_known = followup_escalated
followup_overdue = True
"""

TRACKED_SCRIPT = """
if today() > implementation_due_day:
    followup_escalated = True
followup_overdue = followup_escalated
"""

TRACK_ACTIONS = [
    ("reported", "Đơn vị đã gửi báo cáo kết quả thi hành"),
    ("urge", "Đôn đốc đơn vị thi hành (ghi nhận một lần đôn đốc)"),
]
URGING_FORMS = [
    ("written", "Văn bản đôn đốc"),
    ("meeting", "Làm việc trực tiếp"),
    ("phone", "Điện thoại, ghi nhận bằng phiếu"),
]


def _unit_fields(n: int, required: bool) -> list[Field]:
    """Unit n, what it must do, by when: the first is required; another one, once its unit is
    chosen, requires its action and deadline too (form rules: required_when)."""
    help_unit = ("Quyết định lần hai hủy, sửa quyết định lần đầu: đơn vị đã giải quyết lần đầu, "
                 "được giao thực hiện lại" if n == 1 else "Để trống nếu không có")
    also = {} if required else {"required_when": f"followup_unit_{n}"}
    return [Field(f"followup_unit_{n}", "unit", f"Đơn vị chịu trách nhiệm thi hành ({n})", required,
                  extra={"help": help_unit}),
            Field(f"followup_action_{n}", "text", f"Việc phải làm ({n})", required, extra=also),
            Field(f"followup_due_{n}", "date", f"Thời hạn hoàn thành ({n})", required,
                  extra={"not_before": "today", **also})]


def build() -> Process:
    p = Process(KEY, "Theo dõi, đôn đốc thi hành quyết định, kết luận", documentation=(
        "Quyết định giải quyết khiếu nại có hiệu lực pháp luật (LKN Điều 44 [C]) hoặc kết luận nội "
        "dung tố cáo đã ban hành: lập hồ sơ theo dõi, đôn đốc và tổ chức thi hành (Kế hoạch, chỉ "
        "thị ở seed 001). Đơn vị chịu trách nhiệm, việc phải làm, thời hạn; mỗi lần đôn đốc được "
        "ghi nhận và đếm; báo cáo kết quả thi hành; quá hạn thì báo Thủ trưởng. Chi tiết: "
        "docs/processes/followup.md."))
    p.lane(HANDLING, "Cán bộ xử lý đơn", "handling_officer")
    p.lane(HEAD, "Thủ trưởng đơn vị", "head_of_unit")
    setup, act, report = (p.phase(name) for name in
                          ("Lập hồ sơ theo dõi", "Tổ chức thi hành, đôn đốc", "Báo cáo kết quả"))
    p.start("Start_df", "Quyết định, kết luận cần thi hành", HANDLING, setup, 0,
            start_data="followup_source, followup_reference, followup_overturns")
    p.script("Script_df_init", "Mở hồ sơ theo dõi", HANDLING, setup, 1, INIT_SCRIPT)
    p.user("Task_df_plan", "Lập hồ sơ theo dõi, giao đơn vị tổ chức thi hành", HANDLING, setup, 2,
           form=[*_unit_fields(1, True), *_unit_fields(2, False), *_unit_fields(3, False),
                 Field("followup_plan_note", "text", "Ghi chú hồ sơ theo dõi")],
           doc=("Ghi rõ đơn vị chịu trách nhiệm, việc phải làm, thời hạn (followup_reference: số "
                "quyết định, kết luận). Thời hạn muộn nhất là hạn báo cáo kết quả thi hành."))
    p.script("Script_df_plan", "Tính hạn thi hành", HANDLING, setup, 3, PLAN_SCRIPT)
    p.xor("Gateway_df_overturn", "Quyết định lần hai hủy, sửa quyết định lần đầu?", HANDLING,
          act, 0)
    p.user("Task_df_first_level", "Cấp giải quyết lần đầu thực hiện lại theo quyết định lần hai",
           HANDLING, act, 1, row=1, unit="followup_unit_1", form=[
               Field("redo_summary", "text", "Việc đã thực hiện lại", True),
               Field("redo_reference", "string", "Số văn bản, quyết định mới", True),
               Field("redo_on", "date", "Ngày thực hiện", True, extra={"not_after": "today"}),
           ], doc=("Quyết định giải quyết khiếu nại lần hai kết luận khiếu nại đúng, đúng một phần: "
                   "quyết định lần đầu bị hủy, sửa; người giải quyết lần đầu phải thực hiện lại "
                   "theo quyết định lần hai (LKN Điều 40, 43 [U]). Giao cho đơn vị thứ nhất."))
    p.user("Task_df_track", "Theo dõi, đôn đốc việc thi hành", HANDLING, act, 2, form=[
        Field("track_action", "enum", "Việc ghi nhận", True, TRACK_ACTIONS),
        Field("track_note", "text", "Tình hình thi hành"),
    ], doc=("Bước đang chờ: các đơn vị thi hành trước implementation_due_day. Mỗi lần đôn đốc "
            "được ghi nhận; khi đơn vị báo cáo kết quả thì tiếp nhận báo cáo."))
    p.timer("Timer_df_due", "Hết hạn thi hành", "Task_df_track", time_date="implementation_due")
    p.script("Script_df_tracked", "Ghi nhận đã quá hạn chưa", HANDLING, act, 3, TRACKED_SCRIPT)
    p.xor("Gateway_df_track", "Ghi nhận gì?", HANDLING, act, 4)
    p.user("Task_df_urge", "Đôn đốc thi hành", HANDLING, act, 4, row=1, form=[
        Field("urging_on", "date", "Ngày đôn đốc", True, extra={"not_after": "today"}),
        Field("urging_form", "enum", "Hình thức đôn đốc", True, URGING_FORMS),
        Field("urging_reference", "string", "Số văn bản đôn đốc"),
        Field("urging_content", "text", "Nội dung đôn đốc", True),
    ], doc="Mỗi lần đôn đốc là một bước hoàn thành: được đếm trong báo cáo định kỳ.")
    p.script("Script_df_urge", "Đếm lần đôn đốc", HANDLING, act, 3, URGE_SCRIPT, row=1)
    p.script("Script_df_overdue", "Ghi nhận quá hạn thi hành", HEAD, act, 2, OVERDUE_SCRIPT)
    p.xor("Gateway_df_escalated", "Đã báo Thủ trưởng?", HEAD, act, 3)
    p.user("Task_df_escalate", "Chỉ đạo việc chậm thi hành quyết định, kết luận", HEAD, act, 4,
           form=[Field("escalation_direction", "text", "Ý kiến chỉ đạo", True),
                 Field("escalation_responsible", "string", "Người, đơn vị chịu trách nhiệm")],
           doc=("Quá hạn mà chưa có báo cáo kết quả thi hành: Thủ trưởng chỉ đạo, xem xét trách "
                "nhiệm (seed 001; Quy định 11-QĐi/TW [S]). Việc theo dõi vẫn tiếp tục."))
    p.end("End_df_escalated", "Đã chỉ đạo", HEAD, report, 0)
    p.end("End_df_escalation_known", "Đã báo ở lần trước", HEAD, report, 0, row=1)
    p.user("Task_df_report", "Tiếp nhận báo cáo kết quả thi hành", HANDLING, report, 0, form=[
        Field("implementation_report_number", "string", "Số báo cáo kết quả thi hành", True),
        Field("implementation_reported_on", "date", "Ngày báo cáo", True,
              extra={"not_after": "today"}),
        Field("implementation_summary", "text", "Kết quả thi hành", True),
        Field("implementation_complete", "boolean", "Đã thi hành xong quyết định, kết luận", True),
    ], doc="Chưa thi hành xong thì tiếp tục theo dõi, đôn đốc.")
    p.xor("Gateway_df_complete", "Thi hành xong?", HANDLING, report, 1)
    p.end("End_df_done", "Đã thi hành xong", HANDLING, report, 2)

    p.flow("Start_df", "Script_df_init")
    p.flow("Script_df_init", "Task_df_plan")
    p.flow("Task_df_plan", "Script_df_plan")
    p.flow("Script_df_plan", "Gateway_df_overturn")
    p.flow("Gateway_df_overturn", "Task_df_first_level", "Cấp lần đầu phải thực hiện lại",
           "followup_overturns")
    p.flow("Gateway_df_overturn", "Task_df_track", "Không", default=True)
    p.flow("Task_df_first_level", "Task_df_track")
    p.flow("Task_df_track", "Script_df_tracked")
    p.flow("Script_df_tracked", "Gateway_df_track")
    p.flow("Gateway_df_track", "Task_df_urge", "Đôn đốc", 'track_action == "urge"')
    p.flow("Gateway_df_track", "Task_df_report", "Có báo cáo kết quả", default=True)
    p.flow("Task_df_urge", "Script_df_urge")
    p.flow("Script_df_urge", "Task_df_track")
    p.flow("Timer_df_due", "Script_df_overdue")
    p.flow("Script_df_overdue", "Gateway_df_escalated")
    p.flow("Gateway_df_escalated", "End_df_escalation_known", "Đã báo", "escalation_known")
    p.flow("Gateway_df_escalated", "Task_df_escalate", "Chưa báo", default=True)
    p.flow("Task_df_escalate", "End_df_escalated")
    p.flow("Task_df_report", "Gateway_df_complete")
    p.flow("Gateway_df_complete", "End_df_done", "Xong", "implementation_complete")
    p.flow("Gateway_df_complete", "Task_df_track", "Chưa xong: tiếp tục đôn đốc", default=True)
    return p


if __name__ == "__main__":
    build().write(OUTPUT)
    print(f"wrote {OUTPUT}")
