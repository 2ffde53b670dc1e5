"""Tiếp nhận, phân loại và xử lý đơn (petition_intake) and its decision table classify_petition.

    python -m tools.process_sources.intake

writes processes/intake/petition_intake.bpmn and processes/intake/classify_petition.dmn.
Steps, deadlines and sources: docs/processes/intake.md. The field names of Task_register and
Task_classify are a contract with the complaint, denunciation and recommendation processes, which
receive all of this data through their call activities: do not rename them.
"""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from tools.bpmn_builder import Field, Process
from tools.process_sources._documents import attach as attach_documents

FOLDER = "intake"
KEY = "petition_intake"
DECISION = "classify_petition"

L_RECEPTION, L_HANDLING, L_HEAD = "Lane_reception", "Lane_handling", "Lane_head"
P_RECEIVE, P_CLASSIFY, P_RESOLVE, P_DIALOGUE, P_PUBLISH, P_END = range(6)

FORWARDING_KINDS = ("deputy", "mttq", "body", "press")  # a result report is owed (LTCD Điều 27.2)
URGENT_MARKERS = ("mass_case", "complex_case", "hot_spot")

# ---- forms -------------------------------------------------------------------------------------


def _bool(name: str, label: str, default: bool | None = None) -> Field:
    extra = {} if default is None else {"default": "true" if default else "false"}
    return Field(name, "boolean", label, required=True, extra=extra)


def _date(name: str, label: str) -> Field:
    return Field(name, "date", label, required=True)


def _text(name: str, label: str, required: bool = False) -> Field:
    return Field(name, "text", label, required=required)


def _string(name: str, label: str, required: bool = False) -> Field:
    return Field(name, "string", label, required=required)


REGISTER_FORM = [
    _date("received_on", "Ngày nhận đơn"),
    Field("channel", "enum", "Hình thức tiếp nhận", required=True, choices=[
        ("direct", "Trực tiếp"), ("post", "Qua bưu chính"), ("online", "Trực tuyến"),
        ("forwarded", "Do cơ quan, tổ chức chuyển đến"),
        ("reception_session", "Tại buổi tiếp công dân"), ("suggestion_box", "Hộp thư góp ý")]),
    Field("forwarder_kind", "enum", "Cơ quan, người chuyển đơn", required=True, choices=[
        ("none", "Không có (công dân tự gửi)"), ("deputy", "Đại biểu Quốc hội/HĐND"),
        ("press", "Cơ quan báo chí"), ("mttq", "Mặt trận Tổ quốc"),
        ("body", "Cơ quan, tổ chức khác"), ("leader", "Lãnh đạo chuyển")]),
    Field("forwarded_by", "string", "Tên cơ quan, người chuyển đơn",
          extra={"required_when": "forwarder_kind!=none"}),
    _string("sender_name", "Họ và tên người gửi"),
    _string("sender_id_number", "Số định danh cá nhân/Căn cước"),
    _string("sender_phone", "Số điện thoại"),
    _string("sender_address", "Địa chỉ người gửi"),
    Field("signers", "integer", "Số người đứng tên trong đơn", required=True, extra={"min": "1"}),
    _string("representatives", "Người đại diện (đơn nhiều người đứng tên)"),
    _text("summary", "Tóm tắt nội dung đơn", required=True),
    Field("field", "enum", "Lĩnh vực", required=True, choices=[
        ("land_housing", "Đất đai, nhà ở"), ("policy", "Chế độ, chính sách"),
        ("civil_service", "Công chức, công vụ"), ("justice", "Tư pháp"),
        ("party_mass", "Đảng, đoàn thể"), ("corruption", "Tham nhũng, tiêu cực"),
        ("other", "Khác")]),
    Field("priority_markers", "multienum", "Dấu hiệu cần ưu tiên", choices=[
        ("vulnerable", "Đối tượng yếu thế"),
        ("policy_family", "Gia đình chính sách, người có công"),
        ("mass_case", "Đông người"), ("complex_case", "Phức tạp, kéo dài"),
        ("hot_spot", "Nguy cơ hình thành điểm nóng"),
        ("corruption_signs", "Có dấu hiệu tham nhũng, tiêu cực"),
        ("election", "Liên quan đến bầu cử")]),
    _bool("remote_area", "Người gửi ở vùng sâu, vùng xa, đi lại khó khăn"),
]

CLASSIFY_FORM = [
    Field("petition_type", "enum", "Loại đơn theo nội dung", required=True, choices=[
        ("complaint", "Khiếu nại"), ("denunciation", "Tố cáo"), ("recommendation", "Kiến nghị"),
        ("feedback", "Phản ánh"), ("mixed", "Nhiều nội dung")]),
    # The usual answer is pre-selected (issue 19 §4); has_identity and anonymous are pre-filled
    # from the register's senders on the task page (petitions/tasks/step_context.py).
    _bool("in_vietnamese", "Đơn viết bằng tiếng Việt", True),
    _bool("has_identity", "Đơn ghi rõ họ tên, địa chỉ, có chữ ký hoặc điểm chỉ"),
    _bool("anonymous", "Đơn nặc danh, mạo danh hoặc không xác định được người gửi"),
    _bool("within_competence", "Thuộc thẩm quyền giải quyết của cơ quan, đơn vị", True),
    _bool("already_sent_to_competent", "Đơn đồng thời gửi nhiều nơi, trong đó có cơ quan có thẩm quyền",
          False),
    _bool("already_guided", "Người gửi đã được hướng dẫn một lần về cùng nội dung", False),
    _bool("already_transferred", "Đơn cùng nội dung đã được chuyển một lần", False),
    _bool("resolved_nothing_new", "Vụ việc đã được giải quyết, đơn không có nội dung, tình tiết mới",
          False),
    _bool("crime_signs", "Nội dung đơn có dấu hiệu tội phạm", False),
    _bool("party_member", "Phản ánh, tố cáo đảng viên vi phạm quy định của Đảng", False),
    _bool("concrete_content", "Nội dung rõ ràng, chỉ rõ người vi phạm, có tài liệu, chứng cứ cụ thể",
          True),
    # Optional: the head of the unit above resolves, and alone may read the denouncer's identity.
    Field("accused_is_head", "boolean", "Người bị tố cáo là người đứng đầu cơ quan, đơn vị (cấp "
          "trên trực tiếp giải quyết, Luật Tố cáo Điều 12, 13)"),
    _string("competent_body", "Cơ quan có thẩm quyền giải quyết"),
    _string("duplicate_of", "Số đơn/hồ sơ đã xử lý trước (nếu trùng)"),
    _text("proposal_note", "Ý kiến đề xuất xử lý (Phiếu đề xuất, Mẫu 01 TT 05/2021)"),
]


def _delay_report(prefix: str) -> list[Field]:
    return [_text(f"{prefix}_delay_action", "Chỉ đạo khắc phục, xử lý trách nhiệm", required=True),
            _string(f"{prefix}_delay_responsible", "Người, bộ phận chịu trách nhiệm")]


# ---- decision table ------------------------------------------------------------------------------

DMN_INPUTS = [  # (variable, label, typeRef)
    ("petition_type", "Loại đơn", "string"),
    ("in_vietnamese", "Tiếng Việt", "boolean"),
    ("has_identity", "Rõ họ tên, địa chỉ, chữ ký", "boolean"),
    ("anonymous", "Nặc danh, mạo danh", "boolean"),
    ("within_competence", "Thuộc thẩm quyền", "boolean"),
    ("already_sent_to_competent", "Đã gửi cơ quan có thẩm quyền", "boolean"),
    ("already_guided", "Đã hướng dẫn một lần", "boolean"),
    ("already_transferred", "Đã chuyển đơn một lần", "boolean"),
    ("resolved_nothing_new", "Đã giải quyết, không có tình tiết mới", "boolean"),
    ("crime_signs", "Dấu hiệu tội phạm", "boolean"),
    ("party_member", "Đảng viên vi phạm quy định của Đảng", "boolean"),
    ("concrete_content", "Nội dung cụ thể, có chứng cứ", "boolean"),
]

# FIRST hit: the order is the rule. (id, {input: entry}, route, reason, notify_citizen expression)
DMN_RULES = [
    ("crime", {"crime_signs": "True"}, "investigators",
     "Có dấu hiệu tội phạm: chuyển ngay hồ sơ, tài liệu cho cơ quan điều tra hoặc Viện kiểm sát "
     "có thẩm quyền (Luật Tố cáo Điều 27, Điều 36 khoản 2)", "not anonymous"),
    ("party", {"party_member": "True"}, "party_committee",
     "Đảng viên vi phạm quy định của Đảng: chuyển Ủy ban kiểm tra cấp ủy có thẩm quyền "
     "(Thông tư 05/2021/TT-TTCP Điều 15)", "not anonymous"),
    ("anonymous_concrete",
     {"anonymous": "True", "concrete_content": "True", "petition_type": '? in ("denunciation", "mixed")'},
     "inspection_info",
     "Tố cáo nặc danh, mạo danh nhưng nội dung rõ ràng, chứng cứ cụ thể: không xử lý theo thủ tục "
     "tố cáo, sử dụng làm thông tin phục vụ thanh tra, kiểm tra (Luật Tố cáo Điều 25; "
     "Nghị định 31/2019/NĐ-CP Điều 20)", "False"),
    ("anonymous", {"anonymous": "True"}, "store",
     "Đơn nặc danh, mạo danh, không có nội dung cụ thể: không xử lý, lưu đơn "
     "(Luật Tố cáo Điều 25; Thông tư 05/2021/TT-TTCP)", "False"),
    ("not_vietnamese", {"in_vietnamese": "False"}, "refuse",
     "Đơn không viết bằng tiếng Việt: không đủ điều kiện xử lý, trả lại đơn và hướng dẫn "
     "(Thông tư 05/2021/TT-TTCP)", "has_identity"),
    ("no_identity", {"has_identity": "False"}, "refuse",
     "Đơn không ghi rõ họ tên, địa chỉ, không có chữ ký hoặc điểm chỉ: không đủ điều kiện xử lý "
     "(Thông tư 05/2021/TT-TTCP)", "False"),
    ("mixed", {"petition_type": '"mixed"'}, "split",
     "Đơn có nhiều nội dung khác nhau: hướng dẫn người gửi tách đơn để gửi đến đúng cơ quan có "
     "thẩm quyền (Luật Tiếp công dân Điều 25 khoản 3)", "True"),
    ("nothing_new", {"resolved_nothing_new": "True"}, "store",
     "Vụ việc đã được giải quyết đúng pháp luật, không có tình tiết mới: lưu đơn, liên kết với hồ "
     "sơ đã giải quyết (Luật Tiếp công dân Điều 9 khoản 3)", "False"),
    ("sent_to_competent", {"within_competence": "False", "already_sent_to_competent": "True"}, "store",
     "Đơn không thuộc thẩm quyền và đã đồng thời gửi cơ quan có thẩm quyền: không xử lý, lưu đơn "
     "(Luật Tố cáo Điều 24 khoản 3)", "False"),
    ("guided_once", {"within_competence": "False", "already_guided": "True"}, "store",
     "Người gửi đã được hướng dẫn một lần về cùng nội dung: không xử lý, lưu đơn "
     "(Luật Tố cáo Điều 24 khoản 3; Thông tư 05/2021/TT-TTCP)", "False"),
    ("transferred_once", {"within_competence": "False", "already_transferred": "True"}, "store",
     "Đơn cùng nội dung đã được chuyển một lần: không chuyển lại, lưu đơn "
     "(Luật Tố cáo Điều 24 khoản 2, khoản 3)", "False"),
    ("guide", {"within_competence": "False", "petition_type": '"complaint"'}, "guide",
     "Khiếu nại không thuộc thẩm quyền: hướng dẫn người khiếu nại một lần đến cơ quan có thẩm "
     "quyền (Thông tư 05/2021/TT-TTCP)", "True"),
    ("transfer", {"within_competence": "False"}, "transfer",
     "Không thuộc thẩm quyền: chuyển đơn một lần đến cơ quan có thẩm quyền kèm phiếu chuyển đơn "
     "(Luật Tiếp công dân Điều 26 khoản 2; Luật Tố cáo Điều 24 khoản 2)", "True"),
    ("accept", {}, "accept",
     "Đủ điều kiện xử lý, thuộc thẩm quyền: đề xuất thụ lý giải quyết (Thông tư 05/2021/TT-TTCP "
     "Điều 13, Mẫu 01)", "False"),
]

ROUTES = {  # route -> (target task, flow label)
    "guide": ("Task_intake_guide", "Hướng dẫn"),
    "split": ("Task_intake_split", "Tách đơn"),
    "store": ("Task_intake_store", "Lưu đơn"),
    "refuse": ("Task_intake_refuse", "Không đủ điều kiện"),
    "inspection_info": ("Task_intake_inspection_info", "Thông tin thanh tra"),
    "investigators": ("Task_intake_investigators", "Dấu hiệu tội phạm"),
    "party_committee": ("Task_intake_party", "Đảng viên vi phạm"),
    "transfer": ("Task_intake_transfer", "Chuyển đơn"),
}


def decision_xml() -> str:
    """classify_petition as DMN 1.3, with a DMNDI shape so dmn-js opens it."""
    inputs = "".join(
        f'<input id="Input_{name}" label={quoteattr(label)}>'
        f'<inputExpression id="InputExpression_{name}" typeRef="{type_ref}"><text>{name}</text>'
        "</inputExpression></input>" for name, label, type_ref in DMN_INPUTS)
    outputs = ('<output id="Output_route" label="Hướng xử lý" name="route" typeRef="string"/>'
               '<output id="Output_route_reason" label="Căn cứ" name="route_reason" typeRef="string"/>'
               '<output id="Output_notify_citizen" label="Thông báo cho người gửi" '
               'name="notify_citizen" typeRef="boolean"/>')
    rules = []
    for rule_id, entries, route, reason, notify in DMN_RULES:
        cells = "".join(f'<inputEntry id="Entry_{rule_id}_{name}"><text>{escape(entries.get(name, "-"))}'
                        "</text></inputEntry>" for name, _, _ in DMN_INPUTS)
        cells += (f'<outputEntry id="Out_{rule_id}_route"><text>"{route}"</text></outputEntry>'
                  f'<outputEntry id="Out_{rule_id}_reason"><text>{escape(repr(reason))}</text></outputEntry>'
                  f'<outputEntry id="Out_{rule_id}_notify"><text>{notify}</text></outputEntry>')
        rules.append(f'<rule id="Rule_{rule_id}">{cells}</rule>')
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
        'xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" '
        'xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" '
        f'id="Definitions_{DECISION}" name="Phân loại, đề xuất hướng xử lý đơn" '
        'namespace="urn:petitions:processes" exporter="petitions tools/process_sources/intake.py" '
        'exporterVersion="1">',
        f'<decision id="{DECISION}" name="Phân loại, đề xuất hướng xử lý đơn">',
        f'<decisionTable id="DecisionTable_{DECISION}" hitPolicy="FIRST">',
        inputs, outputs, *rules,
        "</decisionTable>", "</decision>",
        f'<dmndi:DMNDI><dmndi:DMNDiagram id="DMNDiagram_{DECISION}">'
        f'<dmndi:DMNShape id="DMNShape_{DECISION}" dmnElementRef="{DECISION}">'
        '<dc:Bounds height="80" width="180" x="160" y="100"/></dmndi:DMNShape>'
        "</dmndi:DMNDiagram></dmndi:DMNDI>",
        "</definitions>",
    ]) + "\n"


def extra_files() -> dict[str, str]:
    return {f"{DECISION}.dmn": decision_xml()}


# ---- scripts -------------------------------------------------------------------------------------

REGISTER_SCRIPT = f"""
# A multienum left empty is absent from the data (forms drop empty optional fields).
try:
    priority_markers = list(priority_markers)
except NameError:
    priority_markers = []
notice_due_day = add_working_days(received_on, 10)
notice_due = deadline(notice_due_day)
many_signers = signers >= 5
forwarded = forwarder_kind in {FORWARDING_KINDS!r}
urgent_markers = [m for m in priority_markers if m in {URGENT_MARKERS!r}]
report_to_head = many_signers or len(urgent_markers) > 0
priority = len(priority_markers) + (1 if many_signers else 0)
"""

ROUTE_PREPARE_SCRIPT = """
# Denunciations outside competence: transfer within 05 working days of receipt (LTC Điều 24.2);
# other letters: at the latest with the 10-working-day notice (LTCD Điều 28.1).
if petition_type == "denunciation":
    transfer_due_day = add_working_days(received_on, 5)
else:
    transfer_due_day = notice_due_day
transfer_due = deadline(transfer_due_day)
"""

ROUTE_END_SCRIPT = """
# A called process that already reported to the forwarder sets forwarder_replied = True.
try:
    forwarder_replied = forwarder_replied == True
except NameError:
    forwarder_replied = False
reply_to_forwarder = forwarded and not forwarder_replied
handling_done_on = today()
forwarder_reply_due_day = add_working_days(handling_done_on, 7)
forwarder_reply_due = deadline(forwarder_reply_due_day)
"""


# ---- the process ---------------------------------------------------------------------------------

def build() -> Process:
    p = Process(KEY, "Tiếp nhận, phân loại và xử lý đơn", documentation=(
        "Tiếp nhận, vào sổ, phân loại và xử lý ban đầu mọi đơn khiếu nại, tố cáo, kiến nghị, "
        "phản ánh (Luật Tiếp công dân 2013 Điều 26-28; Thông tư 05/2021/TT-TTCP). Đơn được thụ lý "
        "chuyển sang quy trình giải quyết khiếu nại, tố cáo hoặc kiến nghị, phản ánh; việc đối "
        "thoại và công khai kết quả do các quy trình đó thực hiện. Chi tiết: docs/processes/intake.md."))
    p.lane(L_RECEPTION, "Cán bộ tiếp công dân", "reception_officer")
    p.lane(L_HANDLING, "Cán bộ xử lý đơn", "handling_officer")
    p.lane(L_HEAD, "Thủ trưởng đơn vị", "head_of_unit")
    for name in ("Tiếp nhận", "Phân loại", "Chuyển đơn / Giải quyết", "Đối thoại",
                 "Công khai (quy trình con)", "Kết thúc"):
        p.phase(name)

    _receive(p)
    _classify(p)
    _routes(p)
    _dialogue(p)
    _finish(p)
    attach_documents(p)  # issue 16: the forms each step issues
    return p


def _receive(p: Process) -> None:
    p.start("Start_intake", "Nhận đơn", L_RECEPTION, P_RECEIVE, 0)
    p.user("Task_register", "Vào sổ, tiếp nhận đơn", L_RECEPTION, P_RECEIVE, 1, form=REGISTER_FORM,
           doc="Mọi đơn đều được đánh số, vào sổ hoặc cơ sở dữ liệu ngay khi nhận (Thông tư "
               "07/2014/TT-TTCP Điều 3 khoản 2, Điều 29 [C]; Nghị định 154/2026 Điều 27 [S]: cập "
               "nhật cơ sở dữ liệu quốc gia). Ghi rõ nguồn đơn, người gửi, số người đứng tên "
               "(từ 05 người trở lên là đơn đông người), lĩnh vực và dấu hiệu ưu tiên.")
    p.script("Script_register", "Tính hạn thông báo, đánh dấu đơn", L_RECEPTION, P_RECEIVE, 2,
             REGISTER_SCRIPT,
             doc="Hạn thông báo cho người gửi: 10 ngày làm việc kể từ ngày nhận đơn (Luật Tiếp công "
                 "dân Điều 28 khoản 1 [C]); đơn từ 05 người đứng tên trở lên là đơn đông người.")
    p.parallel("Gw_intake_split", "Xử lý đơn và báo cáo vụ việc phức tạp", L_RECEPTION, P_RECEIVE, 3)
    p.flow("Start_intake", "Task_register")
    p.flow("Task_register", "Script_register")
    p.flow("Script_register", "Gw_intake_split")


def _classify(p: Process) -> None:
    p.user("Task_classify", "Phân loại, đề xuất xử lý đơn", L_HANDLING, P_CLASSIFY, 0,
           form=CLASSIFY_FORM,
           doc="Phân loại theo nội dung (khiếu nại, tố cáo, kiến nghị, phản ánh, nhiều nội dung), "
               "điều kiện xử lý, thẩm quyền, đơn trùng; lập Phiếu đề xuất thụ lý (Thông tư "
               "05/2021/TT-TTCP Điều 13, Mẫu 01 [C]). Đơn tố cáo: tiếp nhận, phân loại, kiểm tra "
               "điều kiện trong 07 ngày làm việc (Luật Tố cáo Điều 24 khoản 1 [C]).")
    # The citizen must be told within 10 working days (LTCD Điều 28.1): the steps that lead to the
    # notice show that due date, and missing it is reported like the notice itself.
    p.timer("Timer_classify_notice", "Hạn thông báo 10 ngày làm việc", "Task_classify",
            time_date="notice_due")
    p.flow("Timer_classify_notice", "Script_intake_notice_late")
    p.rule("Rule_classify", "Xác định hướng xử lý", L_HANDLING, P_CLASSIFY, 1, DECISION,
           doc="Bảng quyết định classify_petition (FIRST): hướng xử lý, căn cứ pháp lý và việc có "
               "phải thông báo cho người gửi hay không.")
    # One row down: the "Phân loại lại" loop passes above it, clear of its deadline timer.
    p.user("Task_approve_route", "Duyệt đề xuất xử lý đơn", L_HEAD, P_CLASSIFY, 2, row=1,
           form=[_bool("approve", "Đồng ý với đề xuất xử lý"),
                 _text("approval_note", "Ý kiến của thủ trưởng")],
           doc="Thủ trưởng cho ý kiến vào Phiếu đề xuất (Thông tư 05/2021/TT-TTCP Điều 13). "
               "Không đồng ý: trả lại cán bộ phân loại lại.")
    p.timer("Timer_approve_notice", "Hạn thông báo 10 ngày làm việc", "Task_approve_route",
            time_date="notice_due")
    p.flow("Timer_approve_notice", "Script_intake_notice_late")
    # Recorded here; the head's report comes from the notice step, whose deadline has then passed.
    p.script("Script_intake_notice_late", "Ghi nhận chậm phân loại, duyệt đề xuất", L_HEAD, P_CLASSIFY,
             1, "notice_overdue = True\nclassification_overdue = True", row=2)
    p.end("End_intake_notice_late", "Đã ghi nhận", L_HEAD, P_CLASSIFY, 3, row=2)
    p.flow("Script_intake_notice_late", "End_intake_notice_late")
    p.xor("Gw_approved", "Thủ trưởng đồng ý?", L_HEAD, P_CLASSIFY, 3)
    p.flow("Gw_intake_split", "Task_classify")
    p.flow("Task_classify", "Rule_classify")
    p.flow("Rule_classify", "Task_approve_route")
    p.flow("Task_approve_route", "Gw_approved")
    p.flow("Gw_approved", "Script_route_prepare", name="Đồng ý", condition="approve == True")
    p.flow("Gw_approved", "Task_classify", name="Phân loại lại", condition="approve == False")


def _routes(p: Process) -> None:
    # The decision sits below the route tasks and fans out upwards (edges never cross a task).
    p.script("Script_route_prepare", "Tính hạn chuyển đơn", L_HANDLING, P_RESOLVE, 0,
             ROUTE_PREPARE_SCRIPT, row=8,
             doc="Tố cáo không thuộc thẩm quyền: chuyển trong 05 ngày làm việc kể từ ngày nhận "
                 "(Luật Tố cáo Điều 24 khoản 2 [C]); đơn khác: trong hạn thông báo 10 ngày làm việc.")
    p.xor("Gw_route", "Hướng xử lý", L_HANDLING, P_RESOLVE, 1, row=8)
    p.flow("Script_route_prepare", "Gw_route")

    p.user("Task_intake_guide", "Hướng dẫn người gửi đến cơ quan có thẩm quyền", L_HANDLING,
           P_RESOLVE, 2, row=0,
           form=[_string("guidance_number", "Số văn bản hướng dẫn"),
                 _string("guided_to", "Cơ quan có thẩm quyền được hướng dẫn", required=True),
                 _date("guided_on", "Ngày hướng dẫn")],
           doc="Khiếu nại không thuộc thẩm quyền: hướng dẫn một lần bằng văn bản (Thông tư "
               "05/2021/TT-TTCP [C]); không hướng dẫn lại cho cùng nội dung.")
    p.user("Task_intake_split", "Hướng dẫn tách đơn", L_HANDLING, P_RESOLVE, 2, row=1,
           form=[_text("split_guidance", "Nội dung hướng dẫn tách đơn", required=True),
                 _date("split_requested_on", "Ngày hướng dẫn")],
           doc="Đơn có nhiều nội dung: hướng dẫn người gửi tách thành từng đơn gửi đúng cơ quan có "
               "thẩm quyền (Luật Tiếp công dân Điều 25 khoản 3 [C]).")
    p.user("Task_intake_store", "Lưu đơn, liên kết hồ sơ đã xử lý", L_HANDLING, P_RESOLVE, 2, row=2,
           form=[_string("duplicate_of", "Số đơn/hồ sơ đã xử lý trước (liên kết)"),
                 _date("stored_on", "Ngày lưu đơn"),
                 _text("store_note", "Ghi chú")],
           doc="Đơn trùng, đơn đã được giải quyết không có tình tiết mới, đơn đã hướng dẫn hoặc "
               "chuyển một lần, đơn nặc danh không cụ thể: không xử lý, lưu đơn (tối thiểu 01 năm) "
               "và liên kết với hồ sơ trước (Luật Tố cáo Điều 24 khoản 3, Điều 25 [C]; Luật Tiếp "
               "công dân Điều 9 khoản 3 [C]).")
    p.user("Task_intake_refuse", "Trả lại đơn không đủ điều kiện xử lý", L_HANDLING, P_RESOLVE, 2,
           row=3,
           form=[_text("ineligible_reason", "Lý do không đủ điều kiện xử lý", required=True),
                 _bool("originals_returned", "Đã trả lại giấy tờ, tài liệu bản gốc (nếu có)")],
           doc="Đơn không đủ điều kiện xử lý (không viết bằng tiếng Việt; không rõ họ tên, địa chỉ, "
               "chữ ký hoặc điểm chỉ): trả lại giấy tờ bản gốc và thông báo lý do (Thông tư "
               "05/2021/TT-TTCP [C]; Luật Tiếp công dân Điều 28 khoản 1 [C]).")
    p.user("Task_intake_inspection_info", "Chuyển thông tin phục vụ thanh tra, kiểm tra", L_HANDLING,
           P_RESOLVE, 2, row=4,
           form=[_string("info_recipient", "Cơ quan, bộ phận nhận thông tin", required=True),
                 _date("info_sent_on", "Ngày chuyển")],
           doc="Tố cáo nặc danh, mạo danh có nội dung rõ ràng, chứng cứ cụ thể: không xử lý theo thủ "
               "tục tố cáo, chuyển làm thông tin phục vụ thanh tra, kiểm tra (Luật Tố cáo Điều 25 "
               "[C]; Nghị định 31/2019/NĐ-CP Điều 20 [C]).")
    p.user("Task_intake_investigators", "Chuyển ngay hồ sơ cho cơ quan điều tra, Viện kiểm sát",
           L_HANDLING, P_RESOLVE, 2, row=5,
           form=[_string("investigation_body", "Cơ quan điều tra/Viện kiểm sát nhận", required=True),
                 _string("investigators_transfer_number", "Số văn bản chuyển", required=True),
                 _date("investigators_sent_on", "Ngày chuyển")],
           doc="Nội dung có dấu hiệu tội phạm: chuyển ngay hồ sơ, tài liệu cho cơ quan điều tra hoặc "
               "Viện kiểm sát có thẩm quyền (Luật Tố cáo Điều 27, Điều 36 khoản 2 [C]).")
    p.user("Task_intake_party", "Chuyển Ủy ban kiểm tra cấp ủy", L_HANDLING, P_RESOLVE, 2, row=6,
           form=[_string("party_body", "Ủy ban kiểm tra nhận đơn", required=True),
                 _string("party_transfer_number", "Số văn bản chuyển"),
                 _date("party_sent_on", "Ngày chuyển")],
           doc="Đảng viên vi phạm Điều lệ, quy định của Đảng: chuyển tổ chức đảng có thẩm quyền, "
               "như Ủy ban kiểm tra (Thông tư 05/2021/TT-TTCP Điều 15 [C]).")
    p.user("Task_intake_transfer", "Chuyển đơn đến cơ quan có thẩm quyền", L_HANDLING, P_RESOLVE, 2,
           row=7,
           form=[_string("transfer_number", "Số phiếu chuyển đơn", required=True),
                 _string("receiving_body", "Cơ quan nhận đơn", required=True),
                 _date("transferred_on", "Ngày chuyển"),
                 # A unit of this system: the case moves there with its history (issue 20 §5).
                 Field("receiving_unit", "unit", "Đơn vị nhận đơn trong hệ thống (nếu có)")],
           doc="Không thuộc thẩm quyền: chuyển đơn một lần kèm Phiếu chuyển đơn (Luật Tiếp công dân "
               "Điều 26 khoản 2 [C]; Thông tư 05/2021/TT-TTCP Điều 14 khoản 1, Mẫu 03 [C]). Tố cáo: "
               "chuyển trong 05 ngày làm việc kể từ ngày nhận, chỉ chuyển một lần (Luật Tố cáo Điều "
               "24 khoản 2 [C]).")
    p.timer("Timer_transfer", "Hạn chuyển đơn", "Task_intake_transfer", time_date="transfer_due")
    for route, (task, label) in ROUTES.items():
        p.flow("Gw_route", task, name=label, condition=f'route == "{route}"')
        p.flow(task, "Gw_notify")

    p.xor("Gw_type", "Loại đơn được thụ lý", L_HANDLING, P_RESOLVE, 2, row=8)
    p.flow("Gw_route", "Gw_type", name="Thụ lý", condition='route == "accept"')
    calls = [("Call_complaint", "Giải quyết khiếu nại", "complaint", 'petition_type == "complaint"',
              "Khiếu nại", "Luật Khiếu nại 2011 (thụ lý, xác minh, đối thoại, quyết định, công khai)."),
             ("Call_denunciation", "Giải quyết tố cáo", "denunciation",
              'petition_type == "denunciation"', "Tố cáo",
              "Luật Tố cáo 2018 (thụ lý, xác minh, kết luận, xử lý, công khai kết luận)."),
             ("Call_recommendation", "Xử lý kiến nghị, phản ánh", "recommendation_feedback",
              'petition_type in ("recommendation", "feedback")', "Kiến nghị, phản ánh",
              "Luật Tiếp công dân Điều 26 khoản 2, Điều 28 (xem xét, trả lời kiến nghị, phản ánh).")]
    for row, (call_id, name, called, condition, label, basis) in enumerate(calls, start=8):
        p.call(call_id, name, L_HANDLING, P_RESOLVE, 3, called, row=row,
               doc=f"Toàn bộ dữ liệu đơn được chuyển sang quy trình con và nhận lại khi kết thúc. {basis}")
        p.flow("Gw_type", call_id, name=label, condition=condition)
        p.flow(call_id, "Gw_route_end")

    p.xor("Gw_notify", "Thông báo cho người gửi?", L_HANDLING, P_RESOLVE, 4)
    p.user("Task_notify_citizen", "Thông báo kết quả xử lý đơn cho người gửi", L_HANDLING,
           P_RESOLVE, 5, row=1,
           form=[_string("notice_number", "Số văn bản thông báo", required=True),
                 _date("sent_on", "Ngày gửi thông báo")],
           doc="Trong 10 ngày làm việc kể từ ngày nhận đơn phải thông báo cho người gửi việc thụ lý, "
               "không thụ lý, chuyển đơn hoặc hướng dẫn (Luật Tiếp công dân Điều 28 khoản 1 [C]).")
    p.timer("Timer_notice", "Hạn thông báo 10 ngày làm việc", "Task_notify_citizen",
            time_date="notice_due")
    p.script("Script_notice_sent", "Ghi nhận đã thông báo", L_HANDLING, P_RESOLVE, 6,
             "notice_on_time = sent_on <= notice_due_day", row=1)
    p.flow("Gw_notify", "Task_notify_citizen", name="Có", condition="notify_citizen == True")
    p.flow("Gw_notify", "Gw_route_end", name="Không (nặc danh, lưu đơn)",
           condition="notify_citizen == False")
    p.flow("Task_notify_citizen", "Script_notice_sent")
    p.flow("Script_notice_sent", "Gw_route_end")

    # Breaches: the work goes on; the head of unit gets a report task.
    p.script("Script_transfer_overdue", "Ghi nhận chậm chuyển đơn", L_HEAD, P_RESOLVE, 3,
             "transfer_overdue = True", row=2)
    p.flow("Timer_transfer", "Script_transfer_overdue")
    p.script("Script_notice_overdue", "Ghi nhận chậm thông báo", L_HEAD, P_RESOLVE, 6,
             "notice_overdue = True", row=1)
    p.flow("Timer_notice", "Script_notice_overdue")


def _dialogue(p: Process) -> None:
    p.xor("Gw_report_head", "Đông người, phức tạp, điểm nóng?", L_RECEPTION, P_CLASSIFY, 0)
    p.end("End_no_report", "Không cần báo cáo ngay", L_RECEPTION, P_CLASSIFY, 1, row=1)
    p.user("Task_intake_head_dialogue", "Báo cáo thủ trưởng, tiếp xúc đối thoại với người dân",
           L_HEAD, P_DIALOGUE, 0,
           form=[_bool("dialogue_held", "Thủ trưởng đã trực tiếp tiếp xúc, đối thoại"),
                 Field("dialogue_on", "date", "Ngày tiếp xúc, đối thoại"),
                 _text("dialogue_conclusion", "Kết luận, chỉ đạo của thủ trưởng", required=True)],
           doc="Vụ việc đông người, phức tạp, có nguy cơ hình thành điểm nóng: báo cáo ngay thủ "
               "trưởng; người đứng đầu chủ động tiếp xúc, đối thoại với người dân ngay từ khi phát "
               "sinh vụ việc (Quy định 11-QĐi/TW, sửa đổi bởi Kết luận 215-KL/TW; Kết luận "
               "107-KL/TW; kế hoạch của cấp ủy). Áp dụng cho đơn từ 05 người đứng tên trở lên hoặc "
               "có dấu hiệu đông người, phức tạp, điểm nóng. Chạy song song, không làm chậm việc xử "
               "lý đơn.")
    p.end("End_dialogue", "Đã báo cáo, đối thoại", L_HEAD, P_DIALOGUE, 1)
    p.flow("Gw_intake_split", "Gw_report_head")
    p.flow("Gw_report_head", "Task_intake_head_dialogue", name="Có", condition="report_to_head == True")
    p.flow("Gw_report_head", "End_no_report", name="Không", condition="report_to_head == False")
    p.flow("Task_intake_head_dialogue", "End_dialogue")


def _finish(p: Process) -> None:
    p.xor("Gw_route_end", "Kết thúc xử lý đơn", L_HANDLING, P_END, 0)
    p.script("Script_route_end", "Tính hạn báo cáo cơ quan chuyển đơn", L_HANDLING, P_END, 1,
             ROUTE_END_SCRIPT,
             doc="Đơn do đại biểu Quốc hội, HĐND, Mặt trận Tổ quốc, cơ quan báo chí, cơ quan khác "
                 "chuyển đến: thông báo kết quả cho nơi chuyển đơn trong 07 ngày làm việc kể từ khi "
                 "có kết quả (Luật Tiếp công dân Điều 27 khoản 2 [C]).")
    p.xor("Gw_forwarder", "Phải báo cáo nơi chuyển đơn?", L_HANDLING, P_END, 2)
    p.user("Task_intake_reply_forwarder", "Thông báo kết quả cho cơ quan, người chuyển đơn",
           L_HANDLING, P_END, 3, row=1,
           form=[_string("forwarder_reply_number", "Số văn bản thông báo", required=True),
                 _date("forwarder_reply_on", "Ngày gửi")],
           doc="Thông báo kết quả xử lý, giải quyết cho đại biểu, Mặt trận Tổ quốc, cơ quan báo chí, "
               "cơ quan đã chuyển đơn: trong 07 ngày làm việc (Luật Tiếp công dân Điều 27 khoản 2 "
               "[C]; áp dụng chung cho mọi nơi chuyển đơn là quy ước nội bộ [U]).")
    p.timer("Timer_forwarder_reply", "Hạn báo cáo nơi chuyển đơn", "Task_intake_reply_forwarder",
            time_date="forwarder_reply_due")
    p.end("End_intake_replied", "Đã báo cáo nơi chuyển đơn", L_HANDLING, P_END, 4, row=1)
    p.end("End_intake", "Kết thúc", L_HANDLING, P_END, 3)
    p.flow("Gw_route_end", "Script_route_end")
    p.flow("Script_route_end", "Gw_forwarder")
    p.flow("Gw_forwarder", "Task_intake_reply_forwarder", name="Có",
           condition="reply_to_forwarder == True")
    p.flow("Gw_forwarder", "End_intake", name="Không", condition="reply_to_forwarder == False")
    p.flow("Task_intake_reply_forwarder", "End_intake_replied")

    # Delay reports for the head of unit (one per deadline), at the end of the diagram.
    reports = [("notice", 1, "Báo cáo chậm thông báo", "Script_notice_overdue",
                "Quá 10 ngày làm việc chưa thông báo cho người gửi (Luật Tiếp công dân Điều 28 "
                "khoản 1 [C]). Đơn để quá 45 ngày không xử lý là vi phạm (Nghị định 154/2026 Điều "
                "41 khoản 3 điểm b [S])."),
               ("transfer", 2, "Báo cáo chậm chuyển đơn", "Script_transfer_overdue",
                "Quá hạn chuyển đơn (tố cáo: 05 ngày làm việc, Luật Tố cáo Điều 24 khoản 2 [C]).")]
    for prefix, row, name, source, doc in reports:
        task = f"Task_intake_report_{prefix}_late"
        p.user(task, name, L_HEAD, P_END, 1, row=row, form=_delay_report(prefix), doc=doc)
        p.end(f"End_{prefix}_late", "Đã báo cáo", L_HEAD, P_END, 2, row=row)
        p.flow(source, task)
        p.flow(task, f"End_{prefix}_late")
    p.script("Script_forwarder_reply_overdue", "Ghi nhận chậm báo cáo nơi chuyển đơn", L_HEAD, P_END,
             4, "forwarder_reply_overdue = True", row=3)
    p.user("Task_intake_report_reply_late", "Báo cáo chậm trả lời nơi chuyển đơn", L_HEAD, P_END, 5,
           row=3, form=_delay_report("forwarder_reply"),
           doc="Quá 07 ngày làm việc chưa thông báo kết quả cho nơi chuyển đơn (Luật Tiếp công dân "
               "Điều 27 khoản 2 [C]).")
    p.end("End_reply_late", "Đã báo cáo", L_HEAD, P_END, 6, row=3)
    p.flow("Timer_forwarder_reply", "Script_forwarder_reply_overdue")
    p.flow("Script_forwarder_reply_overdue", "Task_intake_report_reply_late")
    p.flow("Task_intake_report_reply_late", "End_reply_late")


if __name__ == "__main__":
    import sys

    from tools.build_processes import ROOT, write_module

    for written in write_module(sys.modules[__name__]):
        print(f"wrote {written.relative_to(ROOT)}")
