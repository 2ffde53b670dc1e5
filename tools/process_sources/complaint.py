"""Process ``complaint``: first and second complaints (khiếu nại lần đầu, lần hai).

Luật Khiếu nại 02/2011/QH13 (LKN) as amended by Luật 136/2025/QH15, with TT 07/2013/TT-TTCP,
NĐ 124/2020/NĐ-CP, NĐ 31/2019/NĐ-CP, NĐ 75/2012/NĐ-CP and NĐ 155/2026 [S]. The intake process calls it
through a call activity; standalone runs pass the intake data as start data. The step-by-step
description, deadlines, sources and the configurable acceptance rule are in
docs/processes/complaint.md.

Deadline windows and duplicate alerts
-------------------------------------
A legal period covering several tasks (acceptance, resolution) puts the same non-interrupting
boundary timer on every task of the window. When a task of the window is entered after the
deadline, its timer fires at once; the breach was already reported by the task that was open when
the deadline passed. Each window therefore keeps a flag ``<window>_late_on_entry``: ``False`` when
the window opens, recomputed as ``today() > <window>_due_day`` by the script that follows every
guarded task. The breach path records the breach every time but gives the head of unit a report
task only when the flag is false (gateway ``Gateway_kn_breach``).

Run ``python -m tools.process_sources.complaint`` to regenerate processes/complaint/complaint.bpmn.
"""
from __future__ import annotations

from pathlib import Path

from tools.bpmn_builder import Field, Process
from tools.process_sources._documents import attach as attach_documents

FOLDER = "complaint"
KEY = "complaint"
OUTPUT = Path(__file__).resolve().parents[2] / "processes" / FOLDER / f"{KEY}.bpmn"

# ---- lanes (rows of the diagram, top to bottom) --------------------------------------------------
RECEPTION, HANDLING, VERIFY, PUBLISH, HEAD = (
    "Lane_kn_reception", "Lane_kn_handling", "Lane_kn_verification", "Lane_kn_publication",
    "Lane_kn_head")

# ---- configurable acceptance rule (docs/processes/complaint.md, "Quy tắc thời hạn thụ lý") ------
ACCEPT_RULES = {
    "earliest": "Ngày sớm nhất trong các quy tắc đang có hiệu lực (mặc định)",
    "lkn_2011": "10 ngày (LKN Điều 27)",
    "tt_07_2013": "10 ngày làm việc (TT 07/2013 Điều 5)",
    "nd_155_2026": "07 ngày làm việc (NĐ 155/2026, từ 01/07/2026)",
}
DEFAULT_ACCEPT_RULE = "earliest"
ND155_EFFECTIVE_FROM = "2026-07-01"

# ---- choice lists ----------------------------------------------------------------------------------
LEVELS = [("first", "Khiếu nại lần đầu"), ("second", "Khiếu nại lần hai")]
COMPLAINANTS = [
    ("single", "Một người khiếu nại"),
    ("many_ready", "Nhiều người khiếu nại: đã ký đủ và cử người đại diện bằng văn bản"),
    ("many_incomplete", "Nhiều người khiếu nại: chưa ký đủ hoặc chưa cử người đại diện bằng văn bản"),
]
FORMS_OF_COMPLAINT = [
    ("letter", "Đơn khiếu nại"),
    ("oral", "Khiếu nại trực tiếp (đã ghi lại nội dung, người khiếu nại ký hoặc điểm chỉ)"),
]
ACCEPTANCE = [
    ("accept", "Đề xuất thụ lý giải quyết"),
    ("need_completion", "Chưa thụ lý: hướng dẫn ký đủ đơn, cử người đại diện bằng văn bản"),
    ("refuse", "Đề xuất không thụ lý (nêu căn cứ tại Điều 11 Luật Khiếu nại)"),
]
OBSTACLES = [  # LKN Điều 9: time not counted in the time limit to complain
    ("illness", "Ốm đau"),
    ("disaster", "Thiên tai"),
    ("war", "Địch họa"),
    ("work_travel", "Đi công tác ở nơi xa"),
    ("study_far", "Học tập ở nơi xa"),
    ("other_objective", "Trở ngại khách quan khác"),
]
REFUSAL_GROUNDS = [  # LKN Điều 11, khoản 1-9
    ("k1_noi_bo_quy_pham_mat",
     "Khoản 1: quyết định, hành vi hành chính trong nội bộ cơ quan nhà nước, trong chỉ đạo điều "
     "hành của cấp trên với cấp dưới, có chứa quy phạm pháp luật hoặc thuộc bí mật nhà nước"),
    ("k2_khong_lien_quan_truc_tiep",
     "Khoản 2: quyết định, hành vi bị khiếu nại không liên quan trực tiếp đến quyền, lợi ích hợp "
     "pháp của người khiếu nại"),
    ("k3_khong_nang_luc",
     "Khoản 3: người khiếu nại không có năng lực hành vi dân sự đầy đủ mà không có người đại diện "
     "hợp pháp"),
    ("k4_dai_dien_khong_hop_phap", "Khoản 4: người đại diện không hợp pháp thực hiện khiếu nại"),
    ("k5_khong_chu_ky", "Khoản 5: đơn khiếu nại không có chữ ký hoặc điểm chỉ của người khiếu nại"),
    ("k6_het_thoi_hieu",
     "Khoản 6: thời hiệu, thời hạn khiếu nại đã hết mà không có lý do chính đáng"),
    ("k7_da_co_quyet_dinh_lan_hai",
     "Khoản 7: khiếu nại đã có quyết định giải quyết khiếu nại lần hai"),
    ("k8_sau_dinh_chi_30_ngay",
     "Khoản 8: có văn bản thông báo đình chỉ việc giải quyết khiếu nại mà sau 30 ngày người khiếu "
     "nại không tiếp tục khiếu nại"),
    ("k9_toa_an",
     "Khoản 9: việc khiếu nại đã được Tòa án thụ lý hoặc đã được giải quyết bằng bản án, quyết "
     "định của Tòa án"),
]
COMPLEX_CRITERIA = [  # NĐ 31/2019 Điều 3.2 (same list for complaints in NĐ 155/2026 [S])
    ("multi_locations", "Phải xác minh ở từ 02 địa điểm trở lên"),
    ("multi_contents", "Có từ 02 nội dung trở lên"),
    ("many_complainants", "Nhiều người cùng khiếu nại"),
    ("foreign_element", "Có yếu tố nước ngoài"),
    ("multi_agencies", "Liên quan đến trách nhiệm của nhiều cơ quan, tổ chức"),
    ("agencies_disagree", "Các cơ quan, tổ chức có liên quan có ý kiến khác nhau"),
    ("conflicting_evidence", "Tình tiết, chứng cứ mâu thuẫn"),
]
CASE_EVENTS = [
    ("proceed", "Tiếp tục giải quyết (đối thoại nếu bắt buộc, dự thảo quyết định)"),
    ("reverify", "Xác minh bổ sung"),
    ("suspend", "Đề nghị tạm đình chỉ giải quyết (LKN Điều 11a)"),
    ("withdraw_partial", "Một số người khiếu nại rút khiếu nại: tiếp tục giải quyết cho người còn lại"),
    ("terminate", "Đề nghị đình chỉ: rút toàn bộ khiếu nại hoặc căn cứ đình chỉ khác (LKN Điều 10, 11a)"),
]
SUSPENSION_REASONS = [
    ("force_majeure", "Sự kiện bất khả kháng, trở ngại khách quan"),
    ("awaiting_result", "Chờ kết quả giải quyết của cơ quan, tổ chức, cá nhân khác có liên quan"),
]
TERMINATION_REASONS = [
    ("withdrawn", "Người khiếu nại rút toàn bộ khiếu nại bằng văn bản"),
    ("complainant_died", "Người khiếu nại chết mà không có người thừa kế quyền, nghĩa vụ"),
    ("organisation_dissolved", "Cơ quan, tổ chức khiếu nại bị giải thể, phá sản mà không có người "
                               "kế thừa quyền, nghĩa vụ"),
]
COMPLETION_RESULTS = [
    ("completed", "Đã ký đủ và có văn bản cử người đại diện"),
    ("not_completed", "Không bổ sung (chuyển ra thông báo không thụ lý)"),
]
DIALOGUE_RESULTS = [
    ("held", "Đã đối thoại"),
    ("absent", "Người khiếu nại vắng mặt không có lý do chính đáng (vẫn tiếp tục giải quyết)"),
    ("postponed", "Hoãn: người khiếu nại vắng mặt có lý do chính đáng (tổ chức lại)"),
]
DECISION_RESULTS = [
    ("correct", "Khiếu nại đúng"),
    ("partly_correct", "Khiếu nại đúng một phần"),
    ("wrong", "Khiếu nại sai"),
]
RECIPIENTS = [  # LKN Điều 32 (lần đầu), Điều 41.1 (lần hai)
    ("complainant", "Người khiếu nại"),
    ("respondent", "Người bị khiếu nại"),
    ("superior", "Thủ trưởng cấp trên trực tiếp của người giải quyết khiếu nại"),
    ("related", "Người có quyền, nghĩa vụ liên quan"),
    ("forwarder", "Cơ quan, tổ chức, cá nhân đã chuyển khiếu nại đến"),
    ("inspectorate", "Cơ quan thanh tra nhà nước cùng cấp"),
]
PUBLICATION_FORMS = [  # LKN Điều 41.2; NĐ 75/2012 Điều 12
    ("meeting", "Công bố tại cuộc họp (thông báo trước ít nhất 03 ngày làm việc)"),
    ("posting", "Niêm yết tại trụ sở làm việc hoặc nơi tiếp công dân (ít nhất 15 ngày liên tục)"),
    ("portal", "Đăng trên cổng/trang thông tin điện tử (ít nhất 15 ngày liên tục)"),
    ("broadcast", "Phát trên đài phát thanh, truyền hình (ít nhất 02 lần)"),
    ("print", "Đăng trên báo in (ít nhất 02 số liên tiếp)"),
]
PHASES = ("Tiếp nhận", "Phân loại, thụ lý", "Xác minh", "Đối thoại", "Quyết định giải quyết",
          "Công khai", "Kết thúc")
FOLLOW_UPS = [
    ("second_complaint", "Người khiếu nại khiếu nại lần hai"),
    ("lawsuit", "Người khiếu nại khởi kiện vụ án hành chính tại Tòa án"),
]
FOLLOWUP_CHOICES = [  # issue 19 §1: asked only when the complaint was wholly wrong
    ("follow", "Lập hồ sơ theo dõi, đôn đốc thi hành"),
    ("none", "Không cần theo dõi: quyết định giữ nguyên, không có việc phải thi hành"),
]


def _accept_due_script() -> str:
    """Acceptance due day from ``accept_from`` under the configured rule (alert on the earliest)."""
    return f"""
accept_due_lkn = add_days(accept_from, 10)
accept_due_tt07 = add_working_days(accept_from, 10)
if accept_from >= nd155_effective_from:
    accept_due_nd155 = add_working_days(accept_from, 7)
else:
    accept_due_nd155 = None
if complaint_accept_rule == "lkn_2011":
    accept_due_day = accept_due_lkn
elif complaint_accept_rule == "tt_07_2013":
    accept_due_day = accept_due_tt07
elif complaint_accept_rule == "nd_155_2026" and accept_due_nd155:
    accept_due_day = accept_due_nd155
else:
    accept_due_day = earliest(accept_due_lkn, accept_due_tt07, accept_due_nd155)
accept_due = deadline(accept_due_day)
"""


INIT_SCRIPT = f"""
# Cấu hình quy tắc thời hạn thụ lý: truyền complaint_accept_rule trong dữ liệu khởi tạo, hoặc sửa
# giá trị mặc định dưới đây. Giá trị: {", ".join(ACCEPT_RULES)}.
try:
    complaint_accept_rule = complaint_accept_rule
except NameError:
    complaint_accept_rule = "{DEFAULT_ACCEPT_RULE}"
nd155_effective_from = "{ND155_EFFECTIVE_FROM}"
try:
    remote_area = remote_area == True
except NameError:
    remote_area = False
accept_from = received_on
completion_rounds = 0
verification_rounds = 0
suspension_count = 0
suspensions = []
partial_withdrawals = []
dialogue_done = False
dialogue_rounds = 0
dialogue_notice_rounds = 0
dialogue_postponements = 0
complainant_absent = False
time_limit_obstacle_days = 0
{_accept_due_script()}
accept_late_on_entry = False
"""

AFTER_CLASSIFY_SCRIPT = """
if complaint_level == "second":
    time_limit_day = add_days(decision_known_on, 45 if remote_area else 30)
else:
    time_limit_day = add_days(decision_known_on, 90)
# Issue 19 §3: the time of an objective obstacle is not counted (LKN Điều 9); past the limit
# without one, the complaint cannot be accepted (Điều 11 khoản 6): Gateway_kn_acceptance.
time_limit_day = add_days(time_limit_day, time_limit_obstacle_days)
time_limit_passed = received_on > time_limit_day
accept_late_on_entry = today() > accept_due_day
"""

COMPLETION_SCRIPT = f"""
completion_rounds = completion_rounds + 1
accept_from = completion_received_on
{_accept_due_script()}
accept_late_on_entry = False
"""

RESOLUTION_DUE_SCRIPT = """
if complaint_level == "second":
    if remote_area:
        resolution_days = 70 if complex_case else 60
    else:
        resolution_days = 60 if complex_case else 45
else:
    if remote_area:
        resolution_days = 60 if complex_case else 45
    else:
        resolution_days = 45 if complex_case else 30
resolution_due_day = add_days(accepted_on, resolution_days)
resolution_due = deadline(resolution_due_day)
resolution_late_on_entry = False
"""

RESUME_SCRIPT = """
resume_valid = resumed_on >= suspended_on
if resume_valid:
    # Đã quá hạn trước khi tạm đình chỉ: quá hạn đã được báo cáo, thời hạn giữ nguyên.
    resolution_late_on_entry = resolution_due_day < suspended_on
    suspensions = suspensions + [{
        "reason": suspension_reason, "decision": suspension_decision_number,
        "suspended_on": suspended_on, "resumed_on": resumed_on,
        "resume_decision": resume_decision_number, "due_before": resolution_due_day,
    }]
    resolution_due_day = resume_deadline(resolution_due_day, suspended_on, resumed_on, working=False)
    resolution_due = deadline(resolution_due_day)
    suspension_count = suspension_count + 1
"""

DIALOGUE_CHECK_SCRIPT = """
dialogue_notice_rounds = dialogue_notice_rounds + 1
dialogue_notice_days = days_between(notice_sent_on, dialogue_date)
dialogue_notice_short = dialogue_notice_days < 5
dialogue_notice_retry = dialogue_notice_short and dialogue_notice_rounds < 3
resolution_late_on_entry = today() > resolution_due_day
"""

AFTER_DIALOGUE_SCRIPT = """
dialogue_rounds = dialogue_rounds + 1
if dialogue_result == "postponed":
    dialogue_postponements = dialogue_postponements + 1
dialogue_reschedule = dialogue_result == "postponed" and dialogue_postponements < 3
if dialogue_reschedule:
    dialogue_notice_rounds = 0
if minutes_signed and not dialogue_reschedule:
    dialogue_done = True
    dialogue_minutes_number = minutes_number
resolution_late_on_entry = today() > resolution_due_day
"""

AFTER_DECISION_SCRIPT = """
resolution_on_time = decision_date <= resolution_due_day
if complaint_level == "second":
    send_due_day = add_days(decision_date, 7)
else:
    send_due_day = add_working_days(decision_date, 3)
send_due = deadline(send_due_day)
publication_required = complaint_level == "second" or publish_decision
publication_due_day = add_days(decision_date, 15)
publication_due = deadline(publication_due_day)
final_day = add_days(decision_date, 45 if remote_area else 30)
final_at = deadline(final_day)
"""

PUBLICATION_CHECK_SCRIPT = """
# Only a posting or a portal entry has an end (Task_kn_publication_end); other forms: one day.
if publication_form != "posting" and publication_form != "portal":
    publication_end = publication_start
publication_days = days_between(publication_start, publication_end) + 1
if publication_form == "meeting":
    publication_ok = True
elif publication_form == "posting" or publication_form == "portal":
    publication_ok = publication_days >= 15
else:
    publication_ok = publication_times >= 2
# Late means started late: a posting is confirmed 15 days after it began, by design.
publication_late_on_entry = publication_start > publication_due_day
"""

LATE_RESOLUTION = "resolution_late_on_entry = today() > resolution_due_day"


def _breach_script(flag: str, due_day: str, label: str, known: str) -> str:
    return (f'{flag} = True\nbreach_deadline = "{label}"\nbreach_due_day = {due_day}\n'
            f"breach_known = {known}")


# Breach funnel: one script per deadline records the breach; Gateway_kn_breach decides the report.
BREACHES = [
    ("Script_kn_accept_overdue", "Ghi nhận quá hạn thụ lý",
     _breach_script("accept_overdue", "accept_due_day", "Thời hạn thụ lý (LKN Điều 27)",
                    "accept_late_on_entry")),
    ("Script_kn_resolution_overdue", "Ghi nhận quá hạn giải quyết",
     _breach_script("resolution_overdue", "resolution_due_day",
                    "Thời hạn giải quyết (LKN Điều 28, 37)", "resolution_late_on_entry")),
    ("Script_kn_suspension_overdue", "Ghi nhận chậm quyết định tạm đình chỉ",
     _breach_script("suspension_decision_overdue", "suspension_decision_due_day",
                    "Quyết định tạm đình chỉ (LKN Điều 11a)", "False")),
    ("Script_kn_termination_overdue", "Ghi nhận chậm quyết định đình chỉ",
     _breach_script("termination_decision_overdue", "termination_decision_due_day",
                    "Quyết định đình chỉ (LKN Điều 11a)", "False")),
    ("Script_kn_send_overdue", "Ghi nhận chậm gửi quyết định",
     _breach_script("send_overdue", "send_due_day", "Gửi quyết định (LKN Điều 32, 41.1)", "False")),
    ("Script_kn_publication_overdue", "Ghi nhận chậm công khai",
     _breach_script("publication_overdue", "publication_due_day",
                    "Công khai quyết định (LKN Điều 41.2)", "publication_late_on_entry")),
]


def build() -> Process:
    """The complaint process with its lanes, phase groups, forms, deadlines and routes."""
    p = Process(KEY, "Giải quyết khiếu nại", documentation=(
        "Giải quyết khiếu nại lần đầu và lần hai theo Luật Khiếu nại 02/2011/QH13 (sửa đổi bởi Luật "
        "136/2025/QH15), TT 07/2013/TT-TTCP, NĐ 124/2020/NĐ-CP, NĐ 31/2019/NĐ-CP, NĐ 75/2012/NĐ-CP. "
        "Dữ liệu vào (từ quy trình tiếp nhận): received_on, remote_area, signers, sender_*, summary, "
        "field, priority_markers, … Thời hạn là bộ hẹn giờ biên không ngắt; vi phạm được ghi nhận "
        "(…_overdue = True) và báo cáo Thủ trưởng đơn vị. Mô tả: docs/processes/complaint.md."))
    p.lane(RECEPTION, "Cán bộ tiếp công dân", "reception_officer")
    p.lane(HANDLING, "Cán bộ xử lý đơn", "handling_officer")
    p.lane(VERIFY, "Tổ xác minh", "verification_team")
    p.lane(PUBLISH, "Cán bộ công khai", "publication_officer")
    p.lane(HEAD, "Thủ trưởng đơn vị", "head_of_unit")
    receive, classify, verify, dialogue, decide, publicise, close = (
        p.phase(name) for name in PHASES)
    _receive_phase(p, receive)
    _classify_phase(p, classify)
    _verification_phase(p, verify)
    _dialogue_phase(p, dialogue)
    _decision_phase(p, decide)
    _publication_phase(p, publicise)
    _closing_phase(p, close)
    _withdrawal(p, close)
    _deadlines(p)
    _flows(p)
    attach_documents(p)  # issue 16: the forms each step issues
    return p


def _receive_phase(p: Process, receive: int) -> None:
    """Tiếp nhận: the reception officer takes the file in."""
    p.start("Start_kn", "Nhận hồ sơ khiếu nại đã phân loại", HANDLING, receive, 0,
            start_data="received_on")
    p.script("Script_kn_init", "Khởi tạo hồ sơ, tính thời hạn thụ lý", HANDLING, receive, 1,
             INIT_SCRIPT, doc=(
                 "Thời hạn thụ lý tính từ ngày nhận đơn (received_on): 10 ngày (LKN Điều 27 [C]); "
                 "10 ngày làm việc (TT 07/2013 Điều 5 [C]); 07 ngày làm việc từ 01/07/2026 (NĐ "
                 "155/2026 [S]). Quy tắc cấu hình: complaint_accept_rule, mặc định cảnh báo theo "
                 "ngày sớm nhất."))
    p.user("Task_kn_receive", "Tiếp nhận hồ sơ khiếu nại", RECEPTION, receive, 2, form=[
        Field("complaint_form", "enum", "Hình thức khiếu nại", True, FORMS_OF_COMPLAINT,
              {"help": "Khiếu nại trực tiếp phải được ghi lại và người khiếu nại ký hoặc điểm chỉ "
                       "(LKN Điều 8)"}),
        Field("contested_act", "string", "Quyết định hành chính, hành vi hành chính bị khiếu nại",
              True),
        Field("respondent", "string", "Người bị khiếu nại", True),
        Field("decision_known_on", "date", "Ngày nhận được hoặc biết được quyết định, hành vi bị "
              "khiếu nại (với khiếu nại lần hai: ngày nhận quyết định giải quyết lần đầu)", True),
        Field("complaint_request", "text", "Yêu cầu của người khiếu nại", True),
        Field("documents_received", "text", "Tài liệu, chứng cứ kèm theo"),
        Field("receipt_number", "string", "Số giấy biên nhận tài liệu"),
    ], doc=("Kiểm tra đơn đủ nội dung theo LKN Điều 8 [C] (ngày, họ tên, địa chỉ, người bị khiếu nại, "
            "nội dung, lý do, yêu cầu, chữ ký hoặc điểm chỉ); ghi ngày biết được quyết định để tính "
            "thời hiệu (LKN Điều 9 [C]: 90 ngày; lần hai: 30 ngày, vùng sâu vùng xa 45 ngày, LKN Điều "
            "33 [C]). Thời hạn: thời hạn thụ lý (accept_due)."))


def _classify_phase(p: Process, classify: int) -> None:
    """Phân loại, thụ lý: level, many complainants, acceptance or refusal."""
    p.script("Script_kn_after_receive", "Cập nhật thời hạn thụ lý", HANDLING, classify, 0,
             "accept_late_on_entry = today() > accept_due_day")
    p.user("Task_kn_classify", "Phân loại, đề xuất thụ lý", HANDLING, classify, 1, form=[
        Field("complaint_level", "enum", "Lần khiếu nại", True, LEVELS),
        Field("first_decision_reference", "string",
              "Quyết định giải quyết lần đầu (số, ngày) — với khiếu nại lần hai"),
        # Issue 19 §3: the time limit is checked, its legal exceptions counted (LKN Điều 9).
        Field("time_limit_obstacle", "enum", "Trở ngại khách quan trong thời hiệu (nếu có)",
              choices=OBSTACLES, extra={"help": "Thời gian có trở ngại không tính vào thời hiệu "
                                                "khiếu nại (Luật Khiếu nại Điều 9)"}),
        Field("time_limit_obstacle_days", "integer", "Số ngày có trở ngại",
              extra={"min": "1", "max": "3650", "when": "time_limit_obstacle",
                     "required_when": "time_limit_obstacle"}),
        Field("time_limit_obstacle_evidence", "string", "Giấy tờ chứng minh trở ngại",
              extra={"when": "time_limit_obstacle", "required_when": "time_limit_obstacle"}),
        Field("complainants_status", "enum", "Người khiếu nại", True, COMPLAINANTS,
              {"help": "Nhiều người khiếu nại: chỉ thụ lý khi tất cả đã ký và đã cử người đại diện "
                       "bằng văn bản (TT 07/2013 Điều 5)"}),
        Field("acceptance", "enum", "Đề xuất", True, ACCEPTANCE),
        Field("proposal_note", "text", "Nội dung đề xuất (Phiếu đề xuất thụ lý, Mẫu 01 TT 05/2021)"),
    ], doc=("Xác định khiếu nại lần đầu hay lần hai, điều kiện thụ lý (LKN Điều 11 [C]); nhiều người "
            "khiếu nại: chỉ thụ lý khi tất cả đã ký và cử người đại diện bằng văn bản (TT 07/2013 "
            "Điều 5 [C]); lập Phiếu đề xuất thụ lý (TT 05/2021 Mẫu 01 [C]). Thời hạn: accept_due."))
    p.script("Script_kn_after_classify", "Tính thời hiệu, cập nhật thời hạn thụ lý", HANDLING,
             classify, 2, AFTER_CLASSIFY_SCRIPT, doc=(
                 "Thời hiệu khiếu nại: 90 ngày (LKN Điều 9 [C]); lần hai: 30 ngày, vùng sâu vùng xa "
                 "45 ngày (LKN Điều 33 [C]), cộng số ngày có trở ngại khách quan (LKN Điều 9 [C]). "
                 "Hết thời hiệu thì không thụ lý (LKN Điều 11 khoản 6 [C]): đề xuất thụ lý vẫn "
                 "chuyển sang bước thông báo không thụ lý."))
    p.xor("Gateway_kn_acceptance", "Đề xuất thụ lý?", HANDLING, classify, 3)
    p.user("Task_kn_accept", "Thụ lý, thông báo thụ lý", HEAD, classify, 4, form=[
        Field("accepted_on", "date", "Ngày thụ lý", True),
        Field("acceptance_notice_number", "string", "Số thông báo thụ lý", True),
        Field("complex_case", "boolean", "Vụ việc phức tạp", True,
              extra={"help": "Có ít nhất một tiêu chí của NĐ 31/2019 Điều 3.2; ghi nhận bằng văn bản"}),
        Field("complex_criteria", "multienum", "Tiêu chí phức tạp", choices=COMPLEX_CRITERIA),
        Field("verification_assignee", "string", "Người hoặc tổ được giao xác minh", True),
        Field("acceptance_notice_recipients", "multienum", "Nơi nhận thông báo thụ lý",
              choices=[RECIPIENTS[0], RECIPIENTS[4], RECIPIENTS[5]]),
    ], doc=("Người giải quyết thụ lý và thông báo bằng văn bản cho người khiếu nại, cơ quan chuyển "
            "đơn, cơ quan thanh tra (LKN Điều 27, 36 [C]). Xác định vụ việc phức tạp theo NĐ 31/2019 "
            "Điều 3.2 [C] (NĐ 155/2026 [S]). Thời hạn giải quyết tính từ ngày thụ lý. "
            "Thời hạn: accept_due."))
    p.user("Task_kn_request_completion", "Hướng dẫn ký đủ đơn, cử người đại diện", HANDLING,
           classify, 4, row=1, form=[
               Field("guidance_number", "string", "Số văn bản hướng dẫn", True),
               Field("completion_result", "enum", "Kết quả", True, COMPLETION_RESULTS),
               Field("completion_received_on", "date",
                     "Ngày nhận hồ sơ bổ sung (hoặc ngày hết hạn bổ sung)", True),
               Field("completion_note", "text", "Ghi chú"),
           ], doc=("Nhiều người khiếu nại chưa ký đủ hoặc chưa cử người đại diện: hướng dẫn bổ sung "
                   "(LKN Điều 8.4; TT 07/2013 Điều 5 [C]). Thời hạn thụ lý tính lại từ ngày nhận hồ "
                   "sơ bổ sung; tối đa 03 lần hướng dẫn. Không có hẹn giờ: chờ người khiếu nại."))
    p.script("Script_kn_completion", "Tính lại thời hạn thụ lý", HANDLING, classify, 5,
             COMPLETION_SCRIPT, row=1)
    p.xor("Gateway_kn_completion", "Đã bổ sung?", HANDLING, classify, 6, row=1)
    p.user("Task_kn_refuse", "Thông báo không thụ lý", HEAD, classify, 7, row=1, form=[
        Field("refusal_ground", "enum", "Căn cứ không thụ lý (Điều 11 Luật Khiếu nại)", True,
              REFUSAL_GROUNDS),
        Field("refusal_reason", "text", "Lý do cụ thể", True),
        Field("refusal_notice_number", "string", "Số thông báo không thụ lý", True),
        Field("refusal_notice_date", "date", "Ngày thông báo", True),
        Field("originals_returned", "boolean", "Đã trả lại giấy tờ, tài liệu bản gốc"),
    ], doc=("Không thụ lý phải nêu rõ lý do và một trong 09 căn cứ của LKN Điều 11 [C]; thông báo "
            "bằng văn bản cho người khiếu nại (LKN Điều 27 [C]). Thời hạn: accept_due."))
    p.end("End_kn_refused", "Đã thông báo không thụ lý", HEAD, classify, 8, row=1)


def _verification_phase(p: Process, verify: int) -> None:
    """Xác minh, the checkpoint, suspension and resume, withdrawals."""
    p.script("Script_kn_resolution_due", "Tính thời hạn giải quyết", HANDLING, verify, 0,
             RESOLUTION_DUE_SCRIPT, doc=(
                 "Lần đầu: 30 ngày, phức tạp 45; vùng sâu vùng xa 45, phức tạp 60 (LKN Điều 28 [C]). "
                 "Lần hai: 45, phức tạp 60; vùng sâu vùng xa 60, phức tạp 70 (LKN Điều 37 [C]). "
                 "Tính từ ngày thụ lý (BLDS Điều 147-148)."))
    p.user("Task_kn_verify", "Xác minh, lập báo cáo kết quả xác minh", VERIFY, verify, 1, form=[
        Field("verification_report_number", "string", "Số báo cáo kết quả xác minh", True),
        Field("verification_report_date", "date", "Ngày báo cáo", True),
        Field("findings", "text", "Kết quả xác minh", True),
        Field("findings_match_request", "boolean",
              "Kết quả xác minh đúng với yêu cầu của người khiếu nại", True,
              extra={"help": "Chọn Không khi yêu cầu của người khiếu nại và kết quả xác minh khác "
                             "nhau: bắt buộc đối thoại (LKN Điều 30)"}),
        Field("verification_proposal", "text", "Kiến nghị của tổ xác minh"),
    ], doc=("Xác minh trong thời hạn giải quyết, lập báo cáo kết quả xác minh (LKN Điều 29 [C]). "
            "Thời hạn: resolution_due."))
    p.script("Script_kn_after_verify", "Cập nhật tiến độ giải quyết", HANDLING, verify, 2,
             "verification_rounds = verification_rounds + 1\n" + LATE_RESOLUTION)
    p.user("Task_kn_assess", "Xem xét kết quả xác minh, tình trạng vụ việc", HANDLING, verify, 3,
           form=[
               Field("case_event", "enum", "Hướng xử lý", True, CASE_EVENTS),
               Field("assessment_note", "text", "Nhận xét, đề xuất"),
           ], doc=("Điểm kiểm soát trước quyết định: tiếp tục, xác minh bổ sung, tạm đình chỉ (LKN "
                   "Điều 11a, Luật 136/2025 [S]), rút một phần hoặc toàn bộ khiếu nại (LKN Điều 10 "
                   "[C]). Thời hạn: resolution_due."))
    p.script("Script_kn_after_assess", "Cập nhật thời hạn giải quyết", HANDLING, verify, 4,
             LATE_RESOLUTION)
    p.xor("Gateway_kn_case_event", "Hướng xử lý?", HANDLING, verify, 5)
    p.user("Task_kn_partial_withdrawal", "Ghi nhận rút khiếu nại của một số người", HANDLING,
           verify, 6, row=1, form=[
               Field("withdrawn_by", "text", "Họ tên những người rút khiếu nại", True),
               Field("withdrawal_letter_date", "date", "Ngày đơn rút khiếu nại", True),
               Field("remaining_complainants", "integer", "Số người tiếp tục khiếu nại", True,
                     extra={"min": "1"}),
               Field("withdrawn_content", "text", "Nội dung rút (nếu rút một phần nội dung)"),
           ], doc=("Rút khiếu nại bằng văn bản; nhiều người khiếu nại mà một số người rút thì tiếp tục "
                   "giải quyết cho những người còn lại; nội dung đã rút không được xem xét lại trừ "
                   "trường hợp bị ép buộc (LKN Điều 10 [C]; Luật 136/2025). "
                   "Thời hạn: resolution_due."))
    p.script("Script_kn_partial_done", "Cập nhật danh sách người rút khiếu nại", HANDLING, verify,
             7, row=1, code=(
                 "partial_withdrawals = partial_withdrawals + [{\"by\": withdrawn_by, "
                 "\"letter_date\": withdrawal_letter_date, \"remaining\": remaining_complainants}]\n"
                 + LATE_RESOLUTION))
    p.script("Script_kn_suspend_due", "Tính thời hạn quyết định tạm đình chỉ", HANDLING, verify, 7,
             row=2, code=(
                 "suspension_proposed_on = today()\n"
                 "suspension_decision_due_day = add_working_days(suspension_proposed_on, 3)\n"
                 "suspension_decision_due = deadline(suspension_decision_due_day)"))
    p.user("Task_kn_suspend", "Quyết định tạm đình chỉ giải quyết", HEAD, verify, 8, row=1, form=[
        Field("suspension_reason", "enum", "Căn cứ tạm đình chỉ", True, SUSPENSION_REASONS),
        Field("suspension_decision_number", "string", "Số quyết định tạm đình chỉ (Mẫu 14a)", True),
        Field("suspended_on", "date", "Ngày tạm đình chỉ", True),
        Field("suspension_note", "text", "Ghi chú"),
    ], doc=("Tạm đình chỉ khi có sự kiện bất khả kháng hoặc chờ kết quả của cơ quan khác; quyết định "
            "trong 03 ngày làm việc (LKN Điều 11a, Luật 136/2025 [S]; NĐ 124/2020 Mẫu 14a [C]). "
            "Thời hạn: suspension_decision_due và resolution_due (thời hạn giải quyết vẫn chạy đến "
            "ngày tạm đình chỉ)."))
    p.user("Task_kn_await_resume", "Theo dõi lý do tạm đình chỉ, tiếp tục giải quyết", HANDLING,
           verify, 9, row=2, form=[
               Field("resumed_on", "date", "Ngày quyết định tiếp tục giải quyết", True),
               Field("resume_decision_number", "string",
                     "Số quyết định tiếp tục giải quyết (Mẫu 14b)", True),
               Field("resume_note", "text", "Ghi chú"),
           ], doc=("Thời hạn giải quyết tạm dừng: bước này không có hẹn giờ. Chỉ quyết định tiếp tục "
                   "giải quyết mới tính lại thời hạn: số ngày còn lại tính tiếp từ ngày tiếp tục "
                   "(LKN Điều 11a [S]; resume_deadline, working=False)."))
    p.script("Script_kn_resume", "Tính lại thời hạn giải quyết", HANDLING, verify, 10,
             RESUME_SCRIPT, row=2)
    p.xor("Gateway_kn_resume_valid", "Ngày tiếp tục hợp lệ?", HANDLING, verify, 11, row=2)
    p.script("Script_kn_terminate_due", "Tính thời hạn quyết định đình chỉ", HANDLING, verify, 8,
             row=3, code=("termination_decision_due_day = add_working_days(today(), 3)\n"
                          "termination_decision_due = deadline(termination_decision_due_day)"))


def _dialogue_phase(p: Process, dialogue: int) -> None:
    """Đối thoại: notice at least 05 days ahead, signed minutes."""
    p.xor("Gateway_kn_dialogue_needed", "Phải đối thoại?", HANDLING, dialogue, 0)
    p.user("Task_kn_dialogue_notice", "Thông báo đối thoại", HANDLING, dialogue, 1, row=1, form=[
        Field("notice_sent_on", "date", "Ngày gửi thông báo đối thoại", True,
              extra={"not_after": "today"}),
        # A meeting needs a day and an hour (issue 19 §4); it cannot precede its notice.
        Field("dialogue_date", "datetime", "Thời điểm đối thoại (ngày, giờ)", True,
              extra={"not_before": "notice_sent_on"}),
        Field("dialogue_place", "string", "Địa điểm đối thoại", True),
        Field("dialogue_participants", "text", "Thành phần (người giải quyết, người khiếu nại hoặc "
              "người đại diện, luật sư, người bị khiếu nại, người có quyền, nghĩa vụ liên quan)",
              True),
    ], doc=("Đối thoại bắt buộc với khiếu nại lần hai, và với khiếu nại lần đầu khi yêu cầu của người "
            "khiếu nại và kết quả xác minh khác nhau (LKN Điều 30, 38 [C]). Thông báo bằng văn bản "
            "ít nhất 05 ngày trước ngày đối thoại [S]; chưa đủ thì đổi ngày (tối đa 02 lần, sau đó "
            "tiếp tục và ghi nhận dialogue_notice_short). Thời hạn: resolution_due."))
    p.script("Script_kn_dialogue_check", "Kiểm tra thời gian thông báo", HANDLING, dialogue, 2,
             row=1, code=DIALOGUE_CHECK_SCRIPT)
    p.xor("Gateway_kn_notice_ok", "Thông báo trước đủ 05 ngày?", HANDLING, dialogue, 3, row=1)
    p.user("Task_kn_dialogue", "Tổ chức đối thoại, lập biên bản", HANDLING, dialogue, 4, row=1,
           form=[
               Field("dialogue_result", "enum", "Kết quả buổi đối thoại", True, DIALOGUE_RESULTS),
               Field("dialogue_held_on", "date", "Ngày đối thoại", True,
                     extra={"not_after": "today", "not_before": "notice_sent_on"}),
               Field("minutes_number", "string", "Số biên bản đối thoại (Mẫu 14)", True),
               Field("minutes_signed", "boolean", "Biên bản đã được ký", True,
                     extra={"help": "Người tham gia không ký thì ghi rõ lý do trong biên bản"}),
               Field("refusal_to_sign_note", "text", "Người không ký biên bản và lý do"),
               Field("dialogue_summary", "text", "Nội dung, kết quả đối thoại", True),
           ], doc=("Biên bản đối thoại (NĐ 124/2020 Mẫu 14 [C]) phải được ký trước khi ra quyết định; "
                   "ai không ký thì ghi rõ lý do (LKN Điều 30 [C]). Người khiếu nại vắng mặt không "
                   "có lý do chính đáng: vẫn tiếp tục giải quyết [S]. Hoãn tối đa 02 lần. "
                   "Thời hạn: resolution_due."))
    p.script("Script_kn_after_dialogue", "Ghi nhận kết quả đối thoại", HANDLING, dialogue, 5, row=1,
             code=AFTER_DIALOGUE_SCRIPT)
    p.xor("Gateway_kn_dialogue_result", "Kết quả đối thoại?", HANDLING, dialogue, 6, row=1)
    p.script("Script_kn_absence", "Ghi nhận người khiếu nại vắng mặt", HANDLING, dialogue, 7, row=2,
             code="complainant_absent = True\nabsence_recorded_on = dialogue_held_on")


def _decision_phase(p: Process, decide: int) -> None:
    """Quyết định giải quyết and sending it."""
    p.user("Task_kn_decide", "Ban hành quyết định giải quyết khiếu nại", HEAD, decide, 0, form=[
        Field("decision_number", "string", "Số quyết định giải quyết khiếu nại", True),
        Field("decision_date", "date", "Ngày ban hành", True,
              extra={"not_after": "today", "not_before": "dialogue_held_on"}),
        Field("decision_result", "enum", "Kết luận", True, DECISION_RESULTS),
        Field("decision_content", "text", "Nội dung quyết định", True),
        Field("publish_decision", "boolean", "Công khai quyết định", True,
              extra={"help": "Quyết định lần hai luôn phải công khai (LKN Điều 41.2); quyết định "
                             "lần đầu do Thủ trưởng quyết định"}),
    ], doc=("Quyết định giải quyết khiếu nại (LKN Điều 31, 40 [C]) trong thời hạn giải quyết (LKN "
            "Điều 28, 37 [C]). Thời hạn: resolution_due."))
    p.script("Script_kn_after_decision", "Tính thời hạn gửi, công khai, hiệu lực", HANDLING, decide,
             1, AFTER_DECISION_SCRIPT, doc=(
                 "Gửi quyết định: lần đầu 03 ngày làm việc (LKN Điều 32 [C]); lần hai 07 ngày (LKN "
                 "Điều 41.1 [C]). Công khai quyết định lần hai trong 15 ngày (LKN Điều 41.2; NĐ "
                 "75/2012 Điều 12 [C]). Hiệu lực sau 30 ngày, vùng sâu vùng xa 45 ngày (LKN Điều 44 "
                 "[C])."))
    p.user("Task_kn_send_decision", "Gửi quyết định giải quyết khiếu nại", HANDLING, decide, 2, form=[
        Field("sent_on", "date", "Ngày gửi", True),
        Field("recipients", "multienum", "Nơi nhận", True, RECIPIENTS),
        Field("send_note", "text", "Ghi chú"),
    ], doc=("Gửi quyết định cho người khiếu nại, thủ trưởng cấp trên, người có quyền, nghĩa vụ liên "
            "quan, cơ quan chuyển đơn, cơ quan thanh tra cùng cấp: lần đầu trong 03 ngày làm việc "
            "(LKN Điều 32 [C]); lần hai trong 07 ngày (LKN Điều 41.1 [C]). Thời hạn: send_due."))
    p.script("Script_kn_after_send", "Mở thời hạn công khai", HANDLING, decide, 3,
             "decision_sent_on_time = sent_on <= send_due_day\n"
             "# Quyết định đã gửi cơ quan chuyển đơn: quy trình tiếp nhận không phải báo lại.\n"
             'forwarder_replied = "forwarder" in recipients\n'
             "publication_late_on_entry = False")


def _publication_phase(p: Process, publicise: int) -> None:
    """Công khai: form and period checked."""
    p.xor("Gateway_kn_publish", "Công khai quyết định?", HANDLING, publicise, 0)
    p.user("Task_kn_publish", "Công khai quyết định giải quyết khiếu nại", PUBLISH, publicise, 1,
           form=[
               Field("publication_form", "enum", "Hình thức công khai", True, PUBLICATION_FORMS),
               Field("published_on", "date", "Ngày công khai", True,
                     extra={"not_after": "today", "not_before": "decision_date"}),
               Field("publication_start", "date", "Công khai từ ngày", True,
                     extra={"not_after": "today", "not_before": "decision_date"}),
               # The fields follow the method (issue 19 §4): a count only for broadcast and print.
               Field("publication_times", "integer", "Số lần phát sóng hoặc số báo đã đăng", True,
                     extra={"min": "1", "when": "publication_form=broadcast|print"}),
               Field("meeting_notice_sent_on", "date", "Ngày thông báo cuộc họp công khai", True,
                     extra={"when": "publication_form=meeting",
                            "not_after": "publication_start"}),
               Field("publication_note", "text", "Ghi chú"),
           ], doc=("Quyết định lần hai công khai trong 15 ngày kể từ ngày ban hành: cuộc họp (thông "
                   "báo trước 03 ngày làm việc), niêm yết ≥ 15 ngày liên tục, hoặc thông tin đại "
                   "chúng (phát thanh, truyền hình ≥ 02 lần; báo in ≥ 02 số; cổng thông tin ≥ 15 "
                   "ngày) (LKN Điều 41.2; NĐ 75/2012 Điều 12 [C]). Quyết định lần đầu: công khai khi "
                   "Thủ trưởng quyết định, cùng thời hạn. Thời hạn: publication_due."))
    # Posting and portal: the end is confirmed once the period is over, never ahead of it.
    p.xor("Gateway_kn_publication_form", "Niêm yết, đăng tải?", PUBLISH, publicise, 2, row=1)
    p.script("Script_kn_posting_period", "Tính ngày đủ 15 ngày niêm yết, đăng tải", PUBLISH,
             publicise, 3, row=1, code="posting_period_ends_on = add_days(publication_start, 14)\n"
                                       "posting_period_ends_at = deadline(posting_period_ends_on)")
    p.timer_catch("Timer_kn_posting_period", "Đủ 15 ngày liên tục", PUBLISH, publicise, 4,
                  "posting_period_ends_at", row=1)
    p.user("Task_kn_publication_end", "Xác nhận kết thúc niêm yết, đăng tải", PUBLISH, publicise, 5,
           row=1, form=[
               Field("publication_end", "date", "Niêm yết, đăng tải đến ngày", True,
                     extra={"not_before": "publication_start", "not_after": "today"}),
           ], doc=("Niêm yết, đăng tải ít nhất 15 ngày liên tục (NĐ 75/2012 Điều 12 [C]); chỉ xác "
                   "nhận khi đã hết thời gian niêm yết, không ghi ngày trong tương lai."))
    p.script("Script_kn_publication_check", "Kiểm tra thời gian, số lần công khai", PUBLISH,
             publicise, 2, PUBLICATION_CHECK_SCRIPT)
    p.xor("Gateway_kn_publication_ok", "Công khai đủ thời gian?", PUBLISH, publicise, 3)


WITHDRAWAL_MESSAGE = "complaint_withdrawn"


def _withdrawal(p: Process, close: int) -> None:
    """Rút khiếu nại at any time: the message ``complaint_withdrawn`` (an officer records it, or
    ``petitions message complaint_withdrawn --business-key <số đơn>``) starts the termination
    (LKN Điều 10, 11a). SpiffWorkflow 3.2.0 runs every event sub-process as non-interrupting (it
    ignores isInterrupting), so the diagram says so: the decision opens beside the open step.
    The written withdrawal, a partial withdrawal and the decision's details belong to the
    processes issue; here the message reaches the decision step."""
    p.message("Message_kn_withdrawn", WITHDRAWAL_MESSAGE)
    esp = p.event_subprocess("Sub_kn_withdrawal", "Người khiếu nại rút khiếu nại", HEAD, close,
                             doc=("Nhận thông điệp complaint_withdrawn ở bất kỳ bước nào: mở bước "
                                  "quyết định đình chỉ (LKN Điều 10)."))
    p.message_start("Start_kn_withdrawn", "Công dân rút đơn", HEAD, close, 0, "Message_kn_withdrawn",
                    row=8, parent=esp, variable="withdrawal", interrupting=False)
    p.script("Script_kn_withdrawn", "Ghi nhận rút khiếu nại, tính thời hạn đình chỉ", HEAD, close,
             1, row=8, parent=esp, code=(
                 "complaint_withdrawn = True\n"
                 "termination_decision_due_day = add_working_days(today(), 3)\n"
                 "termination_decision_due = deadline(termination_decision_due_day)"))
    p.user("Task_kn_withdrawn_terminate", "Quyết định đình chỉ do rút khiếu nại", HEAD, close, 2,
           row=8, parent=esp, form=[
               Field("termination_reason", "enum", "Căn cứ đình chỉ", True, TERMINATION_REASONS,
                     extra={"default": "withdrawn"}),
               Field("termination_decision_number", "string",
                     "Số quyết định đình chỉ (Mẫu 14a)", True),
               Field("termination_decision_date", "date", "Ngày quyết định", True),
               Field("termination_note", "text", "Ghi chú"),
           ], doc=("Người khiếu nại rút khiếu nại: người giải quyết ra quyết định đình chỉ trong 03 "
                   "ngày làm việc (LKN Điều 10, 11a). Thời hạn: termination_decision_due."))
    p.end("End_kn_withdrawn", "Đình chỉ do rút khiếu nại", HEAD, close, 3, row=8, parent=esp)
    p.flow("Start_kn_withdrawn", "Script_kn_withdrawn")
    p.flow("Script_kn_withdrawn", "Task_kn_withdrawn_terminate")
    p.flow("Task_kn_withdrawn_terminate", "End_kn_withdrawn")


def _closing_phase(p: Process, close: int) -> None:
    """Kết thúc: finality, second complaint, lawsuit, termination; the breach funnel."""
    p.user("Task_kn_track_finality", "Chờ quyết định có hiệu lực: ghi nhận khiếu nại lần hai, khởi "
           "kiện (nếu có)", HANDLING, close, 0, form=[
        Field("follow_up", "enum", "Diễn biến sau quyết định", True, FOLLOW_UPS),
        Field("follow_up_on", "date", "Ngày ghi nhận", True),
        Field("follow_up_reference", "string", "Số văn bản thụ lý của cơ quan cấp trên hoặc Tòa án",
              True),
    ], doc=("Quyết định có hiệu lực pháp luật sau 30 ngày kể từ ngày ban hành, vùng sâu vùng xa 45 "
            "ngày, nếu không khiếu nại lần hai hoặc khởi kiện (LKN Điều 44 [C]). Bước này chờ đến "
            "final_day, không có việc gì phải làm nếu không có diễn biến: chỉ ghi nhận khiếu nại "
            "lần hai (chỉ với quyết định lần đầu, LKN Điều 33 [C]) hoặc khởi kiện (LKN Điều 7 "
            "[C]) trước ngày đó. Đến final_day, hẹn giờ ngắt mở bước theo dõi, đôn đốc thi hành "
            "(decision_followup)."))
    p.xor("Gateway_kn_follow_up", "Diễn biến?", HANDLING, close, 1)
    p.end("End_kn_second_complaint", "Khiếu nại lần hai (cấp trên giải quyết)", HANDLING, close, 2)
    p.end("End_kn_final", "Có hiệu lực, không cần theo dõi thi hành", HANDLING, close, 1, row=1)
    _followup(p, close)
    p.end("End_kn_lawsuit", "Khởi kiện vụ án hành chính", HANDLING, close, 2, row=1)
    p.user("Task_kn_terminate", "Quyết định đình chỉ giải quyết khiếu nại", HEAD, close, 0, row=1,
           form=[
               Field("termination_reason", "enum", "Căn cứ đình chỉ", True, TERMINATION_REASONS),
               Field("termination_decision_number", "string",
                     "Số quyết định đình chỉ (Mẫu 14a)", True),
               Field("termination_decision_date", "date", "Ngày quyết định", True),
               Field("termination_note", "text", "Ghi chú"),
           ], doc=("Người khiếu nại rút toàn bộ khiếu nại trước khi có quyết định giải quyết: người "
                   "giải quyết ra quyết định đình chỉ (LKN Điều 10 [C]); căn cứ đình chỉ khác và "
                   "thời hạn 03 ngày làm việc (LKN Điều 11a, Luật 136/2025 [S]). "
                   "Thời hạn: termination_decision_due và resolution_due."))
    p.end("End_kn_terminated", "Đình chỉ giải quyết khiếu nại", HEAD, close, 1, row=1)

    for row, (script_id, name, code) in enumerate(BREACHES, start=2):
        p.script(script_id, name, HEAD, close, 2, code, row=row)
    p.xor("Gateway_kn_breach", "Đã báo cáo ở bước trước?", HEAD, close, 3, row=4)
    p.user("Task_kn_report_overdue", "Báo cáo, chỉ đạo xử lý chậm thời hạn", HEAD, close, 4, row=5,
           form=[
               Field("overdue_report", "text", "Báo cáo, giải trình nguyên nhân", True),
               Field("overdue_instruction", "text", "Chỉ đạo khắc phục", True),
               Field("responsible_person", "string", "Người chịu trách nhiệm"),
           ], doc=("Thời hạn luật định đã qua mà bước đang mở chưa hoàn thành (breach_deadline, "
                   "breach_due_day). Công việc chính vẫn tiếp tục; để quá hạn là căn cứ xem xét "
                   "trách nhiệm (NĐ 154/2026 Điều 41 [S])."))
    p.end("End_kn_breach_reported", "Đã báo cáo chậm thời hạn", HEAD, close, 5, row=5)
    p.end("End_kn_breach_known", "Đã báo cáo ở bước trước", HEAD, close, 4, row=4)


IN_FORCE_SCRIPT = """
followup_source = "complaint"
followup_reference = decision_number
followup_overturns = complaint_level == "second" and decision_result != "wrong"
"""


def _followup(p: Process, close: int) -> None:
    """Issue 19 §1: the decision in force is followed up (processes/decision_followup), unless the
    complaint was wholly wrong and the officer says nothing is to be carried out."""
    p.script("Script_kn_in_force", "Quyết định có hiệu lực: chuẩn bị theo dõi thi hành", HANDLING,
             close, 0, IN_FORCE_SCRIPT, row=1)
    p.xor("Gateway_kn_followup_needed", "Khiếu nại sai?", HANDLING, close, 0, row=2)
    p.user("Task_kn_followup_choice", "Quyết định giữ nguyên: có cần theo dõi thi hành?", HANDLING,
           close, 1, row=2, form=[
               Field("followup_choice", "enum", "Theo dõi thi hành", True, FOLLOWUP_CHOICES),
               Field("followup_none_reason", "text", "Lý do không cần theo dõi",
                     extra={"required_when": "followup_choice=none"}),
           ], doc=("Chỉ hỏi khi quyết định kết luận khiếu nại sai: quyết định, hành vi bị khiếu nại "
                   "được giữ nguyên, có thể không còn việc phải thi hành. Khiếu nại đúng, đúng một "
                   "phần thì luôn lập hồ sơ theo dõi, đôn đốc thi hành (seed 001; LKN Điều 44 [C], "
                   "Điều 45-46 [U])."))
    p.xor("Gateway_kn_followup_choice", "Theo dõi?", HANDLING, close, 2, row=2)
    p.call("Call_kn_followup", "Theo dõi, đôn đốc thi hành quyết định", HANDLING, close, 0,
           "decision_followup", row=3, doc="processes/decision_followup (docs/processes/followup.md).")
    p.end("End_kn_followed_up", "Quyết định đã được thi hành", HANDLING, close, 1, row=3)
    p.flow("Script_kn_in_force", "Gateway_kn_followup_needed")
    p.flow("Gateway_kn_followup_needed", "Task_kn_followup_choice", "Khiếu nại sai",
           'decision_result == "wrong"')
    p.flow("Gateway_kn_followup_needed", "Call_kn_followup", "Có việc phải thi hành", default=True)
    p.flow("Task_kn_followup_choice", "Gateway_kn_followup_choice")
    p.flow("Gateway_kn_followup_choice", "End_kn_final", "Không cần", 'followup_choice == "none"')
    p.flow("Gateway_kn_followup_choice", "Call_kn_followup", "Theo dõi", default=True)
    p.flow("Call_kn_followup", "End_kn_followed_up")


def _deadlines(p: Process) -> None:
    """Boundary timers: legal deadlines (non-interrupting) and finality (interrupting)."""
    accept_tasks = ["Task_kn_receive", "Task_kn_classify", "Task_kn_accept", "Task_kn_refuse"]
    for task in accept_tasks:
        timer = p.timer(f"Timer_kn_accept_{task.removeprefix('Task_kn_')}", "Hết thời hạn thụ lý",
                        task, time_date="accept_due")
        p.flow(timer, "Script_kn_accept_overdue")
    resolution_tasks = [("Task_kn_verify", 0), ("Task_kn_assess", 0),
                        ("Task_kn_partial_withdrawal", 0), ("Task_kn_suspend", 1),
                        ("Task_kn_dialogue_notice", 0), ("Task_kn_dialogue", 0),
                        ("Task_kn_decide", 0), ("Task_kn_terminate", 1)]
    for task, slot in resolution_tasks:
        timer = p.timer(f"Timer_kn_resolution_{task.removeprefix('Task_kn_')}",
                        "Hết thời hạn giải quyết", task, time_date="resolution_due", slot=slot)
        p.flow(timer, "Script_kn_resolution_overdue")
    for timer, name, task, due, script in [
            ("Timer_kn_suspension_decision", "Quá 03 ngày làm việc", "Task_kn_suspend",
             "suspension_decision_due", "Script_kn_suspension_overdue"),
            ("Timer_kn_termination_decision", "Quá 03 ngày làm việc", "Task_kn_terminate",
             "termination_decision_due", "Script_kn_termination_overdue"),
            ("Timer_kn_send", "Hết thời hạn gửi quyết định", "Task_kn_send_decision", "send_due",
             "Script_kn_send_overdue"),
            ("Timer_kn_publication", "Hết thời hạn công khai", "Task_kn_publish",
             "publication_due", "Script_kn_publication_overdue")]:
        p.timer(timer, name, task, time_date=due)
        p.flow(timer, script)
    p.timer("Timer_kn_final", "Quyết định có hiệu lực", "Task_kn_track_finality",
            time_date="final_at", interrupting=True)
    p.flow("Timer_kn_final", "Script_kn_in_force")
    for script_id, _, _ in BREACHES:
        p.flow(script_id, "Gateway_kn_breach")
    p.flow("Gateway_kn_breach", "End_kn_breach_known", "Đã báo cáo", "breach_known")
    p.flow("Gateway_kn_breach", "Task_kn_report_overdue", "Chưa báo cáo", default=True)
    p.flow("Task_kn_report_overdue", "End_kn_breach_reported")


def _flows(p: Process) -> None:
    """Sequence flows of the main path and the gateways' routes."""
    p.flow("Start_kn", "Script_kn_init")
    p.flow("Script_kn_init", "Task_kn_receive")
    p.flow("Task_kn_receive", "Script_kn_after_receive")
    p.flow("Script_kn_after_receive", "Task_kn_classify")
    p.flow("Task_kn_classify", "Script_kn_after_classify")
    p.flow("Script_kn_after_classify", "Gateway_kn_acceptance")
    p.flow("Gateway_kn_acceptance", "Task_kn_accept", "Thụ lý (còn thời hiệu)",
           'acceptance == "accept" and complainants_status != "many_incomplete" '
           'and not time_limit_passed')
    p.flow("Gateway_kn_acceptance", "Task_kn_request_completion", "Chưa đủ chữ ký, chưa cử đại diện",
           'acceptance == "need_completion" or (acceptance == "accept" and '
           'complainants_status == "many_incomplete")')
    p.flow("Gateway_kn_acceptance", "Task_kn_refuse", "Không thụ lý (hoặc hết thời hiệu)",
           default=True)
    p.flow("Task_kn_request_completion", "Script_kn_completion")
    p.flow("Script_kn_completion", "Gateway_kn_completion")
    p.flow("Gateway_kn_completion", "Task_kn_classify", "Đã bổ sung",
           'completion_result == "completed" and completion_rounds < 3')
    p.flow("Gateway_kn_completion", "Task_kn_refuse", "Không bổ sung (hoặc đã hướng dẫn 03 lần)",
           default=True)
    p.flow("Task_kn_refuse", "End_kn_refused")
    p.flow("Task_kn_accept", "Script_kn_resolution_due")
    p.flow("Script_kn_resolution_due", "Task_kn_verify")
    p.flow("Task_kn_verify", "Script_kn_after_verify")
    p.flow("Script_kn_after_verify", "Task_kn_assess")
    p.flow("Task_kn_assess", "Script_kn_after_assess")
    p.flow("Script_kn_after_assess", "Gateway_kn_case_event")
    p.flow("Gateway_kn_case_event", "Gateway_kn_dialogue_needed", "Tiếp tục", default=True)
    p.flow("Gateway_kn_case_event", "Task_kn_verify", "Xác minh bổ sung", 'case_event == "reverify"')
    p.flow("Gateway_kn_case_event", "Task_kn_partial_withdrawal", "Rút một phần",
           'case_event == "withdraw_partial"')
    p.flow("Gateway_kn_case_event", "Script_kn_suspend_due", "Tạm đình chỉ",
           'case_event == "suspend"')
    p.flow("Gateway_kn_case_event", "Script_kn_terminate_due", "Đình chỉ",
           'case_event == "terminate"')
    p.flow("Task_kn_partial_withdrawal", "Script_kn_partial_done")
    p.flow("Script_kn_partial_done", "Task_kn_assess")
    p.flow("Script_kn_suspend_due", "Task_kn_suspend")
    p.flow("Task_kn_suspend", "Task_kn_await_resume")
    p.flow("Task_kn_await_resume", "Script_kn_resume")
    p.flow("Script_kn_resume", "Gateway_kn_resume_valid")
    p.flow("Gateway_kn_resume_valid", "Task_kn_assess", "Tiếp tục giải quyết", "resume_valid")
    p.flow("Gateway_kn_resume_valid", "Task_kn_await_resume", "Ngày tiếp tục trước ngày tạm đình chỉ",
           default=True)
    p.flow("Script_kn_terminate_due", "Task_kn_terminate")
    p.flow("Task_kn_terminate", "End_kn_terminated")
    p.flow("Gateway_kn_dialogue_needed", "Task_kn_dialogue_notice", "Đối thoại bắt buộc",
           'not dialogue_done and (complaint_level == "second" or not findings_match_request)')
    p.flow("Gateway_kn_dialogue_needed", "Task_kn_decide", "Không phải đối thoại / đã đối thoại",
           default=True)
    p.flow("Task_kn_dialogue_notice", "Script_kn_dialogue_check")
    p.flow("Script_kn_dialogue_check", "Gateway_kn_notice_ok")
    p.flow("Gateway_kn_notice_ok", "Task_kn_dialogue_notice", "Chưa đủ 05 ngày: đổi ngày",
           "dialogue_notice_retry")
    p.flow("Gateway_kn_notice_ok", "Task_kn_dialogue", "Đủ 05 ngày", default=True)
    p.flow("Task_kn_dialogue", "Script_kn_after_dialogue")
    p.flow("Script_kn_after_dialogue", "Gateway_kn_dialogue_result")
    p.flow("Gateway_kn_dialogue_result", "Task_kn_dialogue_notice", "Hoãn: tổ chức lại",
           "dialogue_reschedule")
    p.flow("Gateway_kn_dialogue_result", "Task_kn_dialogue", "Biên bản chưa ký",
           "not dialogue_reschedule and not minutes_signed")
    p.flow("Gateway_kn_dialogue_result", "Script_kn_absence", "Người khiếu nại vắng mặt",
           'not dialogue_reschedule and minutes_signed and dialogue_result != "held"')
    p.flow("Gateway_kn_dialogue_result", "Task_kn_assess", "Đã đối thoại, biên bản đã ký",
           default=True)
    p.flow("Script_kn_absence", "Task_kn_assess")
    p.flow("Task_kn_decide", "Script_kn_after_decision")
    p.flow("Script_kn_after_decision", "Task_kn_send_decision")
    p.flow("Task_kn_send_decision", "Script_kn_after_send")
    p.flow("Script_kn_after_send", "Gateway_kn_publish")
    p.flow("Gateway_kn_publish", "Task_kn_publish", "Lần hai, hoặc Thủ trưởng quyết định công khai",
           "publication_required")
    p.flow("Gateway_kn_publish", "Task_kn_track_finality", "Không công khai", default=True)
    p.flow("Task_kn_publish", "Gateway_kn_publication_form")
    p.flow("Gateway_kn_publication_form", "Script_kn_posting_period", "Niêm yết, đăng tải",
           'publication_form in ("posting", "portal")')
    p.flow("Gateway_kn_publication_form", "Script_kn_publication_check", "Cuộc họp, báo chí",
           default=True)
    p.flow("Script_kn_posting_period", "Timer_kn_posting_period")
    p.flow("Timer_kn_posting_period", "Task_kn_publication_end")
    p.flow("Task_kn_publication_end", "Script_kn_publication_check")
    p.flow("Script_kn_publication_check", "Gateway_kn_publication_ok")
    p.flow("Gateway_kn_publication_ok", "Task_kn_publish", "Chưa đủ thời gian, số lần",
           "not publication_ok")
    p.flow("Gateway_kn_publication_ok", "Task_kn_track_finality", "Đã công khai đủ", default=True)
    p.flow("Task_kn_track_finality", "Gateway_kn_follow_up")
    p.flow("Gateway_kn_follow_up", "End_kn_lawsuit", "Khởi kiện", 'follow_up == "lawsuit"')
    p.flow("Gateway_kn_follow_up", "End_kn_second_complaint", "Khiếu nại lần hai",
           'follow_up == "second_complaint" and complaint_level == "first"')
    p.flow("Gateway_kn_follow_up", "Task_kn_track_finality",
           "Quyết định lần hai: không còn khiếu nại tiếp", default=True)


if __name__ == "__main__":
    build().write(OUTPUT)
    print(f"wrote {OUTPUT}")
