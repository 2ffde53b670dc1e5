"""Periodic reports (domain spec §10).

A report covers one unit (or all) and one period: a month, a quarter, the first or last six months,
the first nine months, or a year (Quy định 11-QĐi/TW as amended by KL 215-KL/TW; seed plans). Every
figure is computed from what the engine recorded, never typed in: the register (``petitions``), the
steps people completed (``human_tasks``: who, when, due when) and the values they entered, read from
the audit trail (``task_completed_by_user`` events), all taken as they stood at the end of the
period. ``ROWS`` says in Vietnamese how each figure is computed; the report page and the XLSX file
print those explanations next to the figures.

Columns: total = carried over from earlier periods + new in this period. Letters are split by the
date received; resolution cases by the date they were accepted (thụ lý). A letter imported from
the register an office kept before this system (``petitions.interop.register_import``) is always
carried over: the office brought it along; "new" counts what this system registered.

The XLSX file is written by ``petitions.supervision.report_xlsx``; the supervisors' dashboard (figures as they
stand now) is ``petitions.supervision.dashboard``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import select

from engine.accounts.models import Unit
from engine.errors import NotFound
from petitions.labels import TYPE_LABELS, Labels, vn_time
from petitions.followup.steps import URGING_STEPS
from petitions.reception import figures as reception_figures
from petitions.supervision import report_more
from petitions.supervision.report_letters import (CRIME_STEPS, OUTCOMES, RESOLUTION_STEPS,
                                                  ROUTE_STEPS, SANCTION_STEPS, TERMINATION_STEPS,
                                                  Letter, Period, _scope, _to_process)
from petitions.supervision.search import latest_intake_forms

if TYPE_CHECKING:
    from engine.context import EngineContext


# ---- the report ---------------------------------------------------------------------------------
@dataclass
class Row:
    key: str
    label: str
    how: str
    level: int = 0          # 0 = figure, 1 = "of which"
    total: int = 0
    carried: int = 0
    new: int = 0


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)

    def add(self, key: str, label: str, how: str, items: Iterable[bool], *, level: int = 0) -> None:
        row = Row(key, label, how, level)
        for is_new in items:
            row.total += 1
            row.new += int(is_new)
            row.carried += int(not is_new)
        self.rows.append(row)


def _latest_route(letter: Letter, before: datetime) -> str | None:
    routed = letter.done(ROUTE_STEPS, before)
    return ROUTE_STEPS[routed[-1].bpmn_id] if routed else None


def build(ctx: "EngineContext", p: Period, unit_code: str | None = None, *,
          units: frozenset[str] | None = None) -> dict:
    """The report of one unit (None: all of ``units``, the reader's; None there only for the
    command line, which runs for the whole deployment) for one period, with explanations."""
    if units is not None and unit_code and unit_code not in units:
        raise NotFound(f"Không tìm thấy đơn vị '{unit_code}'")
    with ctx.uow(write=False) as uow:
        everything = _scope(uow.session, p, unit_code, units)
        for letter in everything:   # from an earlier register: carried over (issue 20 §7)
            letter.new = letter.new and not letter.imported
        labels = Labels(latest_intake_forms(uow.session))
        unit_name = uow.session.scalar(select(Unit.name).where(Unit.code == unit_code)) \
            if unit_code else None
        codes = [unit_code] if unit_code else sorted(units) if units is not None else \
            list(uow.session.scalars(select(Unit.code)))
        visits = reception_figures.figures(uow.session, codes, p.start, p.end,
                                           now=ctx.clock.now())
        more = report_more.sections(uow.session, p, codes, Row, Section)   # issue 19 §6
    letters = _to_process(everything, p)
    sections = [_reception(letters, labels), _classification(letters),
                _processing(letters, p), _resolution(everything, p), _citizen_reception(visits)]
    sections += more
    return {"period": p, "unit_code": unit_code,
            "unit_label": unit_name or unit_code or "Tất cả đơn vị",
            "generated_at": vn_time(ctx.clock.now()), "sections": sections,
            "notes": NOTES + report_more.NOTES}


def _citizen_reception(counted: dict) -> Section:
    """The reception figures of domain-spec §10 (petitions/reception/figures.py): a visit or a
    session belongs to the period of its date, so nothing is carried over."""
    s = Section("V. Tiếp công dân")
    for row in reception_figures.report_rows(counted):
        s.rows.append(Row(row["key"], row["label"], row["how"], row["level"],
                          total=row["value"], new=row["value"]))
    return s


def _reception(letters: list[Letter], labels: Labels) -> Section:
    s = Section("I. Tiếp nhận đơn")
    s.add("letters_total", "Tổng số đơn phải xử lý trong kỳ",
          "Đơn đã vào sổ đến hết kỳ, trừ đơn đã xử lý xong trước kỳ. Cột “kỳ trước chuyển "
          "sang”: đơn nhận trước ngày đầu kỳ, đến đầu kỳ chưa xử lý xong; “phát sinh trong kỳ”: "
          "đơn có ngày nhận đơn trong kỳ; đơn chuyển từ sổ theo dõi đơn cũ của đơn vị (nhập "
          "sổ) luôn tính là kỳ trước chuyển sang.", (l.new for l in letters))
    s.add("signers_one", "Đơn một người đứng tên", "Số người đứng tên trong sổ đơn = 1.",
          (l.new for l in letters if l.signers <= 1), level=1)
    s.add("signers_few", "Đơn từ 2 đến 4 người đứng tên", "Số người đứng tên từ 2 đến 4.",
          (l.new for l in letters if 2 <= l.signers <= 4), level=1)
    s.add("signers_many", "Đơn nhiều người đứng tên (từ 5 người trở lên)",
          "Số người đứng tên ≥ 5 (Luật Khiếu nại Điều 8.4, Luật Tố cáo Điều 23.1).",
          (l.new for l in letters if l.signers >= 5), level=1)
    for code, label in TYPE_LABELS.items():
        s.add(f"type_{code}", f"Loại đơn: {label}",
              "Loại đơn theo kết quả phân loại gần nhất trước hết kỳ; đơn chưa phân loại lấy loại "
              "ghi trong sổ khi vào sổ.", (l.new for l in letters if l.kind == code), level=1)
    for code, label in labels.choices("field"):
        s.add(f"field_{code}", f"Lĩnh vực: {label}", "Lĩnh vực ghi trong sổ đơn.",
              (l.new for l in letters if l.field == code), level=1)
    for code, label in labels.choices("channel"):
        s.add(f"channel_{code}", f"Tiếp nhận: {label}", "Hình thức tiếp nhận ghi trong sổ đơn.",
              (l.new for l in letters if l.channel == code), level=1)
    return s


def _classification(letters: list[Letter]) -> Section:
    s = Section("II. Phân loại đơn")
    classified = [l for l in letters if l.facts]
    s.add("classified", "Đơn đã phân loại",
          "Bước “Phân loại, đề xuất xử lý đơn” đã hoàn thành trước hết kỳ (lấy lần phân loại "
          "cuối).",
          (l.new for l in classified))
    s.add("eligible", "Đơn đủ điều kiện xử lý",
          "Đã phân loại, không trùng lặp và không thuộc trường hợp không đủ điều kiện dưới đây.",
          (l.new for l in classified if not l.duplicate and not l.ineligible), level=1)
    s.add("ineligible", "Đơn không đủ điều kiện xử lý",
          "Không viết bằng tiếng Việt; hoặc không ghi rõ họ tên, địa chỉ, chữ ký; hoặc nặc danh; "
          "hoặc không thuộc thẩm quyền mà đã gửi đồng thời cơ quan có thẩm quyền, đã được hướng "
          "dẫn hoặc đã được chuyển một lần (mục 2.3 đặc tả nghiệp vụ; Luật Tố cáo Điều 24.3).",
          (l.new for l in classified if l.ineligible), level=1)
    s.add("duplicate", "Đơn trùng lặp",
          "Phân loại ghi “đã được giải quyết, không có nội dung mới”, hoặc cán bộ tiếp nhận đã xác "
          "nhận đơn trùng với đơn trước (liên kết trùng nội dung).",
          (l.new for l in letters if l.duplicate), level=1)
    s.add("in_competence", "Đơn thuộc thẩm quyền", "Phân loại ghi “thuộc thẩm quyền giải quyết”.",
          (l.new for l in classified if l.facts.get("within_competence") is True))
    s.add("out_of_competence", "Đơn không thuộc thẩm quyền",
          "Phân loại ghi “không thuộc thẩm quyền giải quyết”.",
          (l.new for l in classified if l.facts.get("within_competence") is False))
    s.add("unclassified", "Đơn chưa phân loại", "Chưa hoàn thành bước phân loại đến hết kỳ.",
          (l.new for l in letters if not l.facts))
    return s


OUTCOME_ROWS = [
    ("accept", "Thụ lý giải quyết", "Hoàn thành bước thụ lý: “Thụ lý, thông báo thụ lý” (khiếu "
     "nại), “Quyết định thụ lý tố cáo”, hoặc thủ trưởng xem xét, giao xử lý (kiến nghị, phản "
     "ánh)."),
    ("transfer", "Chuyển đơn",
     "Hoàn thành bước chuyển đơn đến cơ quan có thẩm quyền (phiếu chuyển)."),
    ("guide", "Hướng dẫn người gửi", "Hoàn thành bước hướng dẫn (đơn không thuộc thẩm quyền)."),
    ("split", "Hướng dẫn tách đơn", "Hoàn thành bước hướng dẫn tách đơn nhiều nội dung."),
    ("store", "Lưu đơn", "Hoàn thành bước lưu đơn / không xử lý, lưu đơn."),
    ("refuse", "Trả lại đơn, không thụ lý",
     "Hoàn thành bước trả lại đơn không đủ điều kiện, thông báo không thụ lý hoặc từ chối."),
    ("investigators", "Chuyển cơ quan điều tra, viện kiểm sát",
     "Hoàn thành bước chuyển đơn có dấu hiệu tội phạm."),
    ("party", "Chuyển cơ quan Đảng có thẩm quyền", "Hoàn thành bước chuyển ủy ban kiểm tra."),
    ("inspection", "Chuyển làm thông tin thanh tra, kiểm tra",
     "Hoàn thành bước chuyển thông tin (đơn nặc danh có nội dung cụ thể)."),
]


def _processing(letters: list[Letter], p: Period) -> Section:
    s = Section("III. Kết quả xử lý đơn")
    routes = {l.petition_id: _latest_route(l, p.end_at) for l in letters}
    s.add("processed", "Số đơn đã xử lý",
          "Đơn có bước xử lý (một trong các hướng dưới đây) hoàn thành trước hết kỳ; đơn có nhiều "
          "bước lấy bước hoàn thành sau cùng.", (l.new for l in letters if routes[l.petition_id]))
    for code, label, how in OUTCOME_ROWS:
        s.add(f"outcome_{code}", label, how,
              (l.new for l in letters if routes[l.petition_id] == code), level=1)
    s.add("unprocessed", "Đơn đang xử lý, chuyển kỳ sau",
          "Chưa có bước xử lý nào hoàn thành đến hết kỳ.",
          (l.new for l in letters if not routes[l.petition_id]))
    return s


def _resolution(letters: list[Letter], p: Period) -> Section:
    s = Section("IV. Giải quyết vụ việc thuộc thẩm quyền")
    cases = []
    for letter in letters:
        accepted = [st for st in letter.done(ROUTE_STEPS, p.end_at)
                    if ROUTE_STEPS[st.bpmn_id] == "accept"]
        if not accepted:
            continue
        closed_before = letter.done(list(RESOLUTION_STEPS) + list(TERMINATION_STEPS), p.start_at)
        if closed_before or (letter.terminated_at and letter.terminated_at < p.start_at):
            continue
        cases.append((letter, accepted[0].completed_at >= p.start_at))
    resolved = [(l, new, l.done(RESOLUTION_STEPS, p.end_at)[-1]) for l, new in cases
                if l.done(RESOLUTION_STEPS, p.end_at)]
    terminated = [(l, new) for l, new in cases if not l.done(RESOLUTION_STEPS, p.end_at)
                  and (l.done(TERMINATION_STEPS, p.end_at) or l.terminated_at)]
    closed = {l.petition_id for l, _, _ in resolved} | {l.petition_id for l, _ in terminated}
    pending = [(l, new) for l, new in cases if l.petition_id not in closed]
    s.add("cases", "Số vụ việc phải giải quyết",
          "Đơn đã thụ lý (xem mục III) trước hết kỳ, chưa giải quyết xong trước đầu kỳ. Cột “kỳ "
          "trước chuyển sang”/“phát sinh”: thụ lý trước / trong kỳ.", (new for _, new in cases))
    s.add("resolved", "Đã giải quyết",
          "Đã ban hành quyết định giải quyết khiếu nại, kết luận nội dung tố cáo hoặc văn bản trả "
          "lời kiến nghị, phản ánh (bước đó hoàn thành trong kỳ).", (new for _, new, _ in resolved),
          level=1)
    s.add("resolved_on_time", "Giải quyết đúng hạn",
          "Bước ban hành quyết định/kết luận/trả lời hoàn thành không muộn hơn hạn của bước đó "
          "(thời hạn giải quyết theo luật, đã trừ thời gian tạm đình chỉ).",
          (new for _, new, st in resolved if st.due_at and st.completed_at <= st.due_at), level=1)
    s.add("resolved_late", "Giải quyết quá hạn", "Bước đó hoàn thành sau hạn.",
          (new for _, new, st in resolved if st.due_at and st.completed_at > st.due_at), level=1)
    s.add("resolved_no_due", "Giải quyết, không xác định được hạn",
          "Bước đó không có hạn trong hệ thống (quy trình không đặt mốc thời gian).",
          (new for _, new, st in resolved if not st.due_at), level=1)
    for code, label in (("correct", "Đúng (khiếu nại đúng, tố cáo đúng)"),
                        ("partly", "Đúng một phần"), ("wrong", "Sai")):
        s.add(f"outcome_{code}", f"Kết quả: {label}",
              "Giá trị “Kết luận” của quyết định giải quyết khiếu nại hoặc kết luận nội dung tố "
              "cáo.",
              (new for l, new, st in resolved
               if OUTCOMES.get(l.outcomes.get(st.bpmn_id, "")) == code), level=1)
    s.add("terminated", "Đình chỉ giải quyết",
          "Hoàn thành bước quyết định đình chỉ, hoặc hồ sơ bị chấm dứt, trong kỳ; chưa có quyết "
          "định giải quyết.", (new for _, new in terminated), level=1)
    s.add("pending", "Đang giải quyết, chuyển kỳ sau", "Chưa giải quyết, chưa đình chỉ đến hết kỳ.",
          (new for _, new in pending), level=1)
    s.add("pending_overdue", "trong đó đã quá hạn",
          "Có bước đang mở đến hết kỳ mà hạn của bước đã qua.",
          (new for l, new in pending if _late_at(l, p.end_at)), level=1)
    s.add("sanctioned", "Vụ việc có người bị xử lý",
          "Hoàn thành bước “Xử lý người vi phạm, khắc phục hậu quả” (tố cáo đúng, đúng một phần) "
          "trong kỳ.",
          (new for l, new in cases if _done_within(l, SANCTION_STEPS, p)), level=1)
    s.add("to_investigators", "Chuyển cơ quan điều tra",
          "Hoàn thành bước chuyển hồ sơ vụ việc cho cơ quan điều tra, viện kiểm sát trong kỳ.",
          (new for l, new in cases if _done_within(l, CRIME_STEPS, p)), level=1)
    _urgings(s, letters, p)
    return s


def _urgings(s: Section, letters: list[Letter], p: Period) -> None:
    """Issue 19 §1: each urging (đôn đốc) of a decision or conclusion in force is a completed step
    of the follow-up (processes/decision_followup); counted when done within the period."""
    done = [(l, [st for st in l.done(URGING_STEPS, p.end_at) if st.completed_at >= p.start_at])
            for l in letters]
    count = sum(len(steps) for _, steps in done)
    s.rows.append(Row("urgings", "Số lần đôn đốc thi hành quyết định, kết luận",
                      "Mỗi lần hoàn thành bước “Đôn đốc thi hành” (theo dõi thi hành quyết định "
                      "giải quyết khiếu nại có hiệu lực, kết luận nội dung tố cáo) trong kỳ là một "
                      "lần đôn đốc; không có số chuyển kỳ.", total=count, new=count))
    s.add("urged_cases", "Vụ việc được đôn đốc thi hành",
          "Vụ việc có ít nhất một lần đôn đốc thi hành trong kỳ.",
          (l.new for l, steps in done if steps), level=1)


def _late_at(letter: Letter, moment: datetime) -> bool:
    return any(st.due_at and st.due_at < moment and st.completed_at is None and not st.cancelled
               for st in letter.steps)


def _done_within(letter: Letter, ids: Iterable[str], p: Period) -> bool:
    return any(st.completed_at >= p.start_at for st in letter.done(ids, p.end_at))


NOTES = [
    "Kỳ báo cáo tính theo ngày dương lịch: từ ngày đầu đến hết ngày cuối của kỳ, giờ Việt Nam.",
    "Số liệu lấy từ sổ đơn, các bước công việc đã hoàn thành (ai, lúc nào, hạn khi nào) và giá trị "
    "cán bộ đã nhập, đọc từ nhật ký kiểm toán (không nhập tay), tính tại thời điểm hết kỳ: báo cáo "
    "lập lại cho cùng kỳ cho cùng kết quả, trừ khi dữ liệu sau kỳ được bổ sung với ngày trong kỳ.",
    "Đơn thuộc đơn vị nào theo “Đơn vị tiếp nhận” ghi trong sổ đơn.",
    "Thống kê buổi tiếp công dân (lượt, người, đoàn đông người) chưa có trong hệ thống: đơn nhận "
    "tại buổi tiếp công dân được thống kê ở dòng “Tiếp nhận: Tại buổi tiếp công dân”.",
    "Đơn chuyển từ sổ theo dõi đơn của đơn vị trước khi dùng hệ thống (nhập sổ) luôn được tính ở "
    "cột “kỳ trước chuyển sang”.",
]


def figures(report: dict) -> dict[str, Row]:
    """key -> row of a built report (for tests and the JSON view)."""
    return {row.key: row for section in report["sections"] for row in section.rows}
