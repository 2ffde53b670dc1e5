"""Which step issues which form (issue 16): an ``attachment`` field naming the form's code.

Kept in one table beside the process sources so the catalogue's steps are read in one place; each
source's ``build()`` calls ``attach(p)`` last. A required one means the engine refuses to complete
the step until the signed scan is uploaded (``engine/definitions/forms.py``).
"""
from __future__ import annotations

from tools.bpmn_builder import Field, Process

# step -> [(form code, label, required)]
STEP_DOCUMENTS: dict[str, list[tuple[str, str, bool]]] = {
    "Task_intake_transfer": [("TT05-M03", "Phiếu chuyển đơn (Mẫu 03)", False)],
    "Task_kn_receive": [("VB-GIAY-BIEN-NHAN", "Giấy biên nhận tài liệu", False)],
    "Task_kn_classify": [("TT05-M01", "Phiếu đề xuất thụ lý (Mẫu 01)", False)],
    "Task_kn_accept": [("VB-THONG-BAO-THU-LY", "Thông báo thụ lý", False)],
    "Task_kn_refuse": [("VB-THONG-BAO-KHONG-THU-LY", "Thông báo không thụ lý", False)],
    "Task_kn_suspend": [("ND124-M14A", "Quyết định tạm đình chỉ", False)],
    "Task_kn_await_resume": [("ND124-M14B", "Quyết định tiếp tục giải quyết", False)],
    "Task_kn_dialogue": [("ND124-M14", "Biên bản đối thoại", False)],
    "Task_kn_decide": [("VB-QD-GIAI-QUYET-LAN-DAU", "Quyết định giải quyết khiếu nại", False)],
    "Task_kn_terminate": [("VB-QD-DINH-CHI", "Quyết định đình chỉ", False)],
    "Task_kn_withdrawn_terminate": [("VB-QD-DINH-CHI", "Quyết định đình chỉ", False)],
    "Task_den_classify": [("TT05-M01", "Phiếu đề xuất thụ lý (Mẫu 01)", False)],
    "Task_den_transfer": [("TT05-M03", "Phiếu chuyển đơn (Mẫu 03)", False)],
    "Task_den_refuse": [("VB-THONG-BAO-KHONG-THU-LY", "Thông báo không thụ lý", False)],
    "Task_den_accept": [("ND31-M04", "Quyết định thụ lý tố cáo (Mẫu 04)", False)],
    "Task_den_notify_accept": [("ND31-M05", "Thông báo thụ lý gửi người tố cáo (Mẫu 05)", True),
                               ("ND31-M06", "Thông báo nội dung tố cáo gửi người bị tố cáo "
                                            "(Mẫu 06)", False)],
    "Task_den_team": [("ND31-M07", "Quyết định thành lập Tổ xác minh (Mẫu 07)", False)],
    "Task_den_session": [("ND31-M08", "Biên bản làm việc (Mẫu 08)", False)],
    "Task_den_accused": [("ND31-M08", "Biên bản làm việc (Mẫu 08)", False)],
    "Task_den_report": [("ND31-M10", "Báo cáo kết quả xác minh (Mẫu 10)", False),
                        ("ND31-M11", "Báo cáo kết quả xác minh (Mẫu 11)", False)],
    "Task_den_extension": [("ND31-M01", "Quyết định gia hạn (Mẫu 01)", False)],
    "Task_den_conclusion": [("ND31-M12", "Kết luận nội dung tố cáo (Mẫu 12)", False)],
}


def field_name(code: str) -> str:
    return "doc_" + code.lower().replace("-", "_")


def attach(p: Process) -> None:
    """Add the document fields to the steps of ``p`` that issue forms."""
    for step, documents in STEP_DOCUMENTS.items():
        node = p.nodes.get(step)
        if node is None:
            continue
        fields = "".join(Field(field_name(code), "attachment", f"Bản đã ký: {label}", required,
                               extra={"document": code}).xml()
                         for code, label, required in documents)
        if "</petitions:form>" in node.body:
            node.body = node.body.replace("</petitions:form>", fields + "</petitions:form>", 1)
        else:
            node.body += ("<bpmn:extensionElements><petitions:form>" + fields
                          + "</petitions:form></bpmn:extensionElements>")
