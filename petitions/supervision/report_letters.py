"""The letters a periodic report counts: periods, the steps they went through, read in chunks."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterable

from sqlalchemy import and_, or_, select

from engine.persistence.models import AuditEvent, HumanTask, ProcessInstance
from engine.working_days import VN_TZ
from petitions.persistence.interop_models import PetitionImport
from petitions.persistence.models import Petition, PetitionLink

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
    imported: bool = False    # carried over from the office's earlier register (issue 20 §7)

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
                    Petition.field, Petition.channel, Petition.signers,
                    PetitionImport.petition_id.label("imported"))
             .outerjoin(ProcessInstance, ProcessInstance.id == Petition.instance_id)
             .outerjoin(PetitionImport, PetitionImport.petition_id == Petition.id)
             .where(Petition.received_on <= p.end,
                    or_(Petition.received_on >= p.start, ProcessInstance.id.is_(None),
                        ProcessInstance.status.not_in(CLOSED),
                        ProcessInstance.updated_at >= p.start_at)))
    if unit_code:
        query = query.where(Petition.unit_code == unit_code)
    if units is not None:  # the reader's units only (engine.accounts.access)
        query = query.where(Petition.unit_code.in_(sorted(units)))
    letters = {}
    for row in session.execute(query.order_by(Petition.id)):
        letters[row.instance_id or -row.id] = Letter(
            row.id, row.received_on, row.petition_type, row.field, row.channel, row.signers,
            new=row.received_on >= p.start, imported=row.imported is not None)
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
