"""The demo commune's letters: who wrote, what about, and how far each got (fictitious people).

Each case starts ``ago`` days before the seed's day and runs its steps in order: ``Do`` completes
a ready task after ``after`` days with the form data of demo_cases_forms.py (``data`` overrides
single values), by the demo officer of the step's role; ``Wait`` lets days pass and runs the
sweep (due timers, then reminders and escalations), as the worker would. Together they reach
every main state: just received, in verification, waiting for dialogue, decided, published,
closed, overdue, escalated; a sealed denunciation followed up after its conclusion (with one
urging), an anonymous, a forwarded and an online letter. The people and the commune are
fictitious; the identity numbers use the An Giang province code and are invented.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROVINCE = "91"   # An Giang
WARD = "30337"    # Xã An Phú


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    phone: str
    hamlet: str

    @property
    def address(self) -> str:
        return f"{self.hamlet}, xã An Phú, tỉnh An Giang"


@dataclass(frozen=True)
class Do:
    """Done by the demo user who holds the step's lane role (petitions/demo.py, DEMO_USERS)."""
    task: str
    after: int = 1
    data: dict[str, Any] = field(default_factory=dict)
    issue: bool = False           # also issue the forms the step offers (required ones always)


@dataclass(frozen=True)
class Wait:
    days: int


@dataclass(frozen=True)
class Case:
    key: str                      # what the case shows (tests and the seed's report name it)
    kind: str                     # petition type as registered at the desk
    field: str
    summary: str
    ago: int                      # received this many days before the seed's day
    sender: Person | None         # None: an anonymous letter
    channel: str = "direct"
    forwarded_by: str | None = None
    forwarder_kind: str = "none"
    online: bool = False
    steps: tuple = ()


P = Person  # the table below reads as a register
LAN = P("Nguyễn Thị Lan", "089185000101", "0918000101", "Ấp Phú Hữu")
HUNG = P("Trần Văn Hùng", "089172000102", "0918000102", "Ấp Phú Hiệp")
MAI = P("Lê Thị Mai", "089190000103", "0918000103", "Ấp Phú Thạnh")
HOA = P("Võ Thị Hoa", "089177000105", "0918000105", "Ấp Phú Hữu")
TUAN = P("Huỳnh Minh Tuấn", "089183000106", "0918000106", "Ấp Phú Thạnh")
NGOC = P("Đặng Thị Ngọc", "089195000107", "0918000107", "Ấp Phước Khánh")
THANH = P("Bùi Văn Thành", "089160000108", "0918000108", "Ấp Phú Hiệp")
SANG = P("Ngô Văn Sáng", "089175000109", "0918000109", "Ấp Phú Hữu")
YEN = P("Châu Thị Yến", "089188000110", "0918000110", "Ấp Phú Thạnh")
KHOA = P("Lâm Quốc Khoa", "089181000111", "0918000111", "Ấp Phước Khánh")
SON = P("Dương Văn Sơn", "089166000114", "0918000114", "Ấp Phú Hiệp")

INTAKE = (Do("Task_classify"), Do("Task_approve_route", 0))
KN_START = INTAKE + (Do("Task_kn_receive", 0, issue=True), Do("Task_kn_classify"),
                     Do("Task_kn_accept", 1, issue=True))
KN_DIALOGUE = KN_START + (Do("Task_kn_verify", 12), Do("Task_kn_assess", 1),
                          Do("Task_kn_dialogue_notice", 1))
KN_HELD = KN_DIALOGUE + (Do("Task_kn_dialogue", 7), Do("Task_kn_assess", 1))
KN_DECIDED = KN_HELD + (Do("Task_kn_decide", 3, issue=True),)
KN_PUBLISHED = KN_DECIDED + (Do("Task_kn_send_decision", 2), Do("Task_kn_publish", 2), Wait(18),
                             Do("Task_kn_publication_end", 0))
DEN = {"petition_type": "denunciation"}
TC_START = (Do("Task_classify", data=DEN), Do("Task_approve_route", 0),
            Do("Task_den_register", 1), Do("Task_den_classify", 1),
            Do("Task_den_accept", 1), Do("Task_den_notify_accept", 1))
TC_VERIFY = TC_START + (Do("Task_den_team", 2), Do("Task_den_plan", 1))
TC_CLOSED = TC_VERIFY + (
    Do("Task_den_session", 5), Do("Task_den_accused", 4),
    Do("Task_den_report", 6), Do("Task_den_progress", 1),
    Do("Task_den_conclusion", 1, issue=True), Do("Task_den_send_conclusion", 1),
    Do("Task_den_sanction", 0),
    Do("Task_den_publish", 1), Do("Task_df_plan", 1),
    Do("Task_df_track", 7, {"track_action": "urge", "track_note": "Chưa có báo cáo"}),
    Do("Task_df_urge", 0), Do("Task_df_track", 5), Do("Task_df_report", 0), Do("Task_den_close", 2))


def _pakn(kind: str) -> tuple:
    return (Do("Task_classify", data={"petition_type": kind}),
            Do("Task_approve_route", 0), Do("Task_pakn_review", 1),
            Do("Task_pakn_notice", 1), Do("Task_pakn_consider", 2),
            Do("Task_pakn_resolve_head", 5), Do("Task_pakn_answer", 2))


CASES = [
    Case("closed_complaint", "complaint", "land_housing",
         "Khiếu nại Quyết định thu hồi đất số 120/QĐ-UBND vì bồi thường thấp hơn giá thị trường",
         88, LAN, steps=KN_HELD + (
             Do("Task_kn_decide", 3, issue=True, data={
                 "publish_decision": False, "decision_result": "wrong",
                 "decision_content": "Giữ nguyên Quyết định 120/QĐ-UBND"}),
             Do("Task_kn_send_decision", 2), Wait(31), Do("Task_kn_followup_choice", 0))),
    Case("closed_denunciation", "denunciation", "corruption",
         "Tố cáo cán bộ địa chính xã thu tiền đo đạc trái quy định khi xác nhận hồ sơ đất",
         85, HUNG, channel="post", steps=TC_CLOSED),
    Case("answered_recommendation", "recommendation", "policy",
         "Kiến nghị sửa chữa cầu tràn ấp Phú Hữu trước mùa mưa", 62, MAI,
         steps=_pakn("recommendation")),
    Case("published_complaint", "complaint", "land_housing",
         "Khiếu nại việc cấp giấy chứng nhận quyền sử dụng đất chồng lấn ranh giới", 54, THANH,
         steps=KN_PUBLISHED),
    Case("decided_complaint", "complaint", "policy",
         "Khiếu nại việc bị loại khỏi danh sách hộ cận nghèo năm 2026", 45, HOA,
         steps=KN_HELD + (Do("Task_kn_decide", 3, issue=True, data={"publish_decision": False}),
                          Do("Task_kn_send_decision", 2))),
    Case("forwarded_feedback", "feedback", "other",
         "Phản ánh đèn chiếu sáng đường liên ấp Phú Thạnh hỏng nhiều ngày", 45, TUAN,
         channel="forwarded", forwarder_kind="deputy",
         forwarded_by="Đại biểu HĐND huyện Châu Văn Lộc",
         steps=_pakn("feedback") + (Do("Task_pakn_reply_forwarder", 1),)),
    Case("escalated_complaint", "complaint", "land_housing",
         "Khiếu nại việc UBND xã cho thuê đất công ích không qua đấu giá", 48, SON,
         steps=KN_START + (Wait(45), Do("Task_kn_report_overdue", 0))),
    Case("dialogue_complaint", "complaint", "land_housing",
         "Khiếu nại quyết định xử phạt vi phạm hành chính về xây dựng nhà ở", 22, NGOC,
         steps=KN_DIALOGUE),
    Case("verifying_denunciation", "denunciation", "corruption",
         "Tố cáo trưởng ấp thu tiền hỗ trợ hộ nghèo không đúng đối tượng", 30, SANG,
         steps=TC_VERIFY + (Do("Task_den_session", 5),)),
    Case("anonymous_denunciation", "denunciation", "other",
         "Thư không ký tên phản ánh việc đổ trộm rác thải ra kênh ấp Phước Khánh", 24, None,
         channel="suggestion_box", steps=(
             Do("Task_classify", data={"petition_type": "denunciation", "anonymous": True,
                                       "has_identity": False}),
             Do("Task_approve_route", 0), Do("Task_intake_inspection_info", 2))),
    Case("verifying_complaint", "complaint", "policy",
         "Khiếu nại việc chậm chi trả trợ cấp người có công tháng 9 và tháng 10", 20, YEN,
         steps=KN_START),
    Case("overdue_feedback", "feedback", "other",
         "Phản ánh mùi hôi từ cơ sở chăn nuôi heo gần trường tiểu học An Phú", 20, KHOA,
         steps=_pakn("feedback")[:3]),
    Case("online_feedback", "feedback", "other",
         "Phản ánh đường vào ấp Phú Hiệp ngập nước sau mưa, học sinh đi lại khó khăn", 1,
         P("Trương Thị Kim", "089199000112", "0918000112", "Ấp Phú Hiệp"), online=True),
    Case("received_complaint", "complaint", "land_housing",
         "Khiếu nại việc UBND xã chưa trả lời đơn xin tách thửa đất ở", 0,
         P("Mai Văn Lộc", "089170000113", "0918000113", "Ấp Phú Hữu")),
]
