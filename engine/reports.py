"""Periodic reports (domain spec §10).

A report covers one unit (or all) and one period: a month, a quarter, the first or last six months,
the first nine months, or a year (Quy định 11-QĐi/TW as amended by KL 215-KL/TW; seed plans). Every
figure is computed from what the engine recorded, never typed in: the register (``petitions``), the
steps people completed (``human_tasks``: who, when, due when) and the values they entered, read from
the audit trail (``task_completed_by_user`` events), all taken as they stood at the end of the
period. ``ROWS`` says in Vietnamese how each figure is computed; the report page and the XLSX file
print those explanations next to the figures.

Columns: total = carried over from earlier periods + new in this period. Letters are split by the
date received; resolution cases by the date they were accepted (thụ lý).

The XLSX file is written by ``engine.report_xlsx``; the supervisors' dashboard (figures as they
stand now) is ``engine.dashboard``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import and_, or_, select

from engine.errors import NotFound
from engine.models import AuditEvent, HumanTask, Petition, PetitionLink, ProcessInstance, Unit
from engine.petition_labels import TYPE_LABELS, Labels, vn_time
from engine.search import latest_intake_forms
from engine.working_days import VN_TZ

if TYPE_CHECKING:
    from engine.context import EngineContext

PERIOD_KINDS = {"month": "Tháng", "quarter": "Quý", "half": "6 tháng", "nine": "9 tháng",
                "year": "Năm"}
CLOSED = ("completed", "terminated")
CHUNK = 500
CLASSIFY_STEP = "Task_classify"
# The step whose completion records how a letter was processed (kết quả xử lý đơn). A letter
# accepted by the intake continues in its type's process, where it is accepted (thụ lý) or not.
ROUTE_STEPS = {
    "Task_intake_transfer": "transfer", "Task_den_transfer": "transfer",
    "Task_intake_guide": "guide", "Task_intake_split": "split",
    "Task_intake_store": "store", "Task_den_not_processed": "store",
    "Task_intake_refuse": "refuse", "Task_kn_refuse": "refuse", "Task_den_refuse": "refuse",
    "Task_pakn_refusal": "refuse",
    "Task_intake_inspection_info": "inspection", "Task_intake_investigators": "investigators",
    "Task_intake_party": "party",
    "Task_kn_accept": "accept", "Task_den_accept": "accept", "Task_pakn_consider": "accept",
}
# Resolution: the decision (complaints), the conclusion (denunciations), the answer (PAKN), and
# the field holding the outcome.
RESOLUTION_STEPS = {"Task_kn_decide": "decision_result",
                    "Task_den_conclusion": "conclusion_outcome", "Task_pakn_answer": None}
TERMINATION_STEPS = frozenset({"Task_kn_terminate", "Task_den_terminate"})
SANCTION_STEPS = frozenset({"Task_den_sanction"})
CRIME_STEPS = frozenset({"Task_den_crime_action", "Task_intake_investigators"})
OUTCOMES = {"correct": "correct", "true": "correct", "partly_correct": "partly",
            "partly": "partly", "wrong": "wrong", "false": "wrong"}
STEP_IDS = frozenset(ROUTE_STEPS) | frozenset(RESOLUTION_STEPS) | TERMINATION_STEPS | \
    SANCTION_STEPS | CRIME_STEPS
EVENT_STEPS = frozenset({CLASSIFY_STEP}) | frozenset(RESOLUTION_STEPS)


# ---- periods ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    index: int
    start: date
    end: date
    label: str

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=VN_TZ)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=VN_TZ)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def period(kind: str, year: int, index: int = 1) -> Period:
    """A calendar period: month 1-12, quarter 1-4, half 1-2, nine (Jan-Sep), year."""
    if kind not in PERIOD_KINDS or not 2000 <= year <= 2100:
        raise ValueError(f"kỳ báo cáo không hợp lệ: {kind} {year}")
    if kind == "month":
        if not 1 <= index <= 12:
            raise ValueError("tháng phải từ 1 đến 12")
        return Period(kind, year, index, date(year, index, 1), _month_end(year, index),
                      f"Tháng {index:02d}/{year}")
    if kind == "quarter":
        if not 1 <= index <= 4:
            raise ValueError("quý phải từ 1 đến 4")
        first = 3 * index - 2
        return Period(kind, year, index, date(year, first, 1), _month_end(year, first + 2),
                      f"Quý {'I II III IV'.split()[index - 1]} năm {year}")
    if kind == "half":
        if index not in (1, 2):
            raise ValueError("6 tháng: 1 (đầu năm) hoặc 2 (cuối năm)")
        first = 1 if index == 1 else 7
        return Period(kind, year, index, date(year, first, 1), _month_end(year, first + 5),
                      f"6 tháng {'đầu' if index == 1 else 'cuối'} năm {year}")
    if kind == "nine":
        return Period(kind, year, 1, date(year, 1, 1), date(year, 9, 30), f"9 tháng năm {year}")
    return Period(kind, year, 1, date(year, 1, 1), date(year, 12, 31), f"Năm {year}")


# ---- facts per letter ----------------------------------------------------------------------------
@dataclass
class Step:
    bpmn_id: str
    created_at: datetime
    completed_at: datetime | None   # None: not completed by the end of the period
    due_at: datetime | None
    cancelled: bool = False         # left without completion (terminated, interrupted)


@dataclass
class Letter:
    """One petition as it stood at the end of the period."""

    petition_id: int
    received_on: date
    petition_type: str
    field: str
    channel: str
    signers: int
    new: bool
    facts: dict | None = None                 # last classification (Task_classify) before the end
    linked_duplicate: bool = False
    steps: list[Step] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)   # resolution step -> outcome value
    terminated_at: datetime | None = None

    def done(self, ids: Iterable[str], before: datetime) -> list[Step]:
        wanted = set(ids)
        return sorted((s for s in self.steps if s.bpmn_id in wanted and s.completed_at
                       and s.completed_at < before), key=lambda s: s.completed_at)

    @property
    def kind(self) -> str:
        return (self.facts or {}).get("petition_type") or self.petition_type

    @property
    def duplicate(self) -> bool:
        return self.linked_duplicate or bool((self.facts or {}).get("resolved_nothing_new"))

    @property
    def ineligible(self) -> bool:
        f = self.facts or {}
        if not f or self.duplicate:
            return False
        outside = f.get("within_competence") is False
        return (f.get("in_vietnamese") is False or f.get("has_identity") is False
                or bool(f.get("anonymous"))
                or (outside and bool(f.get("already_sent_to_competent") or f.get("already_guided")
                                     or f.get("already_transferred"))))


def _scope(session, p: Period, unit_code: str | None, units: frozenset[str] | None) -> list[Letter]:
    """Letters received by the end of the period whose instance was not closed before it began."""
    query = (select(Petition.id, Petition.instance_id, Petition.received_on, Petition.petition_type,
                    Petition.field, Petition.channel, Petition.signers)
             .outerjoin(ProcessInstance, ProcessInstance.id == Petition.instance_id)
             .where(Petition.received_on <= p.end,
                    or_(Petition.received_on >= p.start, ProcessInstance.id.is_(None),
                        ProcessInstance.status.not_in(CLOSED),
                        ProcessInstance.updated_at >= p.start_at)))
    if unit_code:
        query = query.where(Petition.unit_code == unit_code)
    if units is not None:  # the reader's units only (engine.access)
        query = query.where(Petition.unit_code.in_(sorted(units)))
    letters = {}
    for row in session.execute(query.order_by(Petition.id)):
        letters[row.instance_id or -row.id] = Letter(
            row.id, row.received_on, row.petition_type, row.field, row.channel, row.signers,
            new=row.received_on >= p.start)
    instance_ids = [i for i in letters if i > 0]
    for chunk in _chunks(instance_ids):
        _load_steps(session, letters, chunk, p)
        _load_events(session, letters, chunk, p)
    _load_links(session, {l.petition_id: l for l in letters.values()}, p)
    return list(letters.values())


def _to_process(letters: list[Letter], p: Period) -> list[Letter]:
    """Letters the period had to process: new ones, and older ones not processed when it began."""
    return [l for l in letters if l.new or not (
        l.done(ROUTE_STEPS, p.start_at) or (l.terminated_at and l.terminated_at < p.start_at))]


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _load_steps(session, letters: dict, chunk: list[int], p: Period) -> None:
    rows = session.execute(select(HumanTask.instance_id, HumanTask.bpmn_id, HumanTask.created_at,
                                  HumanTask.completed_at, HumanTask.due_at, HumanTask.status)
                           .where(HumanTask.instance_id.in_(chunk),
                                  HumanTask.created_at < p.end_at))
    for row in rows:
        completed = row.completed_at if row.status == "completed" else None
        letters[row.instance_id].steps.append(
            Step(row.bpmn_id, row.created_at, completed if completed and completed < p.end_at
                 else None, row.due_at, cancelled=row.status == "cancelled"))


def _load_events(session, letters: dict, chunk: list[int], p: Period) -> None:
    step = AuditEvent.payload["bpmn_id"].as_string()
    rows = session.execute(
        select(AuditEvent.instance_id, AuditEvent.event_type, AuditEvent.occurred_at,
               AuditEvent.payload)
        .where(AuditEvent.instance_id.in_(chunk), AuditEvent.occurred_at < p.end_at,
               or_(and_(AuditEvent.event_type == "task_completed_by_user",
                        step.in_(sorted(EVENT_STEPS))),
                   AuditEvent.event_type == "instance_terminated"))
        .order_by(AuditEvent.instance_id, AuditEvent.seq))
    for instance_id, kind, at, payload in rows:
        letter = letters[instance_id]
        if kind == "instance_terminated":
            letter.terminated_at = at
            continue
        bpmn_id, after = payload.get("bpmn_id"), payload.get("after") or {}
        if bpmn_id == CLASSIFY_STEP:
            letter.facts = after
        elif RESOLUTION_STEPS.get(bpmn_id) and after.get(RESOLUTION_STEPS[bpmn_id]):
            letter.outcomes[bpmn_id] = after[RESOLUTION_STEPS[bpmn_id]]


def _load_links(session, by_petition: dict[int, Letter], p: Period) -> None:
    ids = sorted(by_petition)
    for chunk in _chunks(ids):
        for (petition_id,) in session.execute(select(PetitionLink.petition_id).where(
                PetitionLink.petition_id.in_(chunk), PetitionLink.kind == "duplicate",
                PetitionLink.status == "linked", PetitionLink.decided_at < p.end_at)):
            by_petition[petition_id].linked_duplicate = True


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
        labels = Labels(latest_intake_forms(uow.session))
        unit_name = uow.session.scalar(select(Unit.name).where(Unit.code == unit_code)) \
            if unit_code else None
    letters = _to_process(everything, p)
    sections = [_reception(letters, labels), _classification(letters),
                _processing(letters, p), _resolution(everything, p)]
    return {"period": p, "unit_code": unit_code,
            "unit_label": unit_name or unit_code or "Tất cả đơn vị",
            "generated_at": vn_time(ctx.clock.now()), "sections": sections,
            "notes": NOTES}


def _reception(letters: list[Letter], labels: Labels) -> Section:
    s = Section("I. Tiếp nhận đơn")
    s.add("letters_total", "Tổng số đơn phải xử lý trong kỳ",
          "Đơn đã vào sổ đến hết kỳ, trừ đơn đã xử lý xong trước kỳ. Cột “kỳ trước chuyển "
          "sang”: đơn nhận trước ngày đầu kỳ, đến đầu kỳ chưa xử lý xong; “phát sinh trong kỳ”: "
          "đơn có ngày nhận đơn trong kỳ.", (l.new for l in letters))
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
    return s


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
    "Quy trình hiện chưa có bước “đôn đốc”: số đơn đôn đốc chưa được thống kê.",
]


def figures(report: dict) -> dict[str, Row]:
    """key -> row of a built report (for tests and the JSON view)."""
    return {row.key: row for section in report["sections"] for row in section.rows}
