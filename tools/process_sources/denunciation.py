"""Giải quyết tố cáo (process ``denunciation``): Luật Tố cáo 25/2018/QH14 as amended by Luật
136/2025/QH15, NĐ 31/2019/NĐ-CP, TT 05/2021/TT-TTCP.

The intake process calls this one through a call activity once a letter is classified as a
denunciation; ``python -m tools.process_sources.denunciation`` writes the BPMN file. Legal sources
and confidence marks ([C] confirmed, [S] secondary, [U] unconfirmed) follow
/work/shared/domain-spec.md; docs/processes/denunciation.md walks through every step.

Two library facts shape the diagram (docs/processes/denunciation.md):
- every parallel branch carries its own copy of the task data and SpiffWorkflow merges all branch
  copies when the process ends (the last branch to end wins), so a branch that forked before the
  identity was sealed drops its copy of the identity before it ends;
- a boundary timer's date is read when its task opens, so each due date is computed by a script
  task placed before the tasks it guards; a task that opens after its deadline fires at once.
"""
from __future__ import annotations

from pathlib import Path

from tools.bpmn_builder import Field, Process
from tools.process_sources._documents import attach as attach_documents

FOLDER = "denunciation"
OUTPUT = Path(__file__).resolve().parents[2] / "processes" / FOLDER / f"{FOLDER}.bpmn"

RECEPTION, HANDLING, HEAD, VERIFY, PUBLISH = (
    "Lane_den_reception", "Lane_den_handling", "Lane_den_head", "Lane_den_verification",
    "Lane_den_publication")
# Sub-rows inside lanes (one grid cell per shape).
H_MAIN, H_REFUSE, H_TRANSFER, H_SKIP = 0, 1, 2, 3
HD_MAIN, HD_EXTEND, HD_SUSPEND, HD_WITHDRAW, HD_OVERDUE = 0, 1, 2, 3, 4

# The denouncer's identity (LTC Điều 8.3, 40.3, 56.2): moved into ``sealed_identity`` before the
# file reaches the verification team. The letter summary written at intake and the
# representatives' names go with it: they may name the denouncer. Verifiers work from
# ``denunciation_content``, written identity-free at classification.
IDENTITY_FIELDS = ("sender_name", "sender_id_number", "sender_phone", "sender_address",
                   "representatives", "summary")
SEAL_SCRIPT = "\n".join(
    ["sealed_identity = {"] + [f'    "{name}": {name},' for name in IDENTITY_FIELDS] + ["}"]
    + [f"del {name}" for name in IDENTITY_FIELDS] + ["identity_sealed = True"])
# A side branch that forked before the seal drops its copy of the identity before it ends: the
# library merges every branch's data into the final data, the last branch to end winning. The main
# path keeps the only sealed copy; ``identity_sealed`` goes too so a late branch cannot reset it.
BRANCH_STRIP_SCRIPT = "if not identity_sealed:\n" + "\n".join(
    f"    del {name}" for name in (*IDENTITY_FIELDS, "identity_sealed"))

# The intake process always passes these; a standalone start (tests, the save/restore walk) may
# not, and a missing name would stop the instance with a NameError.
_DEFAULTS = {"forwarder_kind": '"none"', "sender_name": '""', "sender_id_number": '""',
             "sender_phone": '""', "sender_address": '""', "representatives": "[]",
             "summary": '""'}
# Same reading as the intake process: these forwarders expect to hear the result (LTC Điều 26.2).
FORWARDERS = ("deputy", "mttq", "body", "press")
INTAKE_SCRIPT = "\n".join(
    [f"try:\n    {name}\nexcept NameError:\n    {name} = {value}" for name, value in _DEFAULTS.items()]
    + ["identity_sealed = False",
       f"forwarded = forwarder_kind in {FORWARDERS!r}",
       # LTC Điều 24.1: 07 working days; the register task may extend it to 10 (Script_den_initial_due).
       "initial_due = add_working_days(received_on, 7)",
       "initial_due_at = deadline(initial_due)",
       # LTC Điều 24.2: transfer within 05 working days of receipt.
       "transfer_slip_due = add_working_days(received_on, 5)",
       "transfer_slip_due_at = deadline(transfer_slip_due)",
       # LTC Điều 26.2 as given in the domain spec §6: reply to the forwarder within 20 days.
       "forward_reply_due = add_days(received_on, 20)",
       "forward_reply_due_at = deadline(forward_reply_due)"])

OUTCOMES = [("true", "Tố cáo đúng"), ("partly", "Tố cáo đúng một phần"), ("false", "Tố cáo sai")]
COMPLEXITY_CRITERIA = [  # NĐ 31/2019 Điều 3.2 [C]
    ("locations", "Phải xác minh ở từ 02 địa điểm trở lên"),
    ("contents", "Có từ 02 nội dung tố cáo trở lên"),
    ("many_people", "Nhiều người cùng tố cáo"),
    ("foreign", "Có yếu tố nước ngoài"),
    ("agencies", "Liên quan trách nhiệm của nhiều cơ quan, tổ chức"),
    ("disagreement", "Các cơ quan, tổ chức có ý kiến khác nhau"),
    ("evidence", "Tài liệu, chứng cứ mâu thuẫn nhau"),
]


def _overdue_script(kind: str, flag: str, due: str, rule: str) -> str:
    return (f"{flag} = True\noverdue_deadline = \"{kind}\"\noverdue_due = {due}\n"
            f"overdue_rule = \"{rule}\"")


def build() -> Process:
    p = Process("denunciation", "Giải quyết tố cáo", documentation=(
        "Giải quyết tố cáo thuộc thẩm quyền của Chủ tịch UBND cấp xã (LTC Điều 13.1 [C]): xử lý "
        "ban đầu, chuyển đơn hoặc thụ lý, xác minh, kết luận, xử lý kết luận, công khai, đình chỉ. "
        "Nguồn: Luật Tố cáo 25/2018/QH14 (sửa đổi bởi Luật 136/2025/QH15), NĐ 31/2019/NĐ-CP, "
        "TT 05/2021/TT-TTCP. Thông tin người tố cáo được niêm phong trước khi giao xác minh "
        "(LTC Điều 8.3, 40.3, 56.2)."))
    p.lane(RECEPTION, "Cán bộ tiếp công dân", "reception_officer")
    p.lane(HANDLING, "Cán bộ xử lý đơn", "handling_officer")
    p.lane(HEAD, "Thủ trưởng đơn vị", "head_of_unit")
    p.lane(VERIFY, "Tổ xác minh", "verification_team")
    p.lane(PUBLISH, "Cán bộ công khai", "publication_officer")
    phases = {name: p.phase(name) for name in (
        "Tiếp nhận", "Phân loại, thụ lý", "Xác minh", "Làm việc, đối thoại", "Kết luận", "Xử lý",
        "Công khai", "Kết thúc")}
    _receive(p, phases["Tiếp nhận"])
    _classify(p, phases["Phân loại, thụ lý"])
    _verify(p, phases["Xác minh"], phases["Làm việc, đối thoại"])
    _conclude(p, phases["Kết luận"])
    _act(p, phases["Xử lý"])
    _publish(p, phases["Công khai"])
    _finish(p, phases["Kết thúc"])
    for timer_id, timer in p.boundaries.items():
        if timer.time_date == RESOLUTION_DUE:
            p.flow(timer_id, "Script_den_resolution_overdue")
    attach_documents(p)  # issue 16: the forms each step issues
    return p


# ---- Tiếp nhận ---------------------------------------------------------------------------------
def _receive(p: Process, ph: int) -> None:
    p.start("Start_den", "Nhận tố cáo từ khâu tiếp nhận", RECEPTION, ph, 0,
            start_data="received_on")
    p.script("Script_den_intake", "Tính hạn xử lý ban đầu, hạn chuyển đơn", RECEPTION, ph, 1,
             INTAKE_SCRIPT, doc=(
                 "Hạn xử lý ban đầu 07 ngày làm việc kể từ ngày nhận (LTC Điều 24.1 [C]); hạn chuyển "
                 "đơn 05 ngày làm việc (LTC Điều 24.2 [C]); hạn báo kết quả cho nơi chuyển đơn 20 "
                 "ngày (LTC Điều 26.2, domain-spec §6 [U])."))
    p.xor("GW_den_forwarded", "Đơn do cơ quan, báo chí chuyển đến?", RECEPTION, ph, 2)
    p.parallel("Par_den_forward_fork", "Theo dõi việc báo kết quả cho nơi chuyển đơn", RECEPTION, ph,
               3, row=1)
    p.xor("GW_den_forward_merge", "", RECEPTION, ph, 4)
    p.user("Task_den_register", "Vào sổ theo dõi tố cáo, kiểm tra thông tin người tố cáo", RECEPTION,
           ph, 5, form=[
        Field("denunciation_register_number", "string", "Số vào sổ theo dõi tố cáo", required=True),
        Field("initial_extended", "boolean", "Gia hạn xử lý ban đầu lên 10 ngày làm việc",
              required=True, extra={"help": "Chọn khi phải kiểm tra, xác minh ở nhiều địa điểm "
                                            "hoặc qua cơ quan, tổ chức khác (LTC Điều 24.1)."}),
    ], doc="Vào sổ, kiểm tra họ tên, địa chỉ người tố cáo (LTC Điều 24.1 [C]; domain-spec §2.2 [C]). "
           "Hạn: 07 ngày làm việc kể từ ngày nhận tố cáo.")
    p.timer("Timer_den_initial_register", "Hạn xử lý ban đầu", "Task_den_register",
            time_date="initial_due_at")
    p.user("Task_den_reply_forwarder", "Thông báo kết quả xử lý cho nơi chuyển đơn", HANDLING, ph, 4,
           form=[
               Field("forward_reply_number", "string", "Số văn bản trả lời", required=True),
               Field("forward_reply_on", "date", "Ngày gửi", required=True),
               Field("forward_reply_content", "text", "Kết quả xử lý đã thông báo", required=True),
           ], doc="Tố cáo do cơ quan báo chí, cơ quan, tổ chức, cá nhân có thẩm quyền chuyển đến: "
                  "thông báo kết quả xử lý trong 20 ngày (LTC Điều 26.2, theo domain-spec §6 [U]).")
    p.timer("Timer_den_forward_reply", "Hạn trả lời nơi chuyển đơn", "Task_den_reply_forwarder",
            time_date="forward_reply_due_at")
    p.script("Script_den_reply_strip", "Ghi nhận đã báo nơi chuyển đơn; bỏ thông tin người tố cáo "
             "khỏi dữ liệu nhánh", HANDLING, ph, 5, "forwarder_replied = True\n" + BRANCH_STRIP_SCRIPT,
             doc="forwarder_replied báo cho quy trình tiếp nhận không trả lời nơi chuyển đơn lần "
                 "nữa. Nhánh này tách ra trước khi niêm phong: bản dữ liệu của nhánh bỏ thông tin "
                 "người tố cáo để khi hợp nhất dữ liệu lúc kết thúc không lộ danh tính (LTC Điều "
                 "8.3 [C]).")
    p.end("End_den_reply", "Đã báo kết quả cho nơi chuyển đơn", HANDLING, ph, 6)
    p.script("Script_den_forward_overdue", "Ghi nhận quá hạn trả lời nơi chuyển đơn", HEAD, ph, 4,
             _overdue_script("forward_reply", "forward_reply_overdue", "forward_reply_due",
                             "LTC Điều 26.2: báo kết quả cho nơi chuyển đơn trong 20 ngày"),
             row=HD_OVERDUE)

    p.flow("Start_den", "Script_den_intake")
    p.flow("Script_den_intake", "GW_den_forwarded")
    p.flow("GW_den_forwarded", "Par_den_forward_fork", "Có nơi chuyển đơn", condition="forwarded")
    p.flow("GW_den_forwarded", "GW_den_forward_merge", "Công dân gửi trực tiếp", default=True)
    p.flow("Par_den_forward_fork", "GW_den_forward_merge")
    p.flow("Par_den_forward_fork", "Task_den_reply_forwarder")
    p.flow("GW_den_forward_merge", "Task_den_register")
    p.flow("Task_den_register", "Script_den_initial_due")
    p.flow("Task_den_reply_forwarder", "Script_den_reply_strip")
    p.flow("Script_den_reply_strip", "End_den_reply")
    p.flow("Timer_den_forward_reply", "Script_den_forward_overdue")
    p.flow("Script_den_forward_overdue", "Task_den_overdue_report")


# ---- Phân loại, thụ lý -------------------------------------------------------------------------
def _classify(p: Process, ph: int) -> None:
    p.script("Script_den_initial_due", "Tính lại hạn xử lý ban đầu", HANDLING, ph, 0,
             "initial_due = add_working_days(received_on, 10 if initial_extended else 7)\n"
             "initial_due_at = deadline(initial_due)",
             doc="07 ngày làm việc, gia hạn tối đa 10 ngày làm việc (LTC Điều 24.1 [C]).")
    p.user("Task_den_classify", "Phân loại, kiểm tra điều kiện thụ lý tố cáo", HANDLING, ph, 1, form=[
        Field("resolver_competent", "boolean", "Thuộc thẩm quyền giải quyết", required=True,
              extra={"help": "LTC Điều 12, 13: Chủ tịch UBND xã giải quyết tố cáo đối với cán bộ, "
                             "công chức do mình quản lý trực tiếp."}),
        Field("sent_to_competent_body", "boolean",
              "Đơn đồng thời gửi cơ quan có thẩm quyền giải quyết", required=True),
        Field("already_transferred_or_guided", "boolean",
              "Nội dung này đã được chuyển đơn hoặc đã hướng dẫn người tố cáo", required=True),
        Field("conditions_met", "boolean", "Đủ điều kiện thụ lý", required=True,
              extra={"help": "Đúng hình thức, người tố cáo có năng lực hành vi dân sự, thuộc thẩm "
                             "quyền, có căn cứ xác định người vi phạm và hành vi vi phạm "
                             "(LTC Điều 29.1)."}),
        Field("accused_name", "string", "Người bị tố cáo", required=True),
        Field("accused_position", "string", "Chức vụ, nơi công tác của người bị tố cáo"),
        Field("denunciation_content", "text", "Nội dung tố cáo (không ghi thông tin người tố cáo)",
              required=True, extra={"help": "Nội dung này được giao cho Tổ xác minh: không ghi họ "
                                            "tên, địa chỉ, bút tích hay chi tiết nhận diện người tố "
                                            "cáo (LTC Điều 8.3)."}),
        Field("classification_note", "text", "Ghi chú phân loại"),
    ], doc="Phân loại, kiểm tra điều kiện thụ lý trong thời hạn xử lý ban đầu 07 (10) ngày làm việc "
           "(LTC Điều 24.1, 29.1 [C]; TT 05/2021 Điều 13 [C]).")
    p.timer("Timer_den_initial_classify", "Hạn xử lý ban đầu", "Task_den_classify",
            time_date="initial_due_at")
    p.xor("GW_den_competence", "Thuộc thẩm quyền?", HANDLING, ph, 2)
    p.xor("GW_den_conditions", "Đủ điều kiện thụ lý?", HANDLING, ph, 3)
    p.xor("GW_den_transfer_once", "Đã gửi đúng nơi, đã chuyển hoặc đã hướng dẫn?", HANDLING, ph, 3,
          row=H_TRANSFER)
    p.user("Task_den_transfer", "Chuyển đơn (Mẫu 03) và thông báo người tố cáo", HANDLING, ph, 4,
           row=H_TRANSFER, form=[
               Field("transfer_slip_number", "string", "Số phiếu chuyển đơn (Mẫu 03)", required=True),
               Field("transfer_to", "string", "Cơ quan có thẩm quyền nhận đơn", required=True),
               Field("transfer_slip_on", "date", "Ngày chuyển", required=True),
               # A unit of this system: the case moves there with its history (issue 20 §5).
               Field("receiving_unit", "unit", "Đơn vị nhận đơn trong hệ thống (nếu có)"),
               Field("denouncer_notified", "enum", "Thông báo cho người tố cáo", required=True,
                     choices=[("notified", "Đã thông báo việc chuyển đơn"),
                              ("guided", "Tố cáo trực tiếp: đã hướng dẫn đến cơ quan có thẩm quyền")]),
           ], doc="Không thuộc thẩm quyền: chuyển đơn trong 05 ngày làm việc kể từ ngày nhận, chỉ "
                  "chuyển một lần cho cùng nội dung, thông báo người tố cáo (LTC Điều 24.2 [C]; "
                  "TT 05/2021 Điều 14.1, Mẫu 03 [C]).")
    p.timer("Timer_den_transfer", "Hạn chuyển đơn", "Task_den_transfer",
            time_date="transfer_slip_due_at")
    p.end("End_den_transferred", "Đã chuyển đơn", HANDLING, ph, 5, row=H_TRANSFER)
    p.user("Task_den_not_processed", "Không xử lý, lưu đơn", HANDLING, ph, 4, row=H_SKIP, form=[
        Field("not_processed_reason", "text", "Lý do không xử lý", required=True),
    ], doc="Không xử lý tố cáo đã gửi đồng thời cơ quan có thẩm quyền, hoặc đã được chuyển đơn, "
           "hướng dẫn (LTC Điều 24.2, 24.3 [C]).")
    p.timer("Timer_den_initial_skip", "Hạn xử lý ban đầu", "Task_den_not_processed",
            time_date="initial_due_at")
    p.end("End_den_not_processed", "Lưu đơn, không xử lý", HANDLING, ph, 5, row=H_SKIP)
    p.user("Task_den_refuse", "Thông báo không thụ lý tố cáo", HANDLING, ph, 4, row=H_REFUSE, form=[
        Field("refusal_reason", "text", "Lý do không thụ lý", required=True),
        Field("refusal_notice_number", "string", "Số thông báo", required=True),
        Field("refusal_notice_on", "date", "Ngày thông báo", required=True),
    ], doc="Không đủ điều kiện thụ lý: thông báo cho người tố cáo, nêu rõ lý do (LTC Điều 29.1 [C]).")
    p.timer("Timer_den_initial_refuse", "Hạn xử lý ban đầu", "Task_den_refuse",
            time_date="initial_due_at")
    p.end("End_den_refused", "Không thụ lý", HANDLING, ph, 5, row=H_REFUSE)
    p.user("Task_den_accept", "Quyết định thụ lý tố cáo (Mẫu 04)", HEAD, ph, 4, form=[
        Field("acceptance_number", "string", "Số quyết định thụ lý", required=True),
        Field("accepted_on", "date", "Ngày thụ lý", required=True),
    ], doc="Quyết định thụ lý (NĐ 31/2019 Mẫu 04 [C]; LTC Điều 29.1 [C]) trong thời hạn xử lý ban "
           "đầu. Thời hạn giải quyết 30 ngày tính từ ngày thụ lý (LTC Điều 30 [C]).")
    p.timer("Timer_den_initial_accept", "Hạn xử lý ban đầu", "Task_den_accept",
            time_date="initial_due_at")
    p.script("Script_den_acceptance", "Tính hạn giải quyết, hạn thông báo thụ lý", HEAD, ph, 5,
             "resolution_due = add_days(accepted_on, 30)\n"
             "resolution_due_at = deadline(resolution_due)\n"
             "acceptance_notice_due = add_working_days(accepted_on, 5)\n"
             "acceptance_notice_due_at = deadline(acceptance_notice_due)\n"
             "extensions_used = 0\nsuspensions = 0\nwithdrawals = 0",
             doc="Hạn giải quyết 30 ngày (LTC Điều 30 [C]); thông báo thụ lý trong 05 ngày làm việc "
                 "(LTC Điều 29.3; NĐ 31 Điều 9 [C]).")
    p.user("Task_den_notify_accept", "Thông báo thụ lý cho người tố cáo (Mẫu 05), nội dung cho "
           "người bị tố cáo (Mẫu 06)", HANDLING, ph, 6, form=[
               Field("notice_denouncer_number", "string", "Số thông báo gửi người tố cáo (Mẫu 05)",
                     required=True),
               Field("notice_accused_number", "string", "Số thông báo gửi người bị tố cáo (Mẫu 06)",
                     required=True),
               Field("notices_sent_on", "date", "Ngày gửi", required=True),
           ], doc="Trong 05 ngày làm việc kể từ ngày thụ lý (LTC Điều 29.3; NĐ 31 Điều 9 [C]). Thông "
                  "báo cho người bị tố cáo không ghi thông tin người tố cáo (LTC Điều 8.3 [C]).")
    p.timer("Timer_den_notice", "Hạn thông báo thụ lý", "Task_den_notify_accept",
            time_date="acceptance_notice_due_at")
    _resolution_timer(p, "Task_den_notify_accept", slot=1)
    p.script("Script_den_seal", "Niêm phong thông tin người tố cáo", HANDLING, ph, 7, SEAL_SCRIPT,
             doc="Trước khi giao hồ sơ cho Tổ xác minh: họ tên, số định danh, điện thoại, địa chỉ, "
                 "người đại diện và bản tóm tắt đơn được chuyển vào sealed_identity và xoá khỏi dữ "
                 "liệu hồ sơ (LTC Điều 8.3, 40.3, 56.2 [C]; Luật 136/2025 [U]).")
    for timer in ("initial_register", "initial_classify", "initial_accept", "initial_refuse",
                  "initial_skip"):
        p.flow(f"Timer_den_{timer}", "Script_den_initial_overdue")
    p.script("Script_den_initial_overdue", "Ghi nhận quá hạn xử lý ban đầu", HEAD, ph, 1,
             _overdue_script("initial", "initial_overdue", "initial_due",
                             "LTC Điều 24.1: xử lý ban đầu 07 (10) ngày làm việc"), row=HD_OVERDUE)
    p.script("Script_den_transfer_overdue", "Ghi nhận quá hạn chuyển đơn", HEAD, ph, 4,
             _overdue_script("transfer", "transfer_slip_overdue", "transfer_slip_due",
                             "LTC Điều 24.2: chuyển đơn trong 05 ngày làm việc"), row=HD_OVERDUE)
    p.script("Script_den_notice_overdue", "Ghi nhận quá hạn thông báo thụ lý", HEAD, ph, 6,
             _overdue_script("acceptance_notice", "acceptance_notice_overdue", "acceptance_notice_due",
                             "LTC Điều 29.3: thông báo thụ lý trong 05 ngày làm việc"), row=HD_OVERDUE)

    p.flow("Script_den_initial_due", "Task_den_classify")
    p.flow("Task_den_classify", "GW_den_competence")
    p.flow("GW_den_competence", "GW_den_conditions", "Thuộc thẩm quyền",
           condition="resolver_competent")
    p.flow("GW_den_competence", "GW_den_transfer_once", "Không thuộc thẩm quyền", default=True)
    p.flow("GW_den_transfer_once", "Task_den_not_processed", "Có: không xử lý",
           condition="sent_to_competent_body or already_transferred_or_guided")
    p.flow("GW_den_transfer_once", "Task_den_transfer", "Chưa: chuyển đơn một lần", default=True)
    p.flow("Task_den_transfer", "End_den_transferred")
    p.flow("Task_den_not_processed", "End_den_not_processed")
    p.flow("GW_den_conditions", "Task_den_accept", "Đủ điều kiện", condition="conditions_met")
    p.flow("GW_den_conditions", "Task_den_refuse", "Không đủ điều kiện", default=True)
    p.flow("Task_den_refuse", "End_den_refused")
    p.flow("Task_den_accept", "Script_den_acceptance")
    p.flow("Script_den_acceptance", "Task_den_notify_accept")
    p.flow("Task_den_notify_accept", "Script_den_seal")
    p.flow("Script_den_seal", "Task_den_team")
    p.flow("Timer_den_transfer", "Script_den_transfer_overdue")
    p.flow("Timer_den_notice", "Script_den_notice_overdue")
    for script in ("initial", "transfer", "notice"):
        p.flow(f"Script_den_{script}_overdue", "Task_den_overdue_report")


# ---- Xác minh; Làm việc, đối thoại ---------------------------------------------------------------
RESOLUTION_DUE = "resolution_due_at"


def _resolution_timer(p: Process, task: str, slot: int = 0) -> None:
    """The resolution deadline (LTC Điều 30) guards every task of the resolution phase."""
    p.timer(f"Timer_den_res_{task.removeprefix('Task_den_')}", "Hạn giải quyết", task,
            time_date=RESOLUTION_DUE, slot=slot)


def _verify(p: Process, ph: int, ph_talk: int) -> None:
    p.user("Task_den_team", "Quyết định thành lập Tổ xác minh (Mẫu 07)", HEAD, ph, 0, form=[
        Field("team_decision_number", "string", "Số quyết định", required=True),
        Field("team_members", "text", "Thành viên Tổ xác minh", required=True),
        Field("team_size", "integer", "Số thành viên", required=True, extra={"min": "2"}),
        Field("team_no_conflict", "enum", "Kiểm tra xung đột lợi ích", required=True, choices=[
            ("checked", "Không có người thân thích, người có lợi ích liên quan đến người tố cáo, "
                        "người bị tố cáo")]),
    ], doc="Giao xác minh bằng văn bản; Tổ xác minh ít nhất 02 người, không có người thân thích, "
           "người có lợi ích liên quan (LTC Điều 31 [C]; NĐ 31 Điều 10-16, Mẫu 07 [C]). Hồ sơ giao "
           "cho Tổ xác minh đã được niêm phong thông tin người tố cáo.")
    _resolution_timer(p, "Task_den_team")
    p.user("Task_den_plan", "Lập kế hoạch xác minh, thu thập tài liệu, chứng cứ", VERIFY, ph, 1, form=[
        Field("plan_summary", "text", "Kế hoạch xác minh", required=True),
        Field("evidence_collected", "text", "Tài liệu, chứng cứ đã thu thập"),
    ], doc="Kế hoạch xác minh, yêu cầu cung cấp thông tin, tài liệu (LTC Điều 31 [C]; NĐ 31 "
           "Điều 10-16 [C]).")
    _resolution_timer(p, "Task_den_plan")
    p.user("Task_den_session", "Làm việc, đối thoại với người tố cáo (biên bản Mẫu 08)", VERIFY,
           ph_talk, 0, form=[
               Field("session_on", "date", "Ngày làm việc", required=True),
               Field("session_minutes_number", "string", "Số biên bản làm việc (Mẫu 08)",
                     required=True),
               Field("denouncer_attended", "boolean", "Người tố cáo có mặt", required=True),
               Field("session_information", "text", "Thông tin, tài liệu người tố cáo cung cấp",
                     extra={"help": "Không ghi họ tên, địa chỉ hay chi tiết nhận diện người tố cáo; "
                                    "biên bản gốc lưu trong hồ sơ mật."}),
           ], doc="Làm việc trực tiếp với người tố cáo, lập biên bản (NĐ 31 Điều 10-16, Mẫu 08 [C]). "
                  "Pháp luật tố cáo không quy định đối thoại; buổi làm việc này là bước “đối thoại” "
                  "của quy trình. Giấy mời do Thủ trưởng gửi theo thông tin niêm phong.")
    _resolution_timer(p, "Task_den_session")
    p.user("Task_den_accused", "Làm việc với người bị tố cáo, nhận giải trình", VERIFY, ph_talk, 1,
           form=[
               Field("explanation_on", "date", "Ngày làm việc", required=True),
               Field("explanation_summary", "text", "Nội dung giải trình", required=True),
           ], doc="Người bị tố cáo giải trình bằng văn bản, cung cấp chứng cứ (LTC Điều 31 [C]; "
                  "NĐ 31 Điều 10-16 [C]). Không tiết lộ người tố cáo (LTC Điều 8.3 [C]).")
    _resolution_timer(p, "Task_den_accused")
    p.flow("Task_den_team", "Task_den_plan")
    p.flow("Task_den_plan", "Task_den_session")
    p.flow("Task_den_session", "Task_den_accused")
    p.flow("Task_den_accused", "Task_den_report")


# ---- Kết luận ----------------------------------------------------------------------------------
def _conclude(p: Process, ph: int) -> None:
    p.user("Task_den_report", "Báo cáo kết quả xác minh (Mẫu 10/11)", VERIFY, ph, 0, form=[
        Field("report_number", "string", "Số báo cáo", required=True),
        Field("report_on", "date", "Ngày báo cáo", required=True),
        Field("findings", "text", "Kết quả xác minh", required=True),
        Field("proposed_outcome", "enum", "Đề xuất", required=True, choices=OUTCOMES),
        Field("verification_crime_signs", "boolean", "Có dấu hiệu tội phạm", required=True,
              extra={"help": "Có dấu hiệu tội phạm thì báo cáo ngay để chuyển Cơ quan điều tra, "
                             "Viện kiểm sát."}),
    ], doc="Báo cáo kết quả xác minh (NĐ 31 Điều 10-16, Mẫu 10/11 [C]) khép lại bước xác minh và "
           "là dự thảo cho kết luận. Dấu hiệu tội phạm: báo cáo ngay (LTC Điều 31 [C]; Điều 27 "
           "theo domain-spec §6 [U]).")
    _resolution_timer(p, "Task_den_report")
    p.xor("GW_den_crime_verify", "Dấu hiệu tội phạm?", VERIFY, ph, 1)
    p.user("Task_den_crime_report", "Chuyển ngay hồ sơ có dấu hiệu tội phạm cho CQĐT/VKS", HEAD, ph,
           2, row=HD_EXTEND, form=[
               Field("crime_agency", "enum", "Cơ quan nhận", required=True, choices=[
                   ("cqdt", "Cơ quan điều tra"), ("vks", "Viện kiểm sát nhân dân")]),
               Field("crime_transfer_number", "string", "Số văn bản chuyển", required=True),
               Field("crime_transferred_on", "date", "Ngày chuyển", required=True),
           ], doc="Hành vi bị tố cáo có dấu hiệu tội phạm: chuyển ngay hồ sơ, tài liệu cho Cơ quan "
                  "điều tra hoặc Viện kiểm sát (LTC Điều 36.2 [C]; Điều 27 theo domain-spec §6 "
                  "[U]); phần còn lại tiếp tục giải quyết.")
    _resolution_timer(p, "Task_den_crime_report")
    p.xor("GW_den_crime_merge", "", VERIFY, ph, 3)
    p.user("Task_den_progress", "Xem xét báo cáo xác minh, quyết định hướng giải quyết", HEAD, ph, 4,
           form=[
               Field("progress_decision", "enum", "Quyết định", required=True, choices=[
                   ("conclude", "Kết luận nội dung tố cáo"),
                   ("extend", "Gia hạn giải quyết (vụ việc phức tạp)"),
                   ("suspend", "Tạm đình chỉ (chờ cơ quan khác, chờ giám định)"),
                   ("withdrawn", "Người tố cáo rút tố cáo"),
                   ("terminate", "Đình chỉ (người bị tố cáo chết, đã có bản án, quyết định)"),
               ], extra={"help": "Tối đa 03 lần tạm đình chỉ và 02 lần xem xét rút tố cáo trong "
                                 "quy trình; quá số lần thì hồ sơ chuyển sang kết luận."}),
               Field("progress_note", "text", "Ý kiến"),
           ], doc="Người giải quyết tố cáo xem xét báo cáo xác minh và quyết "
                  "định: kết luận, gia hạn (LTC Điều 30 [C]), tạm đình chỉ hoặc đình chỉ (LTC Điều "
                  "34 [C]), xem xét việc rút tố cáo (LTC Điều 33 [C]).")
    _resolution_timer(p, "Task_den_progress")
    p.xor("GW_den_progress", "Hướng giải quyết", HEAD, ph, 5)
    # Extension: 30 days once (complex, 1 criterion) or twice (especially complex, ≥ 2 criteria).
    p.user("Task_den_extension", "Quyết định gia hạn giải quyết tố cáo (Mẫu 01)", HEAD, ph, 6,
           row=HD_EXTEND, form=[
               Field("complexity_criteria", "multienum", "Tiêu chí vụ việc phức tạp", required=True,
                     choices=COMPLEXITY_CRITERIA, extra={"help": "01 tiêu chí: phức tạp (gia hạn 01 "
                                                                 "lần); từ 02 tiêu chí: đặc biệt "
                                                                 "phức tạp (gia hạn 02 lần)."}),
               Field("extension_number", "string", "Số quyết định gia hạn", required=True),
               Field("extension_on", "date", "Ngày quyết định", required=True),
           ], doc="Gia hạn bằng quyết định (NĐ 31 Mẫu 01 [C]): vụ việc phức tạp gia hạn 01 lần, "
                  "đặc biệt phức tạp 02 lần, mỗi lần không quá 30 ngày (LTC Điều 30 [C]; NĐ 31 Điều 3 "
                  "[C]). Hết số lần gia hạn thì phải kết luận.")
    _resolution_timer(p, "Task_den_extension")
    p.xor("GW_den_ext_allowed", "Còn được gia hạn?", HEAD, ph, 7, row=HD_EXTEND)
    p.script("Script_den_extend", "Tính lại hạn giải quyết (+30 ngày)", HEAD, ph, 8,
             "extensions_used = extensions_used + 1\n"
             "resolution_due = add_days(resolution_due, 30)\n"
             "resolution_due_at = deadline(resolution_due)", row=HD_EXTEND,
             doc="Mỗi lần gia hạn không quá 30 ngày, tính tiếp từ hạn hiện tại; ngày cuối rơi vào "
                 "ngày nghỉ thì lùi sang ngày làm việc tiếp theo (LTC Điều 30 [C]; BLDS Điều 148).")
    p.user("Task_den_extension_notice", "Thông báo gia hạn cho người tố cáo, người bị tố cáo",
           HANDLING, ph, 9, form=[
               Field("extension_notice_on", "date", "Ngày thông báo", required=True),
           ], doc="Quyết định gia hạn được gửi cho người tố cáo, người bị tố cáo (LTC Điều 30 [C]); "
                  "việc xác minh tiếp tục.")
    _resolution_timer(p, "Task_den_extension_notice")
    # Suspension: the clock stops; no resolution timer on this path.
    p.user("Task_den_suspend", "Quyết định tạm đình chỉ giải quyết tố cáo", HEAD, ph, 6,
           row=HD_SUSPEND, form=[
               Field("suspension_reason", "enum", "Căn cứ tạm đình chỉ", required=True, choices=[
                   ("other_body", "Chờ kết quả giải quyết của cơ quan, tổ chức khác"),
                   ("assessment", "Chờ kết quả giám định bổ sung")]),
               Field("suspension_number", "string", "Số quyết định", required=True),
               Field("suspended_on", "date", "Ngày tạm đình chỉ", required=True),
           ], doc="Tạm đình chỉ khi chờ kết quả của cơ quan khác hoặc giám định; thời gian tạm đình "
                  "chỉ không tính vào thời hạn giải quyết (LTC Điều 34 [C]).")
    p.script("Script_den_suspend", "Tính hạn gửi quyết định tạm đình chỉ", HEAD, ph, 7,
             "suspensions = suspensions + 1\n"
             "decision_notice_due = add_working_days(suspended_on, 5)\n"
             "decision_notice_due_at = deadline(decision_notice_due)", row=HD_SUSPEND,
             doc="Quyết định gửi trong 05 ngày làm việc (LTC Điều 34 [C]).")
    p.user("Task_den_suspension_notice", "Gửi quyết định tạm đình chỉ", HANDLING, ph, 8, form=[
        Field("suspension_sent_on", "date", "Ngày gửi", required=True),
    ], doc="Gửi cho người tố cáo, người bị tố cáo, cơ quan liên quan trong 05 ngày làm việc "
           "(LTC Điều 34 [C]). Hạn giải quyết tạm dừng.")
    p.timer("Timer_den_suspension_notice", "Hạn gửi quyết định", "Task_den_suspension_notice",
            time_date="decision_notice_due_at")
    p.user("Task_den_resume", "Quyết định tiếp tục giải quyết", HEAD, ph, 9, row=HD_SUSPEND, form=[
        Field("resume_number", "string", "Số quyết định tiếp tục", required=True),
        Field("resumed_on", "date", "Ngày tiếp tục giải quyết", required=True),
    ], doc="Lý do tạm đình chỉ không còn: quyết định tiếp tục; số ngày còn lại của thời hạn được "
           "tính lại từ ngày tiếp tục (LTC Điều 34 [C]).")
    p.script("Script_den_resume", "Tính lại hạn giải quyết sau tạm đình chỉ", HEAD, ph, 10,
             "resolution_due = resume_deadline(resolution_due, suspended_on, resumed_on, False)\n"
             "resolution_due_at = deadline(resolution_due)", row=HD_SUSPEND,
             doc="Thời gian tạm đình chỉ không tính vào thời hạn (LTC Điều 34 [C]).")
    # Withdrawal (LTC Điều 33).
    p.user("Task_den_withdrawal", "Xem xét việc rút tố cáo", HEAD, ph, 6, row=HD_WITHDRAW, form=[
        Field("withdrawn_on", "date", "Ngày rút tố cáo", required=True),
        Field("withdrawal_scope", "enum", "Phạm vi rút", required=True, choices=[
            ("full", "Rút toàn bộ nội dung tố cáo"), ("partial", "Rút một phần nội dung")]),
        Field("signs_of_violation", "boolean", "Có dấu hiệu vi phạm pháp luật", required=True),
        Field("denouncer_coerced", "boolean", "Người tố cáo rút do bị đe dọa, mua chuộc",
              required=True),
        Field("abuse_for_slander", "boolean", "Lợi dụng tố cáo để vu khống, xúc phạm", required=True),
    ], doc="Rút tố cáo bằng văn bản trước khi kết luận; rút một phần thì giải quyết phần còn lại; "
           "vẫn phải giải quyết nếu có dấu hiệu vi phạm, người tố cáo bị đe dọa, mua chuộc hoặc lợi "
           "dụng tố cáo để vu khống (LTC Điều 33 [C]).")
    _resolution_timer(p, "Task_den_withdrawal")
    p.xor("GW_den_withdrawal", "Phải tiếp tục giải quyết?", HEAD, ph, 7, row=HD_WITHDRAW)
    p.script("Script_den_withdrawal_continue", "Ghi nhận tiếp tục giải quyết", HEAD, ph, 8,
             "withdrawals = withdrawals + 1\nwithdrawal_continued = True", row=HD_WITHDRAW)
    p.user("Task_den_conclusion", "Ban hành kết luận nội dung tố cáo (Mẫu 12)", HEAD, ph, 11, form=[
        Field("conclusion_number", "string", "Số kết luận", required=True),
        Field("concluded_on", "date", "Ngày kết luận", required=True),
        Field("conclusion_outcome", "enum", "Kết luận", required=True, choices=OUTCOMES),
        Field("conclusion_summary", "text", "Tóm tắt kết luận (nội dung được công khai)",
              required=True, extra={"help": "Không ghi họ tên, địa chỉ, bút tích hay thông tin "
                                            "nhận diện người tố cáo (LTC Điều 8.3, 40.3)."}),
        Field("crime_signs_conclusion", "boolean", "Hành vi vi phạm có dấu hiệu tội phạm",
              required=True),
    ], doc="Kết luận nội dung tố cáo (LTC Điều 35 [C]; NĐ 31 Mẫu 12 [C]) trong thời hạn giải quyết.")
    _resolution_timer(p, "Task_den_conclusion")
    p.script("Script_den_conclusion_redact", "Che thông tin người tố cáo trong kết luận", HEAD, ph, 12,
             redact_script("conclusion_summary", "conclusion_redactions"),
             doc="Kết luận được gửi cho người bị tố cáo và công khai: mọi thông tin đã niêm phong "
                 "(họ tên, số định danh, điện thoại, địa chỉ, người đại diện) còn sót trong tóm tắt "
                 "kết luận được che trước khi rẽ nhánh (LTC Điều 8.3, 35, 40.3 [C]).")
    p.script("Script_den_conclusion_dues", "Tính hạn gửi kết luận, xử lý, công khai", HEAD, ph, 13,
             "conclusion_send_due = add_working_days(concluded_on, 5)\n"
             "conclusion_send_due_at = deadline(conclusion_send_due)\n"
             "action_due = add_working_days(concluded_on, 7)\n"
             "action_due_at = deadline(action_due)\n"
             "publication_due = add_working_days(concluded_on, 7)\n"
             "publication_due_at = deadline(publication_due)\n"
             # what the follow-up process (decision_followup) reads, issue 19 §1
             'followup_source = "denunciation"\n'
             "followup_reference = conclusion_number\n"
             "followup_overturns = False",
             doc="Gửi kết luận 05 ngày làm việc (LTC Điều 35 [C]); xử lý kết luận 07 ngày làm việc "
                 "(LTC Điều 36 [C]); công khai 07 ngày làm việc (LTC Điều 40; NĐ 31 Điều 6 [C]).")
    p.parallel("Par_den_after_conclusion", "Gửi, xử lý và công khai kết luận", HEAD, ph, 14)
    p.user("Task_den_send_conclusion", "Gửi kết luận cho người bị tố cáo, cơ quan quản lý; thông "
           "báo người tố cáo", HANDLING, ph, 14, form=[
               Field("conclusion_sent_on", "date", "Ngày gửi", required=True),
               Field("conclusion_recipients", "text", "Nơi nhận", required=True),
               Field("denouncer_informed", "boolean", "Đã thông báo kết luận cho người tố cáo",
                     required=True),
           ], doc="Trong 05 ngày làm việc kể từ ngày kết luận: gửi người bị tố cáo, cơ quan quản lý "
                  "người bị tố cáo; thông báo người tố cáo (LTC Điều 35 [C]).")
    p.timer("Timer_den_send_conclusion", "Hạn gửi kết luận", "Task_den_send_conclusion",
            time_date="conclusion_send_due_at")
    p.script("Script_den_resolution_overdue", "Ghi nhận quá hạn giải quyết", HEAD, ph, 4,
             _overdue_script("resolution", "resolution_overdue", "resolution_due",
                             "LTC Điều 30: giải quyết trong 30 ngày, gia hạn tối đa 02 lần x 30 ngày"),
             row=HD_OVERDUE)
    p.script("Script_den_decision_notice_overdue", "Ghi nhận quá hạn gửi quyết định", HEAD, ph, 8,
             _overdue_script("decision_notice", "decision_notice_overdue", "decision_notice_due",
                             "LTC Điều 34: gửi quyết định tạm đình chỉ, đình chỉ trong 05 ngày làm việc"),
             row=HD_OVERDUE)
    p.script("Script_den_send_overdue", "Ghi nhận quá hạn gửi kết luận", HEAD, ph, 13,
             _overdue_script("conclusion_send", "conclusion_send_overdue", "conclusion_send_due",
                             "LTC Điều 35: gửi kết luận trong 05 ngày làm việc"), row=HD_OVERDUE)

    p.flow("Task_den_report", "GW_den_crime_verify")
    p.flow("GW_den_crime_verify", "Task_den_crime_report", "Có", condition="verification_crime_signs")
    p.flow("GW_den_crime_verify", "GW_den_crime_merge", "Không", default=True)
    p.flow("Task_den_crime_report", "GW_den_crime_merge")
    p.flow("GW_den_crime_merge", "Task_den_progress")
    p.flow("Task_den_progress", "GW_den_progress")
    p.flow("GW_den_progress", "Task_den_extension", "Gia hạn",
           condition='progress_decision == "extend"')
    p.flow("GW_den_progress", "Task_den_suspend", "Tạm đình chỉ",
           condition='progress_decision == "suspend" and suspensions < 3')
    p.flow("GW_den_progress", "Task_den_withdrawal", "Rút tố cáo",
           condition='progress_decision == "withdrawn" and withdrawals < 2')
    p.flow("GW_den_progress", "Task_den_terminate", "Đình chỉ",
           condition='progress_decision == "terminate"')
    p.flow("GW_den_progress", "Task_den_conclusion", "Kết luận", default=True)
    p.flow("Task_den_extension", "GW_den_ext_allowed")
    p.flow("GW_den_ext_allowed", "Script_den_extend", "Còn lượt gia hạn",
           condition="extensions_used < (2 if len(complexity_criteria) >= 2 else 1)")
    p.flow("GW_den_ext_allowed", "Task_den_conclusion", "Hết lượt: phải kết luận", default=True)
    p.flow("Script_den_extend", "Task_den_extension_notice")
    p.flow("Task_den_extension_notice", "Task_den_session", "Tiếp tục xác minh")
    p.flow("Task_den_suspend", "Script_den_suspend")
    p.flow("Script_den_suspend", "Task_den_suspension_notice")
    p.flow("Task_den_suspension_notice", "Task_den_resume")
    p.flow("Task_den_resume", "Script_den_resume")
    p.flow("Script_den_resume", "Task_den_progress", "Tiếp tục giải quyết")
    p.flow("Task_den_withdrawal", "GW_den_withdrawal")
    p.flow("GW_den_withdrawal", "Script_den_withdrawal_continue", "Tiếp tục giải quyết",
           condition='withdrawal_scope == "partial" or signs_of_violation or denouncer_coerced '
                     'or abuse_for_slander')
    p.flow("GW_den_withdrawal", "Task_den_terminate", "Đình chỉ", default=True)
    p.flow("Script_den_withdrawal_continue", "Task_den_progress")
    p.flow("Task_den_conclusion", "Script_den_conclusion_redact")
    p.flow("Script_den_conclusion_redact", "Script_den_conclusion_dues")
    p.flow("Script_den_conclusion_dues", "Par_den_after_conclusion")
    p.flow("Par_den_after_conclusion", "Task_den_send_conclusion")
    p.flow("Par_den_after_conclusion", "GW_den_outcome")
    p.flow("Par_den_after_conclusion", "Script_den_publication_text")
    p.flow("Task_den_send_conclusion", "Par_den_join")
    p.flow("Timer_den_suspension_notice", "Script_den_decision_notice_overdue")
    p.flow("Timer_den_send_conclusion", "Script_den_send_overdue")
    for script in ("resolution", "decision_notice", "send"):
        p.flow(f"Script_den_{script}_overdue", "Task_den_overdue_report")


# ---- Xử lý -------------------------------------------------------------------------------------
def _act(p: Process, ph: int) -> None:
    p.xor("GW_den_outcome", "Kết quả kết luận", HEAD, ph, 0)
    p.user("Task_den_sanction", "Xử lý người vi phạm, khắc phục hậu quả", HEAD, ph, 1, form=[
        Field("sanction_measures", "text", "Biện pháp xử lý, kiến nghị", required=True),
        Field("sanction_on", "date", "Ngày quyết định", required=True),
    ], doc="Tố cáo đúng hoặc đúng một phần: xử lý kỷ luật, xử lý vi phạm theo thẩm quyền hoặc kiến "
           "nghị cơ quan có thẩm quyền trong 07 ngày làm việc kể từ ngày kết luận (LTC Điều 36 [C]).")
    p.timer("Timer_den_action_sanction", "Hạn xử lý kết luận", "Task_den_sanction",
            time_date="action_due_at")
    p.user("Task_den_restore", "Khôi phục quyền, lợi ích của người bị tố cáo", HEAD, ph, 1, row=1,
           form=[
               Field("restore_measures", "text", "Biện pháp khôi phục; xử lý người cố ý tố cáo sai",
                     required=True),
               Field("restore_on", "date", "Ngày thực hiện", required=True),
           ], doc="Tố cáo sai: khôi phục quyền, lợi ích hợp pháp của người bị tố cáo; xử lý người cố "
                  "ý tố cáo sai sự thật, trong 07 ngày làm việc (LTC Điều 36 [C]).")
    p.timer("Timer_den_action_restore", "Hạn xử lý kết luận", "Task_den_restore",
            time_date="action_due_at")
    p.xor("GW_den_crime_action", "Dấu hiệu tội phạm?", HEAD, ph, 2)
    p.user("Task_den_crime_action", "Chuyển hồ sơ vụ việc cho CQĐT/VKS", HEAD, ph, 3, row=1, form=[
        Field("crime_action_agency", "enum", "Cơ quan nhận", required=True, choices=[
            ("cqdt", "Cơ quan điều tra"), ("vks", "Viện kiểm sát nhân dân")]),
        Field("crime_action_number", "string", "Số văn bản chuyển", required=True),
        Field("crime_action_on", "date", "Ngày chuyển", required=True),
    ], doc="Hành vi vi phạm có dấu hiệu tội phạm: chuyển ngay hồ sơ cho Cơ quan điều tra hoặc Viện "
           "kiểm sát (LTC Điều 36.2 [C]).")
    p.timer("Timer_den_action_crime", "Hạn xử lý kết luận", "Task_den_crime_action",
            time_date="action_due_at")
    p.xor("GW_den_action_merge", "", HEAD, ph, 4)
    p.script("Script_den_action_overdue", "Ghi nhận quá hạn xử lý kết luận", HEAD, ph, 2,
             _overdue_script("action", "action_overdue", "action_due",
                             "LTC Điều 36: xử lý kết luận trong 07 ngày làm việc"), row=HD_OVERDUE)

    p.flow("GW_den_outcome", "Task_den_restore", "Tố cáo sai",
           condition='conclusion_outcome == "false"')
    p.flow("GW_den_outcome", "Task_den_sanction", "Đúng, đúng một phần", default=True)
    p.flow("Task_den_sanction", "GW_den_crime_action")
    p.flow("GW_den_crime_action", "Task_den_crime_action", "Có", condition="crime_signs_conclusion")
    p.flow("GW_den_crime_action", "GW_den_action_merge", "Không", default=True)
    p.flow("Task_den_crime_action", "GW_den_action_merge")
    p.flow("Task_den_restore", "GW_den_action_merge")
    p.flow("GW_den_action_merge", "Par_den_join")
    for timer in ("sanction", "restore", "crime"):
        p.flow(f"Timer_den_action_{timer}", "Script_den_action_overdue")
    p.flow("Script_den_action_overdue", "Task_den_overdue_report")


# ---- Công khai ---------------------------------------------------------------------------------
MASK = "[thông tin được bảo mật]"


def redact_script(variable: str, counter: str) -> str:
    """Replace every sealed identity value found in ``variable`` with MASK; count replacements."""
    return f"""\
identity_values = []
for identity_item in sealed_identity.values():
    if isinstance(identity_item, str) and identity_item.strip():
        identity_values.append(identity_item.strip())
    elif isinstance(identity_item, list):
        identity_values.extend([v.strip() for v in identity_item if isinstance(v, str) and v.strip()])
{counter} = 0
for identity_item in identity_values:
    if identity_item in {variable}:
        {variable} = {variable}.replace(identity_item, "{MASK}")
        {counter} = {counter} + 1
del identity_values
del identity_item
"""


PUBLICATION_TEXT_SCRIPT = (
    'publication_text = ("Kết luận nội dung tố cáo số " + conclusion_number + " ngày " + concluded_on\n'
    '                    + ". Người bị tố cáo: " + accused_name + ". " + conclusion_summary)\n'
    + redact_script("publication_text", "publication_redactions"))


def _publish(p: Process, ph: int) -> None:
    p.script("Script_den_publication_text", "Soạn nội dung công khai (không có thông tin người tố cáo)",
             PUBLISH, ph, 0, PUBLICATION_TEXT_SCRIPT,
             doc="Nội dung công khai chỉ gồm số, ngày kết luận, người bị tố cáo và tóm tắt kết luận "
                 "(đã che); kiểm tra lại lần cuối, thông tin đã niêm phong còn sót thì bị che "
                 "(LTC Điều 8.3, 40.3 [C]).")
    p.user("Task_den_publish", "Công khai kết luận nội dung tố cáo", PUBLISH, ph, 1, form=[
        Field("publication_form", "enum", "Hình thức công khai", required=True, choices=[
            ("meeting", "Công bố tại cuộc họp cơ quan, tổ chức"),
            ("posting", "Niêm yết tại trụ sở (ít nhất 15 ngày liên tục)"),
            ("portal", "Đăng trên cổng, trang thông tin điện tử (ít nhất 15 ngày liên tục)"),
            ("media", "Thông báo trên báo nói, báo hình, báo in (ít nhất 02 lần)")]),
        Field("published_on", "date", "Ngày công khai", required=True,
              extra={"not_before": "concluded_on"}),
        Field("publication_place", "string", "Nơi niêm yết, địa chỉ đăng tải hoặc cơ quan báo chí",
              required=True),
    ], doc="Công khai kết luận trong 07 ngày làm việc kể từ ngày kết luận, không công khai thông tin "
           "người tố cáo, bí mật nhà nước (LTC Điều 40 [C]; NĐ 31 Điều 6 [C]). Nội dung công khai: "
           "publication_text.")
    p.timer("Timer_den_publication", "Hạn công khai", "Task_den_publish",
            time_date="publication_due_at")
    p.xor("GW_den_pub_form", "Hình thức công khai", PUBLISH, ph, 2)
    p.script("Script_den_publication_end", "Tính ngày được gỡ niêm yết, đăng tải", PUBLISH, ph, 3,
             "publication_ends_on = add_days(published_on, 15)\n"
             "publication_ends_at = deadline(publication_ends_on)", row=1,
             doc="Niêm yết, đăng tải ít nhất 15 ngày liên tục (NĐ 31 Điều 6 [C]).")
    p.timer_catch("Timer_den_publication_period", "Đủ 15 ngày niêm yết, đăng tải", PUBLISH, ph, 4,
                  "publication_ends_at", row=1)
    p.user("Task_den_publication_removed", "Xác nhận kết thúc niêm yết, đăng tải", PUBLISH, ph, 5,
           row=1, form=[
               Field("publication_removed_on", "date", "Ngày gỡ", required=True,
                     extra={"not_after": "today", "not_before": "published_on"}),
           ], doc="Xác nhận thời gian niêm yết, đăng tải đủ 15 ngày liên tục (NĐ 31 Điều 6 [C]).")
    p.user("Task_den_publication_media", "Xác nhận số lần thông báo trên báo nói, báo hình, báo in",
           PUBLISH, ph, 3, row=2, form=[
               Field("media_times", "integer", "Số lần thông báo", required=True, extra={"min": "2"}),
               Field("media_last_on", "date", "Ngày thông báo lần cuối", required=True,
                     extra={"not_before": "published_on"}),
           ], doc="Thông báo trên phương tiện thông tin đại chúng ít nhất 02 lần (NĐ 31 Điều 6 [C]).")
    p.xor("GW_den_pub_merge", "", PUBLISH, ph, 6)
    p.script("Script_den_publication_overdue", "Ghi nhận quá hạn công khai", HEAD, ph, 1,
             _overdue_script("publication", "publication_overdue", "publication_due",
                             "LTC Điều 40: công khai kết luận trong 07 ngày làm việc"), row=HD_OVERDUE)

    p.flow("Script_den_publication_text", "Task_den_publish")
    p.flow("Task_den_publish", "GW_den_pub_form")
    p.flow("GW_den_pub_form", "Script_den_publication_end", "Niêm yết, đăng tải",
           condition='publication_form in ("posting", "portal")')
    p.flow("GW_den_pub_form", "Task_den_publication_media", "Báo nói, báo hình, báo in",
           condition='publication_form == "media"')
    p.flow("GW_den_pub_form", "GW_den_pub_merge", "Cuộc họp", default=True)
    p.flow("Script_den_publication_end", "Timer_den_publication_period")
    p.flow("Timer_den_publication_period", "Task_den_publication_removed")
    p.flow("Task_den_publication_removed", "GW_den_pub_merge")
    p.flow("Task_den_publication_media", "GW_den_pub_merge")
    p.flow("GW_den_pub_merge", "Par_den_join")
    p.flow("Timer_den_publication", "Script_den_publication_overdue")
    p.flow("Script_den_publication_overdue", "Task_den_overdue_report")


# ---- Kết thúc ----------------------------------------------------------------------------------
def _finish(p: Process, ph: int) -> None:
    p.user("Task_den_terminate", "Quyết định đình chỉ giải quyết tố cáo", HEAD, ph, 0, form=[
        Field("termination_ground", "enum", "Căn cứ đình chỉ", required=True, choices=[
            ("withdrawn", "Người tố cáo rút toàn bộ tố cáo"),
            ("accused_died", "Người bị tố cáo là cá nhân đã chết"),
            ("final_judgment", "Vụ việc đã được giải quyết bằng bản án, quyết định có hiệu lực")]),
        Field("termination_number", "string", "Số quyết định đình chỉ", required=True),
        Field("terminated_on", "date", "Ngày đình chỉ", required=True),
    ], doc="Đình chỉ khi người tố cáo rút toàn bộ tố cáo (trừ trường hợp LTC Điều 33), người bị tố "
           "cáo chết, hoặc đã có bản án, quyết định có hiệu lực (LTC Điều 34 [C]).")
    p.script("Script_den_termination_due", "Tính hạn gửi quyết định đình chỉ", HEAD, ph, 1,
             "decision_notice_due = add_working_days(terminated_on, 5)\n"
             "decision_notice_due_at = deadline(decision_notice_due)",
             doc="Gửi quyết định đình chỉ trong 05 ngày làm việc (LTC Điều 34 [C]).")
    p.user("Task_den_termination_notice", "Gửi quyết định đình chỉ", HANDLING, ph, 2, form=[
        Field("termination_sent_on", "date", "Ngày gửi", required=True),
    ], doc="Gửi cho người tố cáo, người bị tố cáo, cơ quan liên quan trong 05 ngày làm việc "
           "(LTC Điều 34 [C]).")
    p.timer("Timer_den_termination_notice", "Hạn gửi quyết định", "Task_den_termination_notice",
            time_date="decision_notice_due_at")
    p.parallel("Par_den_join", "", HANDLING, ph, 2, row=H_REFUSE)
    p.call("Call_den_followup", "Theo dõi, đôn đốc thi hành kết luận", HANDLING, ph, 3,
           "decision_followup", row=H_REFUSE,
           doc=("Kết luận đã gửi, xử lý, công khai: lập hồ sơ theo dõi, đôn đốc thi hành (seed "
                "001; LTC Điều 44-45 [U]); processes/decision_followup, docs/processes/followup.md."))
    p.xor("GW_den_close_merge", "", HANDLING, ph, 3)
    p.user("Task_den_close", "Lập, lưu trữ hồ sơ; cập nhật cơ sở dữ liệu", HANDLING, ph, 4, form=[
        Field("closed_on", "date", "Ngày kết thúc hồ sơ", required=True),
        Field("archive_number", "string", "Số hồ sơ lưu trữ", required=True),
    ], doc="Lập, lưu trữ hồ sơ giải quyết tố cáo; thông tin niêm phong lưu theo chế độ mật "
           "(LTC Điều 56.2 [C]; NĐ 154/2026 Điều 27 [S]).")
    p.end("End_den_closed", "Kết thúc giải quyết tố cáo", HANDLING, ph, 5)
    p.user("Task_den_overdue_report", "Báo cáo Thủ trưởng việc quá hạn, chỉ đạo xử lý", HEAD, ph, 3,
           row=HD_OVERDUE, form=[
               Field("overdue_direction", "text", "Ý kiến chỉ đạo", required=True),
           ], doc="Một thời hạn luật định đã qua (overdue_deadline, overdue_due, overdue_rule): công "
                  "việc chính vẫn tiếp tục; Thủ trưởng ghi ý kiến chỉ đạo (NĐ 154/2026 Điều 41.3.b "
                  "[S]).")
    p.script("Script_den_branch_strip", "Bỏ thông tin người tố cáo khỏi dữ liệu nhánh", HEAD, ph, 4,
             BRANCH_STRIP_SCRIPT, row=HD_OVERDUE,
             doc="Nhánh quá hạn có thể tách ra trước khi niêm phong: bỏ thông tin người tố cáo khỏi "
                 "bản dữ liệu của nhánh trước khi kết thúc (LTC Điều 8.3 [C]).")
    p.end("End_den_overdue", "Đã báo cáo quá hạn", HEAD, ph, 5, row=HD_OVERDUE)

    p.flow("Task_den_terminate", "Script_den_termination_due")
    p.flow("Script_den_termination_due", "Task_den_termination_notice")
    p.flow("Task_den_termination_notice", "GW_den_close_merge")
    p.flow("Par_den_join", "Call_den_followup")
    p.flow("Call_den_followup", "GW_den_close_merge")
    p.flow("GW_den_close_merge", "Task_den_close")
    p.flow("Task_den_close", "End_den_closed")
    p.flow("Timer_den_termination_notice", "Script_den_decision_notice_overdue")
    p.flow("Task_den_overdue_report", "Script_den_branch_strip")
    p.flow("Script_den_branch_strip", "End_den_overdue")


if __name__ == "__main__":
    build().write(OUTPUT)
    print(f"wrote {OUTPUT}")
