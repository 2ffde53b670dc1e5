"""Xử lý kiến nghị, phản ánh (recommendation_feedback).

    python -m tools.process_sources.recommendation

writes processes/recommendation/recommendation_feedback.bpmn. Called by petition_intake
(Call_recommendation) with all intake data; can also be started alone with the intake fields as
start data. Steps, deadlines and sources: docs/processes/recommendation.md.

Optional inputs (kept when the caller provides them, defaulted otherwise, see INIT_SCRIPT):
``resolution_working_days`` (default 15, a local rule [U]), ``notice_sent`` (default False),
``forwarder_kind`` (default "none"). The start script tests their presence with
``try/except NameError``: the restricted script engine forbids dir()/locals(), but a read of an
unset name raises NameError like any Python code.
"""
from __future__ import annotations

from tools.bpmn_builder import Field, Process

FOLDER = "recommendation"
KEY = "recommendation_feedback"
DEFAULT_RESOLUTION_WORKING_DAYS = 15

L_RECEPTION, L_HANDLING, L_HEAD = "Lane_reception", "Lane_handling", "Lane_head"
P_RECEIVE, P_CLASSIFY, P_RESOLVE, P_DIALOGUE, P_ANSWER, P_PUBLISH, P_END = range(7)
FORWARDING_KINDS = ("deputy", "mttq", "body", "press")

INIT_SCRIPT = f"""
# Optional inputs: keep the caller's value, else the default (a missing name raises NameError).
try:
    resolution_working_days = int(resolution_working_days)
except NameError:
    resolution_working_days = {DEFAULT_RESOLUTION_WORKING_DAYS}
if resolution_working_days < 1 or resolution_working_days > 90:
    raise ValueError("resolution_working_days phải từ 1 đến 90 ngày làm việc")
try:
    notice_sent = notice_sent == True
except NameError:
    notice_sent = False
try:
    forwarded = forwarder_kind in {FORWARDING_KINDS!r}
except NameError:
    forwarded = False
notice_due_day = add_working_days(received_on, 10)
notice_due = deadline(notice_due_day)
refusal_due_day = add_working_days(received_on, 3)
refusal_due = deadline(refusal_due_day)
resolution_due_day = add_working_days(received_on, resolution_working_days)
resolution_due = deadline(resolution_due_day)
resolution_late_known = False
"""

# Before each step guarded by the resolution deadline: a step that opens once the deadline has
# passed still shows it, but its timer must not report the same breach a second time.
LATE_CHECK_SCRIPT = "resolution_late_known = today() > resolution_due_day"

CLOSE_SCRIPT = """
reply_to_forwarder = forwarded
forwarder_reply_due_day = add_working_days(answer_date, 7)
forwarder_reply_due = deadline(forwarder_reply_due_day)
"""


def _bool(name: str, label: str) -> Field:
    return Field(name, "boolean", label, required=True)


def _date(name: str, label: str) -> Field:
    return Field(name, "date", label, required=True)


def _text(name: str, label: str, required: bool = False) -> Field:
    return Field(name, "text", label, required=required)


def _string(name: str, label: str, required: bool = False) -> Field:
    return Field(name, "string", label, required=required)


def _delay_report(prefix: str) -> list[Field]:
    return [_text(f"{prefix}_delay_action", "Chỉ đạo khắc phục, xử lý trách nhiệm", required=True),
            _string(f"{prefix}_delay_responsible", "Người, bộ phận chịu trách nhiệm")]


RESOLVE_FORM = [
    _text("resolution_summary", "Kết quả xem xét, giải quyết", required=True),
    _bool("need_meeting", "Cần gặp gỡ, trao đổi, đối thoại với người gửi"),
    _text("draft_answer", "Dự thảo văn bản trả lời"),
]


def build() -> Process:
    p = Process(KEY, "Xử lý kiến nghị, phản ánh", documentation=(
        "Xem xét, giải quyết và trả lời kiến nghị, phản ánh thuộc thẩm quyền (Luật Tiếp công dân "
        "2013 Điều 26 khoản 2, Điều 28 khoản 1). Luật không quy định đối thoại và công khai cho "
        "kiến nghị, phản ánh: hai bước này là tùy chọn. Thời hạn giải quyết "
        "resolution_working_days (mặc định 15 ngày làm việc) là quy ước nội bộ [U]. "
        "Chi tiết: docs/processes/recommendation.md."))
    p.lane(L_RECEPTION, "Cán bộ tiếp công dân", "reception_officer")
    p.lane(L_HANDLING, "Cán bộ xử lý đơn", "handling_officer")
    p.lane(L_HEAD, "Thủ trưởng đơn vị", "head_of_unit")
    for name in ("Tiếp nhận", "Phân loại", "Xem xét, giải quyết", "Đối thoại", "Trả lời",
                 "Công khai", "Kết thúc"):
        p.phase(name)
    _receive_and_classify(p)
    _resolve(p)
    _answer(p)
    _breaches(p)
    return p


def _receive_and_classify(p: Process) -> None:
    p.start("Start_pakn", "Nhận kiến nghị, phản ánh", L_RECEPTION, P_RECEIVE, 0,
            start_data="received_on")
    p.script("Script_pakn_init", "Tính các thời hạn", L_RECEPTION, P_RECEIVE, 1, INIT_SCRIPT,
             doc="Thông báo cho người gửi trong 10 ngày làm việc kể từ ngày nhận (Luật Tiếp công dân "
                 "Điều 28 khoản 1 [C]); từ chối kiến nghị, phản ánh trùng trong 03 ngày làm việc "
                 "[S]; giải quyết trong resolution_working_days ngày làm việc kể từ ngày nhận (mặc "
                 "định 15, quy ước nội bộ, không phải luật [U]).")
    p.user("Task_pakn_review", "Kiểm tra kiến nghị, phản ánh trùng lặp", L_HANDLING, P_CLASSIFY, 0,
           form=[_bool("repeated_answered", "Nội dung đã được trả lời bằng văn bản, không có tình "
                                            "tiết mới"),
                 _string("earlier_answer_ref", "Số văn bản đã trả lời trước"),
                 _text("review_note", "Ý kiến đề xuất")],
           doc="Kiến nghị, phản ánh thuộc thẩm quyền: báo cáo thủ trưởng xem xét hoặc giao đơn vị "
               "(Luật Tiếp công dân Điều 26 khoản 2 [C]). Nội dung đã được trả lời bằng văn bản, "
               "không có tình tiết mới: có thể từ chối xử lý [S].")
    p.xor("Gw_pakn_repeated", "Trùng, đã trả lời?", L_HANDLING, P_CLASSIFY, 1)
    p.user("Task_pakn_refusal", "Thông báo từ chối xử lý kiến nghị, phản ánh trùng", L_HANDLING,
           P_CLASSIFY, 2, row=2,
           form=[_string("refusal_number", "Số thông báo từ chối", required=True),
                 _date("refusal_sent_on", "Ngày gửi thông báo")],
           doc="Thông báo từ chối trong 03 ngày làm việc (quy định năm 2026 về kiến nghị, phản ánh, "
               "bản chép không chính thức [S]; tính từ ngày nhận đơn, cách tính chặt hơn).")
    p.timer("Timer_pakn_refusal", "Hạn thông báo từ chối 03 ngày làm việc", "Task_pakn_refusal",
            time_date="refusal_due")
    p.end("End_pakn_refused", "Đã từ chối", L_HANDLING, P_CLASSIFY, 3, row=2)
    p.xor("Gw_pakn_notice", "Đã thông báo cho người gửi?", L_HANDLING, P_CLASSIFY, 2)
    p.user("Task_pakn_notice", "Thông báo tiếp nhận, xử lý cho người gửi", L_HANDLING, P_CLASSIFY, 3,
           row=1,
           form=[_string("notice_number", "Số văn bản thông báo", required=True),
                 _date("sent_on", "Ngày gửi thông báo")],
           doc="Thông báo việc tiếp nhận, xử lý trong 10 ngày làm việc kể từ ngày nhận (Luật Tiếp "
               "công dân Điều 28 khoản 1 [C]); bỏ qua nếu nơi gọi đã thông báo (notice_sent).")
    p.timer("Timer_pakn_notice", "Hạn thông báo 10 ngày làm việc", "Task_pakn_notice",
            time_date="notice_due")
    p.xor("Gw_pakn_notice_done", "Đã thông báo", L_HANDLING, P_CLASSIFY, 4)

    p.flow("Start_pakn", "Script_pakn_init")
    p.flow("Script_pakn_init", "Task_pakn_review")
    p.flow("Task_pakn_review", "Gw_pakn_repeated")
    p.flow("Gw_pakn_repeated", "Task_pakn_refusal", name="Trùng, từ chối",
           condition="repeated_answered == True")
    p.flow("Gw_pakn_repeated", "Gw_pakn_notice", name="Xem xét",
           condition="repeated_answered == False")
    p.flow("Task_pakn_refusal", "End_pakn_refused")
    p.flow("Gw_pakn_notice", "Task_pakn_notice", name="Chưa", condition="notice_sent == False")
    p.flow("Gw_pakn_notice", "Gw_pakn_notice_done", name="Đã thông báo",
           condition="notice_sent == True")
    p.flow("Task_pakn_notice", "Gw_pakn_notice_done")


def _late_check(p: Process, id: str, lane: str, phase: int, col: int) -> str:
    return p.script(id, "Kiểm tra hạn giải quyết", lane, phase, col, LATE_CHECK_SCRIPT,
                    doc="Đã quá hạn giải quyết thì việc quá hạn đã được báo cáo ở bước trước.")


def _resolve(p: Process) -> None:
    p.user("Task_pakn_consider", "Thủ trưởng xem xét, giao xử lý", L_HEAD, P_RESOLVE, 0,
           form=[Field("handling_mode", "enum", "Cách xử lý", required=True, choices=[
                     ("self", "Thủ trưởng trực tiếp xem xét, giải quyết"),
                     ("assign", "Giao đơn vị chuyên môn xem xét, giải quyết")]),
                 # Chosen from the units list: the task goes to that unit's people only.
                 Field("assigned_unit", "unit", "Đơn vị được giao"),
                 _text("consider_note", "Ý kiến chỉ đạo")],
           doc="Người đứng đầu xem xét, giải quyết hoặc giao đơn vị chuyên môn (Luật Tiếp công dân "
               "Điều 26 khoản 2 [C]).")
    p.timer("Timer_pakn_consider", "Hạn giải quyết", "Task_pakn_consider", time_date="resolution_due")
    _late_check(p, "Script_pakn_late_check_assign", L_HEAD, P_RESOLVE, 1)
    p.xor("Gw_pakn_mode", "Ai giải quyết?", L_HEAD, P_RESOLVE, 2)
    p.user("Task_pakn_resolve_unit", "Đơn vị được giao xem xét, giải quyết", L_HANDLING, P_RESOLVE, 3,
           form=RESOLVE_FORM, unit="assigned_unit",
           doc="Đơn vị được giao xem xét, đề xuất nội dung trả lời trong thời hạn giải quyết "
               "(resolution_working_days, quy ước nội bộ [U]).")
    p.timer("Timer_pakn_resolve_unit", "Hạn giải quyết", "Task_pakn_resolve_unit",
            time_date="resolution_due")
    p.user("Task_pakn_resolve_head", "Thủ trưởng xem xét, giải quyết", L_HEAD, P_RESOLVE, 4,
           form=RESOLVE_FORM,
           doc="Thủ trưởng trực tiếp xem xét, giải quyết (Luật Tiếp công dân Điều 26 khoản 2 [C]).")
    p.timer("Timer_pakn_resolve_head", "Hạn giải quyết", "Task_pakn_resolve_head",
            time_date="resolution_due")
    _late_check(p, "Script_pakn_late_check_resolved", L_HANDLING, P_RESOLVE, 5)
    p.xor("Gw_pakn_meeting", "Cần gặp gỡ, đối thoại?", L_HANDLING, P_RESOLVE, 6)
    p.user("Task_pakn_meeting", "Gặp gỡ, đối thoại với người gửi", L_HEAD, P_DIALOGUE, 0,
           form=[_date("meeting_on", "Ngày gặp gỡ, đối thoại"),
                 _text("meeting_participants", "Thành phần tham dự"),
                 _text("meeting_minutes", "Nội dung, kết quả (biên bản)", required=True)],
           doc="Không bắt buộc đối với kiến nghị, phản ánh: người đứng đầu tiếp xúc, đối thoại trực "
               "tiếp với người dân khi cần (Quy định 11-QĐi/TW, sửa đổi bởi Kết luận 215-KL/TW).")
    p.timer("Timer_pakn_meeting", "Hạn giải quyết", "Task_pakn_meeting", time_date="resolution_due")
    _late_check(p, "Script_pakn_late_check_met", L_HEAD, P_DIALOGUE, 1)
    p.xor("Gw_pakn_meeting_done", "Sẵn sàng trả lời", L_HANDLING, P_ANSWER, 0)

    p.flow("Gw_pakn_notice_done", "Task_pakn_consider")
    p.flow("Task_pakn_consider", "Script_pakn_late_check_assign")
    p.flow("Script_pakn_late_check_assign", "Gw_pakn_mode")
    p.flow("Gw_pakn_mode", "Task_pakn_resolve_head", name="Thủ trưởng",
           condition='handling_mode == "self"')
    p.flow("Gw_pakn_mode", "Task_pakn_resolve_unit", name="Giao đơn vị",
           condition='handling_mode == "assign"')
    p.flow("Task_pakn_resolve_unit", "Script_pakn_late_check_resolved")
    p.flow("Task_pakn_resolve_head", "Script_pakn_late_check_resolved")
    p.flow("Script_pakn_late_check_resolved", "Gw_pakn_meeting")
    p.flow("Gw_pakn_meeting", "Task_pakn_meeting", name="Có", condition="need_meeting == True")
    p.flow("Gw_pakn_meeting", "Gw_pakn_meeting_done", name="Không", condition="need_meeting == False")
    p.flow("Task_pakn_meeting", "Script_pakn_late_check_met")
    p.flow("Script_pakn_late_check_met", "Gw_pakn_meeting_done")


def _answer(p: Process) -> None:
    p.user("Task_pakn_answer", "Ký, gửi văn bản trả lời người gửi", L_HEAD, P_ANSWER, 1,
           form=[_string("answer_number", "Số văn bản trả lời", required=True),
                 _date("answer_date", "Ngày trả lời"),
                 _text("answer_summary", "Tóm tắt nội dung trả lời"),
                 _bool("publish_answer", "Công khai văn bản trả lời")],
           doc="Trả lời bằng văn bản cho người gửi trong thời hạn giải quyết (resolution_working_days "
               "[U]); thủ trưởng quyết định có công khai hay không.")
    p.timer("Timer_pakn_answer", "Hạn giải quyết", "Task_pakn_answer", time_date="resolution_due")
    p.xor("Gw_pakn_publish", "Công khai?", L_HEAD, P_ANSWER, 2)
    p.user("Task_pakn_publish", "Công khai văn bản trả lời", L_HANDLING, P_PUBLISH, 0,
           form=[Field("publication_form", "enum", "Hình thức công khai", required=True, choices=[
                     ("portal", "Cổng/Trang thông tin điện tử"),
                     ("posting", "Niêm yết tại trụ sở, nơi tiếp công dân"),
                     ("meeting", "Thông báo tại cuộc họp"),
                     ("media", "Phương tiện thông tin đại chúng")]),
                 _date("published_on", "Ngày công khai"),
                 _text("publication_note", "Ghi chú")],
           doc="Không bắt buộc theo luật đối với kiến nghị, phản ánh: công khai khi thủ trưởng quyết "
               "định. Không công khai thông tin cá nhân của người gửi (Luật Tiếp công dân Điều 25).")
    p.xor("Gw_pakn_publish_done", "Hoàn tất trả lời", L_HANDLING, P_END, 0)
    p.script("Script_pakn_close", "Tính hạn báo cáo nơi chuyển đơn", L_HANDLING, P_END, 1,
             CLOSE_SCRIPT,
             doc="Đơn do đại biểu, Mặt trận Tổ quốc, cơ quan báo chí, cơ quan khác chuyển đến: thông "
                 "báo kết quả cho nơi chuyển trong 07 ngày làm việc (Luật Tiếp công dân Điều 27 khoản "
                 "2 [C]).")
    p.xor("Gw_pakn_forwarder", "Phải báo cáo nơi chuyển đơn?", L_HANDLING, P_END, 2)
    p.user("Task_pakn_reply_forwarder", "Thông báo kết quả cho cơ quan, người chuyển đơn",
           L_HANDLING, P_END, 3, row=1,
           form=[_string("forwarder_reply_number", "Số văn bản thông báo", required=True),
                 _date("forwarder_reply_on", "Ngày gửi")],
           doc="Trong 07 ngày làm việc kể từ ngày có kết quả (Luật Tiếp công dân Điều 27 khoản 2 "
               "[C]).")
    p.timer("Timer_pakn_forwarder", "Hạn báo cáo nơi chuyển đơn", "Task_pakn_reply_forwarder",
            time_date="forwarder_reply_due")
    p.script("Script_pakn_replied", "Ghi nhận đã báo cáo nơi chuyển đơn", L_HANDLING, P_END, 4,
             "forwarder_replied = True", row=1)
    p.end("End_pakn_done", "Đã trả lời, đã báo cáo", L_HANDLING, P_END, 5, row=1)
    p.end("End_pakn_answered", "Đã trả lời", L_HANDLING, P_END, 3)

    p.flow("Gw_pakn_meeting_done", "Task_pakn_answer")
    p.flow("Task_pakn_answer", "Gw_pakn_publish")
    p.flow("Gw_pakn_publish", "Task_pakn_publish", name="Có", condition="publish_answer == True")
    p.flow("Gw_pakn_publish", "Gw_pakn_publish_done", name="Không",
           condition="publish_answer == False")
    p.flow("Task_pakn_publish", "Gw_pakn_publish_done")
    p.flow("Gw_pakn_publish_done", "Script_pakn_close")
    p.flow("Script_pakn_close", "Gw_pakn_forwarder")
    p.flow("Gw_pakn_forwarder", "Task_pakn_reply_forwarder", name="Có",
           condition="reply_to_forwarder == True")
    p.flow("Gw_pakn_forwarder", "End_pakn_answered", name="Không",
           condition="reply_to_forwarder == False")
    p.flow("Task_pakn_reply_forwarder", "Script_pakn_replied")
    p.flow("Script_pakn_replied", "End_pakn_done")


def _breach(p: Process, prefix: str, phase: int, col: int, row: int, flag: str, name: str,
            doc: str) -> str:
    """Script setting the breach flag -> head-of-unit report -> end; returns the script id."""
    script = f"Script_pakn_{prefix}_overdue"
    task = f"Task_pakn_report_{prefix}_late"
    end = f"End_pakn_{prefix}_late"
    p.script(script, "Ghi nhận quá hạn", L_HEAD, phase, col, f"{flag} = True", row=row)
    p.user(task, name, L_HEAD, phase, col + 1, row=row,
           form=_delay_report(prefix), doc=doc)
    p.end(end, "Đã báo cáo", L_HEAD, phase, col + 2, row=row)
    p.flow(script, task)
    p.flow(task, end)
    return script


def _breaches(p: Process) -> None:
    """Non-interrupting deadlines: the work stays open, the head of unit gets a report task."""
    notice = _breach(p, "notice", P_CLASSIFY, 4, 1, "notice_overdue", "Báo cáo chậm thông báo",
                     "Quá 10 ngày làm việc chưa thông báo cho người gửi (Luật Tiếp công dân Điều 28 "
                     "khoản 1 [C]).")
    p.flow("Timer_pakn_notice", notice)
    refusal = _breach(p, "refusal", P_CLASSIFY, 3, 2, "refusal_overdue",
                      "Báo cáo chậm thông báo từ chối",
                      "Quá 03 ngày làm việc chưa thông báo từ chối kiến nghị, phản ánh trùng [S].")
    p.flow("Timer_pakn_refusal", refusal)
    forwarder = _breach(p, "forwarder_reply", P_END, 4, 1, "forwarder_reply_overdue",
                        "Báo cáo chậm trả lời nơi chuyển đơn",
                        "Quá 07 ngày làm việc chưa thông báo kết quả cho nơi chuyển đơn (Luật Tiếp "
                        "công dân Điều 27 khoản 2 [C]).")
    p.flow("Timer_pakn_forwarder", forwarder)

    # One resolution deadline guards every step from consideration to the signed answer; only the
    # step open when it passes reports (a later step opened after it passed ends silently).
    p.xor("Gw_pakn_resolution_late", "Đã báo cáo quá hạn?", L_HEAD, P_ANSWER, 2, row=3)
    for timer in ("Timer_pakn_consider", "Timer_pakn_resolve_unit", "Timer_pakn_resolve_head",
                  "Timer_pakn_meeting", "Timer_pakn_answer"):
        p.flow(timer, "Gw_pakn_resolution_late")
    p.end("End_pakn_resolution_known", "Đã báo cáo ở bước trước", L_HEAD, P_ANSWER, 3, row=4)
    p.script("Script_pakn_resolution_overdue", "Ghi nhận quá hạn", L_HEAD, P_PUBLISH, 0,
             "resolution_overdue = True", row=3)
    p.user("Task_pakn_report_resolution_late", "Báo cáo chậm giải quyết", L_HEAD, P_END, 0, row=3,
           form=_delay_report("resolution"),
           doc="Quá thời hạn giải quyết resolution_working_days (quy ước nội bộ [U]) mà chưa có văn "
               "bản trả lời.")
    p.end("End_pakn_resolution_late", "Đã báo cáo", L_HEAD, P_END, 1, row=3)
    p.flow("Gw_pakn_resolution_late", "End_pakn_resolution_known", name="Đã báo cáo",
           condition="resolution_late_known == True")
    p.flow("Gw_pakn_resolution_late", "Script_pakn_resolution_overdue", name="Chưa",
           condition="resolution_late_known == False")
    p.flow("Script_pakn_resolution_overdue", "Task_pakn_report_resolution_late")
    p.flow("Task_pakn_report_resolution_late", "End_pakn_resolution_late")


if __name__ == "__main__":
    import sys

    from tools.build_processes import ROOT, write_module

    for written in write_module(sys.modules[__name__]):
        print(f"wrote {written.relative_to(ROOT)}")
