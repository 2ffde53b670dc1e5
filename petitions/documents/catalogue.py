"""The forms the system fills from a case (domain spec §9; issue 16): code, title, legal basis.

What a form says lives in its .docx template (``processes/forms/<CODE>.docx``, version 1, built
by ``tools/build_form_templates.py``; administrators upload later versions). Which step issues a
form is declared by the diagrams themselves: an ``attachment`` field of the step's form names the
form in its ``document`` attribute (``steps_by_form`` reads them), so a process version and the
documents it issues travel together.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


from engine.definitions.safe_xml import parse_xml

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
FORMS_FOLDER = PROCESSES / "forms"
_NS = {"b": "http://www.omg.org/spec/BPMN/20100524/MODEL", "p": "urn:petitions:bpmn:1"}

TT05 = "Thông tư 05/2021/TT-TTCP"
ND31 = "Nghị định 31/2019/NĐ-CP"
ND124 = "Nghị định 124/2020/NĐ-CP"
LKN = "Luật Khiếu nại 2011"
LTC = "Luật Tố cáo 2018"
LTD = "Luật Tiếp công dân 2013"


@dataclass(frozen=True)
class Form:
    code: str
    title: str             # as the catalogue and the petition file name it
    legal_basis: str
    symbol: str            # the document kind in the number: "15/TB-UBND"
    issued: bool = True    # issued by the agency (takes an outgoing number); False: a citizen's form
    to_accused: bool = False  # read by people who may not know the denouncer: no identity at all


FORMS: tuple[Form, ...] = (
    Form("TT05-M01", "Phiếu đề xuất thụ lý đơn", f"{TT05}, Mẫu số 01", "PĐX"),
    Form("TT05-M03", "Phiếu chuyển đơn", f"{TT05}, Mẫu số 03; {LTD}, Điều 26", "PC"),
    Form("ND31-M01", "Quyết định gia hạn giải quyết tố cáo", f"{ND31}, Mẫu số 01; {LTC}, Điều 30",
         "QĐ"),
    Form("ND31-M04", "Quyết định thụ lý tố cáo", f"{ND31}, Mẫu số 04; {LTC}, Điều 29", "QĐ"),
    Form("ND31-M05", "Thông báo việc thụ lý tố cáo (gửi người tố cáo)",
         f"{ND31}, Mẫu số 05; {LTC}, Điều 29 khoản 3", "TB"),
    Form("ND31-M06", "Thông báo về nội dung tố cáo (gửi người bị tố cáo)",
         f"{ND31}, Mẫu số 06; {LTC}, Điều 29 khoản 3, Điều 8", "TB", to_accused=True),
    Form("ND31-M07", "Quyết định thành lập Tổ xác minh nội dung tố cáo",
         f"{ND31}, Mẫu số 07; {LTC}, Điều 31", "QĐ"),
    Form("ND31-M08", "Biên bản làm việc", f"{ND31}, Mẫu số 08", "BB"),
    Form("ND31-M10", "Báo cáo kết quả xác minh nội dung tố cáo (Tổ xác minh)",
         f"{ND31}, Mẫu số 10; {LTC}, Điều 34", "BC"),
    Form("ND31-M11", "Báo cáo kết quả xác minh nội dung tố cáo (cơ quan được giao xác minh)",
         f"{ND31}, Mẫu số 11; {LTC}, Điều 34", "BC"),
    Form("ND31-M12", "Kết luận nội dung tố cáo", f"{ND31}, Mẫu số 12; {LTC}, Điều 35", "KL",
         to_accused=True),
    Form("ND124-M01", "Đơn khiếu nại", f"{ND124}, Mẫu số 01; {LKN}, Điều 8", "", issued=False),
    Form("ND124-M02", "Giấy ủy quyền khiếu nại", f"{ND124}, Mẫu số 02; {LKN}, Điều 12",
         "", issued=False),
    Form("ND124-M14", "Biên bản đối thoại", f"{ND124}, Mẫu số 14; {LKN}, Điều 30", "BB"),
    Form("ND124-M14A", "Quyết định tạm đình chỉ việc giải quyết khiếu nại",
         f"{ND124}, Mẫu số 14a; {LKN}, Điều 35", "QĐ"),
    Form("ND124-M14B", "Quyết định tiếp tục giải quyết khiếu nại",
         f"{ND124}, Mẫu số 14b; {LKN}, Điều 35", "QĐ"),
    Form("VB-THONG-BAO-THU-LY", "Thông báo về việc thụ lý giải quyết khiếu nại",
         f"{LKN}, Điều 27; {ND124}, Điều 11", "TB"),
    Form("VB-THONG-BAO-KHONG-THU-LY", "Thông báo về việc không thụ lý giải quyết",
         f"{LKN}, Điều 11, Điều 27; {LTC}, Điều 29", "TB"),
    Form("VB-QD-DINH-CHI", "Quyết định đình chỉ việc giải quyết khiếu nại",
         f"{LKN}, Điều 10; {ND124}, Điều 17", "QĐ"),
    Form("VB-QD-GIAI-QUYET-LAN-DAU", "Quyết định giải quyết khiếu nại (lần đầu)",
         f"{LKN}, Điều 31; {ND124}", "QĐ"),
    Form("VB-GIAY-BIEN-NHAN", "Giấy biên nhận đơn, tài liệu, chứng cứ",
         f"{LTD}, Điều 26; {TT05}, Điều 7", "BN"),
    # Issued from a reception visit, not a letter (petitions/reception/refusal.py).
    Form("VB-TU-CHOI-TIEP", "Thông báo từ chối tiếp công dân", f"{LTD}, Điều 9", "TB"),
)
BY_CODE = {form.code: form for form in FORMS}


def get(code: str) -> Form | None:
    return BY_CODE.get((code or "").strip().upper())


def template_path(code: str) -> Path:
    """Version 1 of a form: the file shipped with the processes."""
    return FORMS_FOLDER / f"{code}.docx"


def document_fields(form_spec: dict | None) -> list[dict]:
    """The attachment fields of a step's declared form that name a form of the catalogue."""
    return [field for field in (form_spec or {}).get("fields", [])
            if field.get("type") == "attachment" and field.get("document") in BY_CODE]


def steps_by_form(folder: Path = PROCESSES) -> dict[str, list[str]]:
    """form code -> the BPMN task ids declaring it, read from the diagrams on disk."""
    found: dict[str, set[str]] = {form.code: set() for form in FORMS}
    for path in sorted(folder.rglob("*.bpmn")):
        tree = parse_xml(path.read_bytes(), path.name)
        for field in tree.iterfind(".//p:field[@type='attachment']", _NS):
            code = field.get("document")
            task = field.getparent().getparent().getparent()
            if code in found and task is not None and task.get("id"):
                found[code].add(task.get("id"))
    return {code: sorted(steps) for code, steps in found.items()}


def listing() -> list[dict]:
    """``petitions forms list``: ``[{code, title, legal_basis, steps}]``."""
    steps = steps_by_form()
    return [{"code": form.code, "title": form.title, "legal_basis": form.legal_basis,
             "steps": steps[form.code]} for form in FORMS]
