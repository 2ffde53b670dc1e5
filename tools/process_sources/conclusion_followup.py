"""Theo dõi thực hiện kết luận sau tiếp công dân, đối thoại (conclusion_followup).

    python -m tools.process_sources.conclusion_followup

writes processes/conclusion_followup/conclusion_followup.bpmn and, beside it, the per-assignment
process conclusion_assignment.bpmn. Started by ``petitions/reception/conclusions.py`` when a
leader's conclusion (after a reception session or a dialogue conference) is issued, with:

- ``assignments``: a list of ``{"unit", "owner", "task", "result", "deadline"}`` (deadline an ISO
  date), one per assigned unit;
- ``conclusion_id``, ``conclusion_title``.

The call activity runs once per assignment, in parallel (multi-instance): each assigned unit gets
its own follow-up task with the deadline as a non-interrupting boundary timer, so the kernel's
reminder stages apply before it and, when it passes, the head of the issuing unit gets an
escalation task while the unit's work stays open. When every assignment is done the office writes
the closing report. Sources: Luật Tiếp công dân 2013 Điều 15, 18; Quy định 11-QĐi/TW (Kết luận
215-KL/TW); docs/reception.md.
"""
from __future__ import annotations

from tools.bpmn_builder import Field, Node, Process

FOLDER = "conclusion_followup"
KEY = "conclusion_followup"
ASSIGNMENT_KEY = "conclusion_assignment"
L_RECEPTION, L_HANDLING, L_HEAD = "Lane_reception", "Lane_handling", "Lane_head"

INIT_SCRIPT = """
assignment_count = len(assignments)
if assignment_count < 1 or assignment_count > 50:
    raise ValueError("Kết luận phải giao từ 1 đến 50 nhiệm vụ")
last_deadline = assignments[0]["deadline"]
for one in assignments:
    if one["deadline"] > last_deadline:
        last_deadline = one["deadline"]
report_due_day = add_working_days(last_deadline, 5)
report_due = deadline(report_due_day)
"""

ASSIGNMENT_INIT = """
assignment_unit = assignment["unit"]
assignment_owner = assignment["owner"]
assignment_task = assignment["task"]
required_result = assignment["result"]
assignment_due_day = assignment["deadline"]
assignment_due = deadline(assignment_due_day)
"""

ASSIGNMENT_DONE = """
result = {"unit": assignment_unit, "done_on": done_on, "late": done_on > assignment_due_day}
"""


class _LoopingProcess(Process):
    """The builder with one addition: a parallel multi-instance loop on named call activities."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loops: dict[str, tuple[str, str, str, str]] = {}

    def loop(self, node_id: str, collection: str, item: str, output: str, output_item: str):
        self.loops[node_id] = (collection, item, output, output_item)

    def _node_xml(self, node: Node) -> str:
        text = super()._node_xml(node)
        if node.id not in self.loops:
            return text
        collection, item, output, output_item = self.loops[node.id]
        loop = ('<bpmn:multiInstanceLoopCharacteristics>'
                f'<bpmn:loopDataInputRef>{collection}</bpmn:loopDataInputRef>'
                f'<bpmn:loopDataOutputRef>{output}</bpmn:loopDataOutputRef>'
                f'<bpmn:inputDataItem id="{item}" name="{item}"/>'
                f'<bpmn:outputDataItem id="{output_item}" name="{output_item}"/>'
                '</bpmn:multiInstanceLoopCharacteristics>')
        closing = f"</bpmn:{node.tag}>"
        return text[:-len(closing)] + loop + closing


def build() -> Process:
    p = _LoopingProcess(KEY, "Theo dõi thực hiện kết luận tiếp công dân, đối thoại", documentation=(
        "Sau buổi tiếp công dân hoặc hội nghị đối thoại, người chủ trì ban hành thông báo kết luận "
        "và giao nhiệm vụ cho các đơn vị; mỗi nhiệm vụ có người chịu trách nhiệm, thời hạn và kết "
        "quả phải đạt (Luật Tiếp công dân 2013 Điều 18; Quy định 11-QĐi/TW sửa đổi bởi Kết luận "
        "215-KL/TW: rõ người, rõ việc, rõ thời gian, rõ trách nhiệm, rõ kết quả). Chi tiết: "
        "docs/reception.md."))
    p.lane(L_RECEPTION, "Cán bộ tiếp công dân", "reception_officer")
    p.lane(L_HEAD, "Thủ trưởng đơn vị", "head_of_unit")
    for name in ("Ban hành kết luận", "Thực hiện", "Báo cáo"):
        p.phase(name)
    p.start("Start_cf", "Kết luận được ban hành", L_RECEPTION, 0, 0, start_data="assignments")
    p.script("Script_cf_init", "Tính hạn báo cáo", L_RECEPTION, 0, 1, INIT_SCRIPT,
             doc="Báo cáo kết quả chậm nhất 05 ngày làm việc sau thời hạn muộn nhất của các nhiệm "
                 "vụ (quy ước nội bộ [U]).")
    p.call("Call_cf_assignments", "Các đơn vị thực hiện nhiệm vụ được giao", L_RECEPTION, 1, 0,
           ASSIGNMENT_KEY, doc="Mỗi đơn vị được giao một nhiệm vụ, thực hiện song song.")
    p.loop("Call_cf_assignments", "assignments", "assignment", "results", "result")
    p.user("Task_cf_report", "Báo cáo kết quả thực hiện kết luận", L_RECEPTION, 2, 0,
           form=[Field("report_summary", "text", "Kết quả thực hiện kết luận", required=True),
                 Field("all_done", "boolean", "Đã thực hiện xong toàn bộ kết luận", required=True)],
           doc="Tổng hợp kết quả các đơn vị, báo cáo người ban hành kết luận.")
    p.timer("Timer_cf_report", "Hạn báo cáo kết quả", "Task_cf_report", time_date="report_due")
    p.user("Task_cf_report_late", "Chỉ đạo việc chậm báo cáo kết quả", L_HEAD, 2, 1,
           form=[Field("report_late_direction", "text", "Ý kiến chỉ đạo", required=True)])
    p.end("End_cf_report_late", "Đã chỉ đạo", L_HEAD, 2, 2)
    p.end("End_cf", "Đã báo cáo kết quả", L_RECEPTION, 2, 1)
    p.flow("Start_cf", "Script_cf_init")
    p.flow("Script_cf_init", "Call_cf_assignments")
    p.flow("Call_cf_assignments", "Task_cf_report")
    p.flow("Task_cf_report", "End_cf")
    p.flow("Timer_cf_report", "Task_cf_report_late")
    p.flow("Task_cf_report_late", "End_cf_report_late")
    return p


def build_assignment() -> Process:
    p = Process(ASSIGNMENT_KEY, "Thực hiện một nhiệm vụ theo kết luận", documentation=(
        "Một đơn vị thực hiện nhiệm vụ được giao trong thông báo kết luận, trước thời hạn; quá hạn "
        "thì thủ trưởng đơn vị ban hành kết luận được báo để chỉ đạo, việc vẫn tiếp tục."))
    p.lane(L_RECEPTION, "Cán bộ tiếp công dân", "reception_officer")
    p.lane(L_HANDLING, "Cán bộ xử lý đơn", "handling_officer")
    p.lane(L_HEAD, "Thủ trưởng đơn vị", "head_of_unit")
    for name in ("Giao nhiệm vụ", "Thực hiện", "Quá hạn"):
        p.phase(name)
    p.start("Start_ca", "Nhận nhiệm vụ", L_RECEPTION, 0, 0, start_data="assignment")
    p.script("Script_ca_init", "Đọc nhiệm vụ, tính hạn", L_RECEPTION, 0, 1, ASSIGNMENT_INIT)
    p.user("Task_ca_do", "Thực hiện nhiệm vụ theo kết luận", L_HANDLING, 1, 0,
           unit="assignment_unit",
           form=[Field("result_summary", "text", "Kết quả thực hiện", required=True),
                 Field("done_on", "date", "Ngày hoàn thành", required=True),
                 Field("result_reference", "string", "Số văn bản báo cáo kết quả")],
           doc="Đơn vị được giao thực hiện, báo cáo kết quả trước thời hạn ghi trong kết luận.")
    p.timer("Timer_ca_due", "Hạn thực hiện nhiệm vụ", "Task_ca_do", time_date="assignment_due")
    p.script("Script_ca_done", "Ghi nhận kết quả", L_HANDLING, 1, 1, ASSIGNMENT_DONE)
    p.end("End_ca_done", "Đã thực hiện", L_HANDLING, 1, 2)
    p.script("Script_ca_overdue", "Ghi nhận quá hạn", L_HEAD, 2, 0, "assignment_overdue = True")
    p.user("Task_ca_escalate", "Chỉ đạo xử lý nhiệm vụ quá hạn thực hiện kết luận", L_HEAD, 2, 1,
           form=[Field("escalation_direction", "text", "Ý kiến chỉ đạo", required=True)],
           doc="Quá hạn mà đơn vị chưa báo cáo kết quả: thủ trưởng đơn vị ban hành kết luận chỉ "
               "đạo, xem xét trách nhiệm (Quy định 11-QĐi/TW, Kết luận 215-KL/TW).")
    p.end("End_ca_escalated", "Đã chỉ đạo", L_HEAD, 2, 2)
    p.flow("Start_ca", "Script_ca_init")
    p.flow("Script_ca_init", "Task_ca_do")
    p.flow("Task_ca_do", "Script_ca_done")
    p.flow("Script_ca_done", "End_ca_done")
    p.flow("Timer_ca_due", "Script_ca_overdue")
    p.flow("Script_ca_overdue", "Task_ca_escalate")
    p.flow("Task_ca_escalate", "End_ca_escalated")
    return p


def extra_files() -> dict[str, str]:
    return {f"{ASSIGNMENT_KEY}.bpmn": build_assignment().to_xml()}


if __name__ == "__main__":
    import sys

    from tools.build_processes import ROOT, write_module

    for written in write_module(sys.modules[__name__]):
        print(f"wrote {written.relative_to(ROOT)}")
