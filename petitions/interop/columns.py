"""The column mapping of an office's register (XLSX/CSV) onto the register fields (issue 20 §7).

Headers are matched as offices write them: case, diacritics, punctuation and spacing do not
matter ("Ngày nhận đơn", "NGAY NHAN DON", "Ngày  nhận đơn:" are one header), and each field
accepts the variants listed in ``COLUMNS``. The first columns are those of the register this
system exports (``petitions.supervision.letter_register.COLUMNS``), so a register printed by
another copy of this system reads back. Columns not listed (STT, Thẩm quyền, Hướng xử lý, Kết
quả, Ghi chú…) are ignored: a carried-over letter is classified again in this system.

Every problem of a row is collected as one Vietnamese reason; nothing here writes. A reason
never quotes a sender's name, number or address (the refused rows' report is a file too).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from engine.text_search import fold
from petitions.register.registration import Registration, Sender

# field -> (the header as this system's register prints it, accepted variants)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "received_on": ("Ngày nhận đơn", ("Ngày nhận", "Ngày tiếp nhận", "Ngày vào sổ",
                                      "Ngày tháng nhận đơn")),
    "origin_number": ("Số vào sổ", ("Số đơn", "Số hiệu đơn", "Số thứ tự vào sổ", "Số sổ",
                                    "Mã đơn")),
    "names": ("Họ và tên người gửi đơn", ("Họ và tên", "Họ tên", "Họ tên người gửi",
                                          "Họ và tên người gửi", "Người gửi đơn", "Người gửi",
                                          "Người đứng đơn")),
    "addresses": ("Địa chỉ", ("Địa chỉ người gửi", "Nơi cư trú", "Địa chỉ liên hệ")),
    "id_numbers": ("Số CCCD/CMND", ("Số CCCD", "CCCD", "CMND", "Số CMND", "CCCD/CMND",
                                    "Số định danh", "Số định danh cá nhân", "Số căn cước")),
    "phones": ("Số điện thoại", ("Điện thoại", "SĐT", "Số ĐT")),
    "signers": ("Số người đứng tên", ("Số người", "Số người ký đơn", "Số người đứng đơn")),
    "source": ("Nguồn đơn", ("Hình thức tiếp nhận", "Nguồn", "Hình thức nhận đơn")),
    "summary": ("Tóm tắt nội dung đơn", ("Nội dung", "Nội dung đơn", "Tóm tắt nội dung",
                                         "Nội dung tóm tắt")),
    "kind": ("Loại đơn", ("Phân loại đơn", "Loại")),
    "field": ("Lĩnh vực", ("Lĩnh vực đơn",)),
}
REQUIRED = ("received_on", "origin_number", "summary", "kind")

# Values, matched the same way as headers (folded); the codes themselves are accepted too.
CHANNELS = {
    "direct": ("Trực tiếp", "Tiếp trực tiếp", "Nhận trực tiếp"),
    "post": ("Qua bưu chính", "Bưu chính", "Bưu điện", "Qua bưu điện", "Qua đường bưu điện"),
    "online": ("Trực tuyến", "Qua mạng", "Cổng dịch vụ công", "Thư điện tử", "Email"),
    "forwarded": ("Do cơ quan, tổ chức chuyển đến", "Chuyển đến", "Cơ quan chuyển đến",
                  "Do cơ quan chuyển đến"),
    "reception_session": ("Tại buổi tiếp công dân", "Buổi tiếp công dân", "Tiếp công dân"),
    "suggestion_box": ("Hộp thư góp ý", "Hòm thư góp ý"),
}
KINDS = {
    "complaint": ("Khiếu nại", "Đơn khiếu nại", "KN"),
    "denunciation": ("Tố cáo", "Đơn tố cáo", "TC"),
    "recommendation": ("Kiến nghị", "Đơn kiến nghị", "KNg", "Kiến nghị, phản ánh"),
    "feedback": ("Phản ánh", "Đơn phản ánh", "PA"),
    "mixed": ("Nhiều nội dung", "Hỗn hợp"),
}
FIELDS = {
    "land_housing": ("Đất đai, nhà ở", "Đất đai", "Nhà ở", "Đất đai nhà ở"),
    "policy": ("Chế độ, chính sách", "Chính sách", "Chế độ chính sách"),
    "civil_service": ("Công chức, công vụ", "Công vụ", "Cán bộ, công chức"),
    "justice": ("Tư pháp",),
    "party_mass": ("Đảng, đoàn thể", "Đảng", "Đoàn thể"),
    "corruption": ("Tham nhũng, tiêu cực", "Tham nhũng"),
    "other": ("Khác", "Lĩnh vực khác"),
}
ANONYMOUS = ("Nặc danh", "Không rõ", "Không rõ (đơn nặc danh)", "Đơn nặc danh", "Không ghi tên")
# A register printed for a reader without the identity role: the identity is not in the file.
SEALED_MARK = "niem phong"
MAX_TEXT = 20000


def _index(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    found = {fold(code): code for code in table}
    for code, variants in table.items():
        found.update({fold(v): code for v in variants})
    return found


HEADER_INDEX = {fold(v): name for name, (main, variants) in COLUMNS.items()
                for v in (main, *variants)}
_CHANNELS, _KINDS, _FIELDS = _index(CHANNELS), _index(KINDS), _index(FIELDS)
_ANONYMOUS = {fold(v) for v in ANONYMOUS}
_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_SOURCE = re.compile(r"^(.*?)\s*\((.*)\)\s*$")


def header_map(cells: list) -> dict[str, int]:
    """field -> column index of a header row (the first matching column wins)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = HEADER_INDEX.get(fold(str(cell))) if cell not in (None, "") else None
        if name and name not in found:
            found[name] = index
    return found


@dataclass
class ParsedRow:
    """One data row: the registration it becomes, or its reasons for refusal."""

    row: int
    origin_number: str = ""
    received_on: date | None = None
    registration: Registration | None = None
    reasons: list[str] = field(default_factory=list)


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def quoted(value) -> str:
    """A cell's value quoted in a reason: short (a reason is one line)."""
    shown = text(value)
    return shown if len(shown) <= 60 else shown[:57] + "…"


def parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    match = _DATE.match(raw)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _split(value) -> list[str]:
    return [part.strip() for part in text(value).split(";") if part.strip()]


def parse(row_number: int, cells: dict[str, object], unit: str) -> ParsedRow:
    """The registration of one row (``cells``: field -> raw value), with every reason at once."""
    parsed = ParsedRow(row_number)
    reasons = parsed.reasons
    parsed.origin_number = text(cells.get("origin_number"))
    if not parsed.origin_number:
        reasons.append("Thiếu số vào sổ")
    elif len(parsed.origin_number) > 100:
        reasons.append("Số vào sổ dài quá 100 ký tự")
    raw_day = cells.get("received_on")
    parsed.received_on = parse_date(raw_day)
    if parsed.received_on is None:
        reasons.append(f"Ngày nhận đơn không hợp lệ: '{quoted(raw_day)}' (cần dd/mm/yyyy)"
                       if text(raw_day) else "Thiếu ngày nhận đơn")
    summary = text(cells.get("summary"))
    if not summary:
        reasons.append("Thiếu tóm tắt nội dung đơn")
    elif len(summary) > MAX_TEXT:
        reasons.append(f"Tóm tắt nội dung đơn dài quá {MAX_TEXT} ký tự")
    kind = _KINDS.get(fold(text(cells.get("kind"))))
    if kind is None:
        reasons.append(f"Loại đơn không hợp lệ: '{quoted(cells.get('kind'))}' (Khiếu nại, Tố cáo, "
                       "Kiến nghị, Phản ánh, Nhiều nội dung)")
    field_text = text(cells.get("field"))
    field_code = _FIELDS.get(fold(field_text)) if field_text else "other"
    if field_code is None:
        reasons.append(f"Lĩnh vực không hợp lệ: '{quoted(field_text)}'")
    channel, forwarded_by = _source(text(cells.get("source")), reasons)
    senders, anonymous = _senders(cells, reasons)
    signers = _signers(cells.get("signers"), len(senders), reasons)
    if reasons:
        return parsed
    # A group letter's register names its representatives (LTCD Điều 29): those named are they.
    allowed = 0 if signers < 5 else 2 if signers <= 10 else 5
    for index, sender in enumerate(senders):
        sender.is_representative = index < allowed
    parsed.registration = Registration(
        received_on=parsed.received_on, channel=channel, petition_type=kind, field=field_code,
        summary=summary, senders=senders, signers=signers, anonymous=anonymous,
        forwarder_kind="body" if channel == "forwarded" else "none",
        forwarded_by=forwarded_by, unit_code=unit)
    return parsed


def _source(raw: str, reasons: list[str]) -> tuple[str, str | None]:
    """"Nguồn đơn" as this system prints it: the channel, then the forwarder in brackets."""
    if not raw:
        return "direct", None
    forwarded_by = None
    channel = _CHANNELS.get(fold(raw))
    match = _SOURCE.match(raw)
    if channel is None and match:
        channel, forwarded_by = _CHANNELS.get(fold(match.group(1))), match.group(2).strip() or None
    if channel is None:
        reasons.append(f"Nguồn đơn không hợp lệ: '{quoted(raw)}' (Trực tiếp, Qua bưu chính, Trực tuyến, "
                       "Do cơ quan, tổ chức chuyển đến, Tại buổi tiếp công dân, Hộp thư góp ý)")
        return "direct", None
    return channel, forwarded_by


def _senders(cells: dict, reasons: list[str]) -> tuple[list[Sender], bool]:
    names = _split(cells.get("names"))
    if not names or (len(names) == 1 and fold(names[0]) in _ANONYMOUS):
        return [], True
    if any(SEALED_MARK in fold(name) for name in names):
        reasons.append("Danh tính người tố cáo đã bị che trong tệp này: cần sổ gốc có họ tên "
                       "người gửi")
        return [], False
    ids, phones = _split(cells.get("id_numbers")), _split(cells.get("phones"))
    places = _split(cells.get("addresses"))
    for label, values in (("số CCCD/CMND", ids), ("số điện thoại", phones), ("địa chỉ", places)):
        if len(values) > len(names):
            reasons.append(f"Có {len(values)} {label} cho {len(names)} người gửi")
    if len(places) == 1:   # one address written once for a family or a group
        places = places * len(names)
    senders = []
    for index, name in enumerate(names):
        id_number = ids[index].replace(" ", "").replace(".", "") if index < len(ids) else None
        sender = Sender(name=name[:200], id_number=id_number or None,
                        phone=phones[index] if index < len(phones) else None,
                        address_detail=places[index][:500] if index < len(places) else None)
        if sender.id_number and not re.fullmatch(r"\d{9}|\d{12}", sender.id_number):
            reasons.append(f"Số CCCD/CMND của người gửi thứ {index + 1} không hợp lệ (12 chữ "
                           "số, hoặc CMND 9 chữ số)")
        if sender.phone and not re.fullmatch(r"(\+84|0)\d{8,10}", sender.phone.replace(" ", "")):
            reasons.append(f"Số điện thoại của người gửi thứ {index + 1} không hợp lệ")
        senders.append(sender)
    return senders, False


def _signers(raw, named: int, reasons: list[str]) -> int:
    value = text(raw)
    if not value:
        return max(named, 1)
    if not value.isdigit() or not 1 <= int(value) <= 10000:
        reasons.append(f"Số người đứng tên không hợp lệ: '{quoted(value)}' (từ 1 đến 10000)")
        return 1
    if int(value) < named:
        reasons.append(f"Số người đứng tên ({value}) nhỏ hơn số người gửi ghi trong dòng "
                       f"({named})")
    return int(value)
