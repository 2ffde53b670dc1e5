"""What the demo commune's officers type at each step: one entry per task, in one place.

When a process's form changes (a field renamed, a new required field, a new date rule), the fix is
the one line below; the seed names the task and the field the form refused (demo_cases.py).
The table holds the steps the story takes (tests/integration/test_demo_cases.py runs them all).
Dates are relative to the day the step is done (``Ago(0)`` is that day), so the same table fits
every case of the story. A case may override single values (demo_cases_story.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Mapping


@dataclass(frozen=True)
class Ago:
    """A date (or, with ``hour``, a date and time) ``days`` before the day the step is done;
    negative days lie ahead (a planned meeting)."""
    days: int = 0
    hour: int | None = None

    def on(self, today: date) -> str:
        day = today - timedelta(days=self.days)
        return day.isoformat() if self.hour is None else \
            f"{day.isoformat()}T{self.hour:02d}:00:00+07:00"  # Hà Nội time


TODAY = Ago(0)

# Classification facts of an eligible letter within the commune's competence (route "accept").
FACTS = {
    "petition_type": "complaint", "in_vietnamese": True, "has_identity": True, "anonymous": False,
    "within_competence": True, "already_sent_to_competent": False, "already_guided": False,
    "already_transferred": False, "resolved_nothing_new": False, "crime_signs": False,
    "party_member": False, "concrete_content": True,
    "proposal_note": "Đơn đủ điều kiện, thuộc thẩm quyền của Chủ tịch UBND xã",
}

FORMS: dict[str, dict[str, Any]] = {
    # ---- intake (petition_intake) ---------------------------------------------------------------
    "Task_classify": FACTS,
    "Task_approve_route": {"approve": True, "approval_note": "Đồng ý hướng xử lý đề xuất"},
    "Task_intake_inspection_info": {"info_recipient": "Thanh tra tỉnh An Giang",
                                    "info_sent_on": TODAY},
    # ---- complaint ------------------------------------------------------------------------------
    "Task_kn_receive": {
        "complaint_form": "letter", "respondent": "Chủ tịch UBND xã An Phú",
        "contested_act": "Quyết định số 120/QĐ-UBND về thu hồi đất", "decision_known_on": Ago(20),
        "complaint_request": "Hủy quyết định, bồi thường theo giá thị trường",
        "documents_received": "Bản sao quyết định 120/QĐ-UBND", "receipt_number": "BN-UBND"},
    "Task_kn_classify": {"complaint_level": "first", "complainants_status": "single",
                         "acceptance": "accept",
                         "proposal_note": "Đủ điều kiện thụ lý theo Điều 11 Luật Khiếu nại"},
    "Task_kn_accept": {"accepted_on": TODAY, "acceptance_notice_number": "TB-UBND",
                       "complex_case": False,
                       "verification_assignee": "Tổ công tác công chức Địa chính xã",
                       "acceptance_notice_recipients": ["complainant", "inspectorate"]},
    "Task_kn_verify": {"verification_report_number": "BC-TXM", "verification_report_date": TODAY,
                       "findings": "Diện tích thu hồi đúng bản đồ địa chính; đơn giá bồi thường "
                                   "áp dụng bảng giá năm 2025",
                       "findings_match_request": False},
    "Task_kn_assess": {"case_event": "proceed", "assessment_note": "Đề nghị tổ chức đối thoại"},
    "Task_kn_dialogue_notice": {
        "notice_sent_on": TODAY, "dialogue_date": Ago(-7, hour=8),
        "dialogue_place": "Trụ sở UBND xã An Phú",
        "dialogue_participants": "Chủ tịch UBND xã, người khiếu nại, công chức Địa chính"},
    "Task_kn_dialogue": {"dialogue_result": "held", "dialogue_held_on": TODAY,
                         "minutes_number": "BB-ĐT", "minutes_signed": True,
                         "dialogue_summary": "Các bên trình bày ý kiến; thống nhất đơn giá "
                                             "bổ sung"},
    "Task_kn_decide": {"decision_number": "QĐ-UBND", "decision_date": TODAY,
                       "decision_result": "partly_correct",
                       "decision_content": "Giữ nguyên việc thu hồi, điều chỉnh đơn giá bồi thường",
                       "publish_decision": True},
    "Task_kn_send_decision": {"sent_on": TODAY,
                              "recipients": ["complainant", "superior", "inspectorate"]},
    "Task_kn_publish": {"publication_form": "posting", "published_on": TODAY,
                        "publication_start": TODAY},
    "Task_kn_publication_end": {"publication_end": TODAY},
    "Task_kn_followup_choice": {"followup_choice": "none",
                                "followup_none_reason": "Quyết định giữ nguyên, không có việc "
                                                        "phải thi hành"},
    "Task_kn_report_overdue": {
        "overdue_report": "Tổ xác minh chờ ý kiến của Văn phòng đăng ký đất đai về ranh giới thửa",
        "overdue_instruction": "Hoàn thành xác minh, trình dự thảo quyết định trong 05 ngày",
        "responsible_person": "Hoàng Văn Minh"},
    # ---- denunciation ---------------------------------------------------------------------------
    "Task_den_register": {"denunciation_register_number": "TC-2026", "initial_extended": False},
    "Task_den_classify": {
        "resolver_competent": True, "sent_to_competent_body": False,
        "already_transferred_or_guided": False, "conditions_met": True,
        "accused_name": "Trần Văn Bình", "accused_position": "Công chức Địa chính - Xây dựng xã",
        "denunciation_content": "Thu tiền đo đạc không có trong quy định khi xác nhận hồ sơ"},
    "Task_den_accept": {"acceptance_number": "QĐ-UBND", "accepted_on": TODAY},
    "Task_den_notify_accept": {"notice_denouncer_number": "TB-UBND",
                               "notice_accused_number": "TB-UBND", "notices_sent_on": TODAY},
    "Task_den_team": {"team_decision_number": "QĐ-UBND",
                      "team_members": "Ông Hoàng Văn Minh (tổ trưởng), bà Vũ Thị Khai",
                      "team_size": 2, "team_no_conflict": "checked"},
    "Task_den_plan": {"plan_summary": "Xác minh sổ thu tiền, làm việc với hai bên"},
    "Task_den_session": {"session_on": TODAY, "session_minutes_number": "BB-01",
                         "denouncer_attended": True,
                         "session_information": "Cung cấp 03 biên lai thu tiền"},
    "Task_den_accused": {"explanation_on": TODAY,
                         "explanation_summary": "Thừa nhận có thu tiền, cho là phí đo đạc"},
    "Task_den_report": {"report_number": "BC-TXM", "report_on": TODAY,
                        "findings": "Thu 03 khoản không có căn cứ", "proposed_outcome": "true",
                        "verification_crime_signs": False},
    "Task_den_progress": {"progress_decision": "conclude"},
    "Task_den_conclusion": {"conclusion_number": "KL-UBND", "concluded_on": TODAY,
                            "conclusion_outcome": "true",
                            "conclusion_summary": "Tố cáo đúng; yêu cầu hoàn trả tiền đã thu",
                            "crime_signs_conclusion": False},
    "Task_den_send_conclusion": {"conclusion_sent_on": TODAY,
                                 "conclusion_recipients": "Người bị tố cáo; UBND huyện",
                                 "denouncer_informed": True},
    "Task_den_sanction": {"sanction_measures": "Kiểm điểm, khiển trách công chức; hoàn trả tiền đã "
                                               "thu cho người dân", "sanction_on": TODAY},
    "Task_den_publish": {"publication_form": "meeting", "published_on": TODAY,
                         "publication_place": "Hội trường UBND xã An Phú"},
    "Task_den_close": {"closed_on": TODAY, "archive_number": "HS-TC"},
    # ---- follow-up of a decision or conclusion in force (decision_followup) ---------------------
    "Task_df_plan": {"followup_unit_1": "ubnd-xa-demo",
                     "followup_action_1": "Hoàn trả tiền đã thu, kiểm điểm người vi phạm",
                     "followup_due_1": Ago(-20),
                     "followup_plan_note": "Công chức Văn phòng - Thống kê theo dõi"},
    "Task_df_track": {"track_action": "reported", "track_note": "Đơn vị đã báo cáo"},
    "Task_df_urge": {"urging_on": TODAY, "urging_form": "written", "urging_reference": "ĐĐ-UBND",
                     "urging_content": "Đề nghị khẩn trương thi hành, báo cáo kết quả"},
    "Task_df_report": {"implementation_report_number": "BC-UBND",
                       "implementation_reported_on": TODAY,
                       "implementation_summary": "Đã hoàn trả tiền, tổ chức kiểm điểm",
                       "implementation_complete": True},
    # ---- recommendation and feedback ------------------------------------------------------------
    "Task_pakn_review": {"repeated_answered": False},
    "Task_pakn_notice": {"notice_number": "TB-UBND", "sent_on": TODAY},
    "Task_pakn_consider": {"handling_mode": "self"},
    "Task_pakn_resolve_head": {"resolution_summary": "Đã chỉ đạo sửa chữa trước mùa mưa",
                               "need_meeting": False},
    "Task_pakn_answer": {"answer_number": "UBND-VP", "answer_date": TODAY,
                         "publish_answer": False},
    "Task_pakn_reply_forwarder": {"forwarder_reply_number": "UBND-VP",
                                  "forwarder_reply_on": TODAY},
}


def form_data(bpmn_id: str, today: date, overrides: Mapping[str, Any] | None = None) -> dict:
    """The values for ``bpmn_id`` on ``today``; a KeyError names a step the table lacks."""
    if bpmn_id not in FORMS:
        raise KeyError(bpmn_id)
    values = {**FORMS[bpmn_id], **(overrides or {})}
    return {name: value.on(today) if isinstance(value, Ago) else value
            for name, value in values.items()}
