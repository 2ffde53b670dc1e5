"""The register of complex, long-standing and backlog cases (vụ việc phức tạp, kéo dài, tồn đọng;
issue 19 §2; seed 001 §4: "xây dựng kế hoạch, lộ trình, thời hạn giải quyết và phân công trách
nhiệm phụ trách đối với từng vụ việc cụ thể"; seed 003: "rõ nội dung, rõ thời gian, rõ trách
nhiệm, rõ kết quả"; quarterly reports).

The commands. A case enters by the head of unit's decision, usually from the candidates the
markers officers already set suggest (``complex_queries.candidates``). The head sets the plan,
the owner and the working group and the roadmap; the owner, the group and the head record the
milestones' progress and the quarterly report. Each command is one unit of work with one audit
line on its unit's ``complex:<unit>`` chain. A petition of another unit does not exist for the
writer (404). Free texts are stored with the petition's senders' identities cut out, so no page,
file or audit line of the register can name a sealed denouncer.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import Unit, User
from engine.audit.chain import PendingEvent, append_chain_event
from engine.errors import Forbidden, InvalidInput, InvalidState, NotFound
from engine.working_days import VN_TZ
from petitions.identity.protection import matcher_for
from petitions.persistence.complex_models import (ComplexCase, ComplexMilestone,
                                                  ComplexQuarterReport)
from petitions.persistence.models import Petition
from petitions.supervision.complex.markers import MARKERS, candidate_markers

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

STATUSES = {"open": "Đang theo dõi, giải quyết", "resolved": "Đã giải quyết dứt điểm",
            "removed": "Đưa ra khỏi danh sách"}
MILESTONE_STATUSES = {"planned": "Chưa thực hiện", "in_progress": "Đang thực hiện",
                      "done": "Hoàn thành", "cancelled": "Hủy bỏ"}
HEADS = frozenset({"head_of_unit"})
READERS = frozenset({"head_of_unit", "supervisor", "handling_officer", "administrator"})
MAX_TEXT, MAX_GROUP, MAX_MILESTONES = 10_000, 20, 50


def today(ctx: "EngineContext") -> date:
    return ctx.clock.now().astimezone(VN_TZ).date()


def check_reader(actor: "Actor") -> None:
    if not READERS & actor.roles:
        raise Forbidden("Bạn không có quyền xem sổ theo dõi vụ việc phức tạp")


def _audit(session, unit: str, actor: "Actor", event: str, payload: dict, now: datetime) -> None:
    """One chain per unit's register: ids, codes and dates only; texts are already redacted."""
    append_chain_event(session, f"complex:{unit}", PendingEvent(event, actor.username, payload),
                       now, lock=True)


def _text(value: str | None, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"Chưa nhập {label}")
    if len(value) > limit:
        raise InvalidInput(f"{label[0].upper()}{label[1:]} dài quá {limit} ký tự")
    return value


def _head_of(actor: "Actor", unit: str) -> None:
    if not HEADS & actor.roles:
        raise Forbidden("Chỉ thủ trưởng đơn vị mới quyết định việc này")
    if actor.unit != unit:   # checked by the caller first (404); kept as a guard
        raise NotFound("Không tìm thấy vụ việc")


def _own_case(session, case_id: int, actor: "Actor", *, lock: bool = True) -> ComplexCase:
    """The entry for writing: another unit's entry does not exist for the writer (404)."""
    query = select(ComplexCase).where(ComplexCase.id == case_id)
    row = session.scalars(query.with_for_update() if lock else query).first()
    if row is None or row.unit_code != actor.unit:
        raise NotFound("Không tìm thấy vụ việc trong sổ theo dõi")
    return row


def _may_progress(row: ComplexCase, actor: "Actor") -> None:
    """The owner, a member of the working group, or the head records progress."""
    if not (HEADS & actor.roles or actor.username == row.owner
            or actor.username in (row.working_group or [])):
        raise Forbidden("Chỉ người chủ trì, tổ công tác hoặc thủ trưởng đơn vị được cập nhật")


def _still_open(row: ComplexCase) -> None:
    if row.status != "open":
        raise InvalidState("Vụ việc đã kết thúc theo dõi; không thay đổi được nữa")


def _redact(session, petition_id: int, text: str | None) -> str | None:
    return matcher_for(session, petition_id).redact(text) if text else text


def enter(ctx: "EngineContext", actor: "Actor", petition_id: int, *, markers: list[str],
          reason: str) -> dict:
    """The head enters a petition of their unit; ``source`` says whether the markers officers set
    had suggested it (a candidate) or it is the head's own decision. Returns ``{"id"}``."""
    chosen = [m for m in MARKERS if m in set(markers or [])]
    if not chosen or len(chosen) != len(set(markers)):
        raise InvalidInput("Chọn ít nhất một loại: phức tạp, kéo dài, tồn đọng, đông người, "
                           "nguy cơ điểm nóng")
    reason = _text(reason, "lý do đưa vào sổ theo dõi")
    with ctx.uow() as uow:
        session = uow.session
        petition = session.get(Petition, petition_id)
        if petition is None or petition.unit_code != actor.unit:
            raise NotFound(f"Không tìm thấy đơn #{petition_id}")
        _head_of(actor, petition.unit_code)
        if session.scalar(select(ComplexCase.id).where(ComplexCase.petition_id == petition_id)):
            raise InvalidState(f"Đơn {petition.number} đã có trong sổ theo dõi vụ việc phức tạp")
        suggested = candidate_markers(session, [petition], ctx.clock.now()).get(petition.id)
        now = ctx.clock.now()
        row = ComplexCase(petition_id=petition.id, unit_code=petition.unit_code, markers=chosen,
                          source="candidate" if suggested else "decision",
                          reason=_redact(session, petition.id, reason), working_group=[],
                          status="open", entered_by=actor.username, entered_at=now,
                          updated_at=now)
        session.add(row)
        session.flush()
        _audit(session, row.unit_code, actor, "complex_case_entered", {
            "case_id": row.id, "petition_id": petition.id, "number": petition.number,
            "markers": chosen, "source": row.source}, now)
        uow.commit()
        return {"id": row.id}


def _unit_users(session, unit: str, usernames: list[str]) -> dict[str, str]:
    """username -> display name of the active users of ``unit`` among ``usernames``."""
    return dict(session.execute(
        select(User.username, User.display_name).join(Unit, Unit.id == User.unit_id)
        .where(Unit.code == unit, User.username.in_(usernames), User.active.is_(True))).all())


def set_plan(ctx: "EngineContext", actor: "Actor", case_id: int, *, plan: str, owner: str,
             working_group: list[str]) -> None:
    """The plan (kế hoạch giải quyết), its owner and the working group: users of the unit."""
    plan = _text(plan, "kế hoạch giải quyết")
    owner = (owner or "").strip()
    group = list(dict.fromkeys(u.strip() for u in working_group or [] if u and u.strip()))
    if not owner:
        raise InvalidInput("Chưa chọn người chủ trì")
    if len(group) > MAX_GROUP:
        raise InvalidInput(f"Tổ công tác tối đa {MAX_GROUP} người")
    with ctx.uow() as uow:
        session = uow.session
        row = _own_case(session, case_id, actor)
        _head_of(actor, row.unit_code)
        _still_open(row)
        known = _unit_users(session, row.unit_code, [owner, *group])
        unknown = [u for u in [owner, *group] if u not in known]
        if unknown:
            raise InvalidInput("Người không thuộc đơn vị hoặc không còn hoạt động: "
                               + ", ".join(unknown))
        now = ctx.clock.now()
        row.plan = _redact(session, row.petition_id, plan)
        row.owner, row.working_group, row.updated_at = owner, group, now
        _audit(session, row.unit_code, actor, "complex_case_planned", {
            "case_id": row.id, "owner": owner, "working_group": group}, now)
        uow.commit()


def add_milestone(ctx: "EngineContext", actor: "Actor", case_id: int, *, title: str,
                  due_on: date | None) -> dict:
    """A dated step of the roadmap (the head or the owner draws the roadmap)."""
    title = _text(title, "nội dung mốc", limit=1000)
    if due_on is None:
        raise InvalidInput("Chưa nhập thời hạn của mốc (ngày/tháng/năm)")
    with ctx.uow() as uow:
        session = uow.session
        row = _own_case(session, case_id, actor)
        if not (HEADS & actor.roles or actor.username == row.owner):
            raise Forbidden("Chỉ thủ trưởng đơn vị hoặc người chủ trì được lập lộ trình")
        _still_open(row)
        count = len(session.scalars(select(ComplexMilestone.id).where(
            ComplexMilestone.case_id == row.id)).all())
        if count >= MAX_MILESTONES:
            raise InvalidInput(f"Lộ trình tối đa {MAX_MILESTONES} mốc")
        received = session.scalar(select(Petition.received_on).where(
            Petition.id == row.petition_id))
        if due_on < received:   # a roadmap may list steps already late, never before the letter
            raise InvalidInput("Thời hạn của mốc không được trước ngày nhận đơn")
        now = ctx.clock.now()
        milestone = ComplexMilestone(case_id=row.id, title=_redact(session, row.petition_id, title),
                                     due_on=due_on, status="planned", created_by=actor.username,
                                     created_at=now, updated_by=actor.username, updated_at=now)
        session.add(milestone)
        session.flush()
        row.updated_at = now
        _audit(session, row.unit_code, actor, "complex_milestone_added", {
            "case_id": row.id, "milestone_id": milestone.id, "due_on": due_on.isoformat()}, now)
        uow.commit()
        return {"id": milestone.id}


def update_milestone(ctx: "EngineContext", actor: "Actor", milestone_id: int, *, status: str,
                     done_on: date | None = None, note: str | None = None) -> None:
    """A milestone's progress: done needs the day it was done (not in the future)."""
    if status not in MILESTONE_STATUSES:
        raise InvalidInput("Trạng thái của mốc không hợp lệ")
    note = _text(note, "ghi chú", required=False, limit=2000) or None
    with ctx.uow() as uow:
        session = uow.session
        milestone = session.get(ComplexMilestone, milestone_id)
        if milestone is None:
            raise NotFound("Không tìm thấy mốc của lộ trình")
        row = _own_case(session, milestone.case_id, actor)
        _may_progress(row, actor)
        _still_open(row)
        if status == "done":
            if done_on is None:
                raise InvalidInput("Mốc đã hoàn thành cần ngày hoàn thành")
            if done_on > today(ctx):
                raise InvalidInput("Ngày hoàn thành không được sau ngày hôm nay")
            received = session.scalar(select(Petition.received_on).where(
                Petition.id == row.petition_id))
            if done_on < received:
                raise InvalidInput("Ngày hoàn thành không được trước ngày nhận đơn")
        elif done_on is not None:
            raise InvalidInput("Chỉ ghi ngày hoàn thành khi mốc đã hoàn thành")
        now = ctx.clock.now()
        milestone.status, milestone.done_on = status, done_on if status == "done" else None
        if note is not None:
            milestone.note = _redact(session, row.petition_id, note)
        milestone.updated_by, milestone.updated_at, row.updated_at = actor.username, now, now
        _audit(session, row.unit_code, actor, "complex_milestone_updated", {
            "case_id": row.id, "milestone_id": milestone.id, "status": status,
            "done_on": done_on.isoformat() if done_on else None}, now)
        uow.commit()


def set_status(ctx: "EngineContext", actor: "Actor", case_id: int, *, status: str,
               note: str) -> None:
    """The head closes an entry (resolved for good, or removed from the list) or reopens it."""
    if status not in STATUSES:
        raise InvalidInput("Trạng thái không hợp lệ")
    note = _text(note, "căn cứ, kết quả")
    with ctx.uow() as uow:
        session = uow.session
        row = _own_case(session, case_id, actor)
        _head_of(actor, row.unit_code)
        if row.status == status:
            raise InvalidState(f"Vụ việc đã ở trạng thái “{STATUSES[status]}”")
        now = ctx.clock.now()
        row.status, row.status_note, row.updated_at = status, _redact(
            session, row.petition_id, note), now
        row.closed_on = None if status == "open" else today(ctx)
        _audit(session, row.unit_code, actor, "complex_case_status", {
            "case_id": row.id, "status": status}, now)
        uow.commit()


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    if not 1 <= quarter <= 4 or not 2000 <= year <= 2100:
        raise InvalidInput("Quý báo cáo không hợp lệ")
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def quarter_figures(milestones: list[ComplexMilestone], start: date, end: date,
                    as_of: date) -> dict:
    """The roadmap's figures of a quarter, as of ``as_of`` (the quarter's end or today)."""
    until = min(end, as_of)
    live = [m for m in milestones if m.status != "cancelled"]
    return {
        "milestones": len(live),
        "due_in_quarter": sum(1 for m in live if start <= m.due_on <= end),
        "done_in_quarter": sum(1 for m in live if m.status == "done" and m.done_on
                               and start <= m.done_on <= until),
        "done_total": sum(1 for m in live if m.status == "done" and m.done_on
                          and m.done_on <= until),
        "overdue": sum(1 for m in live if m.due_on < until
                       and not (m.status == "done" and m.done_on and m.done_on <= until)),
    }


def write_quarter_report(ctx: "EngineContext", actor: "Actor", case_id: int, *, year: int,
                         quarter: int, text: str) -> dict:
    """The quarter's report (hằng quý tổng hợp báo cáo, seed 001): the text, and the roadmap's
    figures computed when it is written. Writing it again replaces it (audited)."""
    start, end = quarter_bounds(year, quarter)
    text = _text(text, "nội dung báo cáo quý")
    now_day = today(ctx)
    if start > now_day:
        raise InvalidInput("Chưa đến quý này; không lập báo cáo trước")
    with ctx.uow() as uow:
        session = uow.session
        row = _own_case(session, case_id, actor)
        _may_progress(row, actor)
        milestones = list(session.scalars(select(ComplexMilestone).where(
            ComplexMilestone.case_id == row.id)))
        figures = quarter_figures(milestones, start, end, now_day)
        now = ctx.clock.now()
        report = session.scalars(select(ComplexQuarterReport).where(
            ComplexQuarterReport.case_id == row.id, ComplexQuarterReport.year == year,
            ComplexQuarterReport.quarter == quarter)).first()
        if report is None:
            report = ComplexQuarterReport(case_id=row.id, year=year, quarter=quarter)
            session.add(report)
        report.text = _redact(session, row.petition_id, text)
        report.figures, report.written_by, report.written_at = figures, actor.username, now
        session.flush()
        _audit(session, row.unit_code, actor, "complex_quarter_report", {
            "case_id": row.id, "report_id": report.id, "year": year, "quarter": quarter,
            "figures": figures}, now)
        uow.commit()
        return {"id": report.id, "figures": figures}
