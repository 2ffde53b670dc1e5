"""How petition data reads in Vietnamese: labels of statuses, types, events, fields and values, and
Vietnam time.

Shared by the read models (the petition file, an instance's history, search, reports, the
dashboard). Field and choice labels come from a definition's form declarations (``Labels``); what
no form declares (register columns, decision outputs, the intake routes, events) is labelled here.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from engine.working_days import VN_TZ

STATUS_LABELS = {"running": "Đang xử lý (tự động)", "waiting": "Đang xử lý",
                 "completed": "Đã kết thúc", "error": "Lỗi quy trình, chờ khắc phục",
                 "suspended": "Tạm đình chỉ", "terminated": "Đã chấm dứt"}
TYPE_LABELS = {"complaint": "Khiếu nại", "denunciation": "Tố cáo", "recommendation": "Kiến nghị",
               "feedback": "Phản ánh", "mixed": "Nhiều nội dung"}
EVENT_LABELS = {
    "instance_started": "Khởi tạo hồ sơ", "task_state": "Bước quy trình",
    "task_completed_by_user": "Hoàn thành bước", "task_claimed": "Nhận xử lý",
    "task_unclaimed": "Trả lại công việc", "task_assigned": "Giao việc",
    "timer_fired": "Đến mốc thời gian", "reminder_sent": "Nhắc hạn",
    "task_overdue": "Quá hạn, đã báo thủ trưởng", "instance_suspended": "Tạm đình chỉ",
    "instance_resumed": "Tiếp tục giải quyết", "instance_terminated": "Chấm dứt",
    "instance_retried": "Chạy lại bước bị lỗi", "instance_error": "Lỗi quy trình",
    "petition_registered": "Vào sổ đơn",
    "petition_imported": "Chuyển từ sổ theo dõi đơn cũ của đơn vị",
    "register_imported": "Nhập sổ theo dõi đơn cũ của đơn vị",
    "tracking_pin_issued": "Cấp mã PIN tra cứu cho công dân",
    "publication_withdrawn": "Gỡ kết quả đã công khai", "identity_unsealed": "Xem danh tính người tố cáo",
    "identity_granted": "Cho phép xem danh tính",
    "identity_grant_revoked": "Thu hồi quyền xem danh tính",
    "sealed_document_opened": "Mở tài liệu của đơn tố cáo",
    "document_downloaded": "Tải tài liệu", "document_generated": "Tạo văn bản từ biểu mẫu",
    "documents_attached": "Đính kèm tài liệu",
    "message_received": "Nhận thông điệp (rút đơn, bổ sung…)",
    "instance_migrated": "Chuyển hồ sơ sang phiên bản quy trình mới",
}


def migration_detail(payload: dict) -> str:
    """One sentence for an instance moved to another version of its process, with the reason
    the administrator typed (engine/running/migration.py)."""
    reason = (payload.get("reason") or "").strip()
    return (f"Quản trị viên chuyển hồ sơ từ phiên bản {payload.get('from_version', '?')} sang "
            f"phiên bản {payload.get('to_version', '?')} của quy trình"
            + (f"; lý do: {reason}" if reason else ""))
def grant_detail(payload: dict) -> str:
    """One line for a grant of the identity right, or its revocation."""
    until = payload.get("expires_at")
    until = f" đến hết {vn_time(datetime.fromisoformat(until)):%d/%m/%Y}" if until else ""
    reason = f"; lý do: {payload['reason']}" if payload.get("reason") else ""
    return f"cán bộ {payload.get('grantee', '')}{until}{reason}"


# Values no form declares: the intake decision table's routes (named like its flows).
VALUE_LABELS = {"route": {
    "accept": "Thụ lý", "guide": "Hướng dẫn", "split": "Tách đơn", "store": "Lưu đơn",
    "refuse": "Không đủ điều kiện", "inspection_info": "Thông tin thanh tra",
    "investigators": "Chuyển cơ quan điều tra", "party_committee": "Chuyển tổ chức đảng",
    "transfer": "Chuyển đơn"}}
TASK_STATES = {"READY": "sẵn sàng", "COMPLETED": "hoàn thành", "CANCELLED": "đã hủy",
               "ERROR": "lỗi", "WAITING": "đang chờ", "STARTED": "đang thực hiện",
               "FUTURE": "chưa tới", "LIKELY": "chưa tới", "MAYBE": "chưa tới"}
REMINDER_KINDS = {"before": "trước hạn", "due_day": "đến hạn hôm nay", "overdue": "quá hạn"}
SYSTEM_ACTORS = {"system:timer": "Hệ thống (mốc thời gian)",
                 "system:online": "Công dân gửi đơn trực tuyến",
                 "system:deadlines": "Hệ thống (theo dõi thời hạn)"}
# Labels of fields no form declares (register columns, decision outputs, common deadlines).
EXTRA_LABELS = {
    "number": "Số đơn", "tracking_code": "Mã tra cứu", "petition_type": "Loại đơn",
    "location": "Địa điểm xảy ra vụ việc", "identity_sealed": "Niêm phong danh tính người tố cáo",
    "unit_code": "Đơn vị tiếp nhận", "created_by": "Người vào sổ", "created_at": "Thời điểm vào sổ",
    "received_on": "Ngày nhận đơn", "channel": "Hình thức tiếp nhận", "field": "Lĩnh vực",
    "forwarder_kind": "Cơ quan, người chuyển đơn", "forwarded_by": "Tên cơ quan, người chuyển đơn",
    "summary": "Tóm tắt nội dung đơn", "signers": "Số người đứng tên",
    "priority_markers": "Dấu hiệu cần ưu tiên", "remote_area": "Vùng sâu, vùng xa",
    "route": "Hướng xử lý", "route_reason": "Căn cứ", "notify_citizen": "Thông báo cho người gửi",
    "notice_due": "Hạn thông báo cho người gửi", "transfer_due": "Hạn chuyển đơn",
    "resolution_due": "Hạn giải quyết", "publication_due": "Hạn công khai", "priority": "Mức ưu tiên",
    "forwarded": "Đơn do cơ quan, tổ chức chuyển đến", "many_signers": "Đơn đông người",
    "report_to_head": "Báo cáo ngay thủ trưởng", "urgent_markers": "Dấu hiệu cần báo cáo ngay",
    "accept_due": "Hạn thụ lý", "initial_due": "Hạn xử lý ban đầu", "extensions_used": "Số lần gia hạn",
    "acceptance_notice_due": "Hạn thông báo thụ lý", "conclusion_send_due": "Hạn gửi kết luận",
    "forwarder_reply_due": "Hạn báo cáo nơi chuyển đơn", "suspensions": "Các lần tạm đình chỉ",
    "withdrawals": "Các lần rút đơn", "publication_text": "Nội dung công khai",
}
INTERNAL = frozenset({"petition_id", "petition_number"})  # shown in the register section already
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def vn_time(value: datetime | None) -> datetime | None:
    """An aware datetime in Vietnam time (UTC+7)."""
    return value.astimezone(VN_TZ) if value is not None else None


class Labels:
    """Field labels and choice labels from a definition's forms (first declaration wins)."""

    def __init__(self, forms: dict | None):
        self.forms = forms or {}
        self.fields: dict[str, dict] = {}
        for form in self.forms.values():
            for declared in form.get("fields", []):
                self.fields.setdefault(declared["name"], declared)
        self.order = {name: i for i, name in enumerate(self.fields)}

    def label(self, name: str) -> str:
        declared = self.fields.get(name)
        return declared["label"] if declared else EXTRA_LABELS.get(name, name)

    def choice(self, name: str, value: str) -> str:
        if name == "petition_type" and value in TYPE_LABELS:
            return TYPE_LABELS[value]
        for choice in (self.fields.get(name) or {}).get("choices", []):
            if choice["value"] == value:
                return choice["label"]
        return VALUE_LABELS.get(name, {}).get(value, value)

    def choices(self, name: str) -> list[tuple[str, str]]:
        return [(c["value"], c["label"]) for c in (self.fields.get(name) or {}).get("choices", [])]

    def display(self, name: str, value: Any, form: dict | None = None) -> str:
        """A value as a reader sees it: choice labels, Có/Không, dd/mm/yyyy, Vietnam time."""
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return "Có" if value else "Không"
        if isinstance(value, datetime):
            return vn_time(value).strftime("%d/%m/%Y %H:%M")
        if isinstance(value, date):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, list):
            return ", ".join(self.display(name, item, form) for item in value)
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, default=str)
        if isinstance(value, str):
            declared = field_in(form, name) or self.fields.get(name)
            if declared and declared.get("choices"):
                return next((c["label"] for c in declared["choices"] if c["value"] == value),
                            self.choice(name, value))
            if _ISO_DATE.match(value):
                return date.fromisoformat(value).strftime("%d/%m/%Y")
            if _ISO_DATETIME.match(value):
                return self.display(name, datetime.fromisoformat(value.replace("Z", "+00:00")))
            return self.choice(name, value)
        return str(value)


def field_in(form: dict | None, name: str) -> dict | None:
    """The declaration of field ``name`` in ``form`` (None when the form does not declare it)."""
    return next((f for f in (form or {}).get("fields", []) if f["name"] == name), None)
