"""What people do with human tasks (the READY user/manual tasks ``engine/running/task_mirror.py``
keeps in a table): claim, give back, assign, complete, save a draft, list."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.accounts.actor import Actor
from engine.accounts.models import Unit, User
from engine.accounts.roles import ADMINISTRATOR, HEAD_OF_UNIT
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.definitions import form_rules
from engine.definitions.forms import validate_form_data
from engine.errors import Conflict, Forbidden, FormInvalid, InvalidInput, InvalidState, NotFound
from engine.events import TaskAssigned, TaskCompleted
from engine.persistence.models import HumanTask, ProcessInstance, TaskDraft
from engine.persistence.serialization import to_jsonable
from engine.running import loading, locks, saving, stepping, task_deadlines
from engine.running.task_mirror import ready_rows, task_to_dict
from engine.work import timers
from engine.working_days import VN_TZ

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.persistence.unit_of_work import UnitOfWork


def get_task(uow: "UnitOfWork", task_id: int) -> HumanTask:
    task = uow.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(f"Không tìm thấy công việc #{task_id}")
    return task


def _locked_ready_task(uow: "UnitOfWork", task_id: int,
                       actor: Actor) -> tuple[HumanTask, ProcessInstance]:
    """Lock the instance, then read the task: another actor may have finished it meanwhile.
    Another unit's task is not found, whatever became of it (its state would leak)."""
    instance = locks.lock_instance_of_task(uow, task_id)
    task = next((row for row in ready_rows(uow, instance.id, fresh=True) if row.id == task_id),
                None)
    if task is None:  # no longer ready: read it to say what became of it
        task = uow.session.scalars(select(HumanTask).where(HumanTask.id == task_id)
                                   .execution_options(populate_existing=True)).one()
    check_unit(task, actor)
    if task.status != "ready":
        who = f" bởi {task.completed_by}" if task.completed_by else ""
        raise Conflict(f"Công việc #{task_id} không còn chờ xử lý (đã {_STATUS_VI[task.status]}"
                       f"{who}); không có thay đổi nào được ghi")
    if instance.status not in ("waiting", "running"):
        raise InvalidState(f"Hồ sơ #{instance.id} đang ở trạng thái '{instance.status}'; "
                           "không thể thao tác công việc")
    return task, instance


_STATUS_VI = {"ready": "sẵn sàng", "completed": "hoàn thành", "cancelled": "bị hủy"}


def check_unit(task: HumanTask, actor: Actor) -> None:
    """Another unit's task does not exist for this actor: NotFound, so existence does not leak."""
    if not actor.sees_unit(task.candidate_unit):  # administrators too: their unit only
        raise NotFound(f"Không tìm thấy công việc #{task.id}")


def _check_role(task: HumanTask, actor: Actor) -> None:
    check_unit(task, actor)
    if actor.is_admin:
        return
    if task.candidate_role and task.candidate_role not in actor.roles:
        raise Forbidden(f"Người dùng '{actor.username}' không có vai trò '{task.candidate_role}' "
                        f"để xử lý công việc #{task.id}")


def _record(uow, instance, task: HumanTask, event_type: str, actor: Actor, now, **payload):
    audit.append_instance_events(uow.session, instance, [PendingEvent(event_type, actor.username, {
        "task_id": task.id, "bpmn_id": task.bpmn_id, **payload})], now)
    instance.updated_at = now


def claim(ctx: "EngineContext", task_id: int, actor: Actor) -> dict:
    """Take a ready task from the role's queue."""
    with ctx.uow() as uow:
        task, instance = _locked_ready_task(uow, task_id, actor)
        _check_role(task, actor)
        if task.assignee and task.assignee != actor.username:
            raise Conflict(f"Công việc #{task_id} đã được {task.assignee} nhận")
        before, task.assignee = task.assignee, actor.username
        _record(uow, instance, task, "task_claimed", actor, ctx.clock.now(),
                before={"assignee": before}, after={"assignee": actor.username})
        uow.commit()
        return task_to_dict(task)


def unclaim(ctx: "EngineContext", task_id: int, actor: Actor) -> dict:
    """Give a claimed task back to the queue."""
    with ctx.uow() as uow:
        task, instance = _locked_ready_task(uow, task_id, actor)
        check_unit(task, actor)
        if task.assignee != actor.username and not actor.is_admin:
            raise Forbidden(f"Chỉ người đang giữ công việc #{task_id} mới trả lại được")
        before, task.assignee = task.assignee, None
        _record(uow, instance, task, "task_unclaimed", actor, ctx.clock.now(),
                before={"assignee": before}, after={"assignee": None})
        uow.commit()
        return task_to_dict(task)


def assign(ctx: "EngineContext", task_id: int, assignee: str, actor: Actor, reason: str,
           assignee_roles: frozenset[str]) -> dict:
    """Assign or reassign a task to someone holding its role; heads and admins only, with a reason."""
    if not (reason or "").strip():
        raise InvalidInput("Phải nêu lý do giao/chuyển công việc")
    if not ({HEAD_OF_UNIT, ADMINISTRATOR} & actor.roles):
        raise Forbidden("Chỉ thủ trưởng đơn vị hoặc quản trị mới giao việc được")
    with ctx.uow() as uow:
        task, instance = _locked_ready_task(uow, task_id, actor)
        check_unit(task, actor)
        if task.candidate_role and task.candidate_role not in assignee_roles:
            raise InvalidInput(f"'{assignee}' không có vai trò '{task.candidate_role}'")
        if task.candidate_unit and _unit_of(uow.session, assignee) != task.candidate_unit:
            raise InvalidInput(f"'{assignee}' không thuộc đơn vị '{task.candidate_unit}'")
        now = ctx.clock.now()
        _, audited_reason = ctx.data_guard.protect_text(uow, instance.id, "assign_reason",
                                                        reason.strip(), now)
        before, task.assignee = task.assignee, assignee
        _record(uow, instance, task, "task_assigned", actor, now,
                before={"assignee": before}, after={"assignee": assignee}, reason=audited_reason)
        ctx.events.publish(uow, TaskAssigned(instance, task, actor, now))
        uow.commit()
        return task_to_dict(task)


def _check_unit_fields(session, form: dict | None, cleaned: Mapping[str, Any]) -> None:
    """A "unit" field names a unit of the units list, never free text (issue 12 §2)."""
    names = [f["name"] for f in (form or {}).get("fields", [])
             if f.get("type") == "unit" and f["name"] in cleaned]
    known = set(session.scalars(select(Unit.code).where(
        Unit.code.in_([cleaned[n] for n in names])))) if names else set()
    bad = {n: "Đơn vị không có trong danh mục đơn vị" for n in names if cleaned[n] not in known}
    if bad:
        raise FormInvalid(bad)


def _unit_of(session, username: str) -> str | None:
    return session.scalar(select(Unit.code).join(User, User.unit_id == Unit.id)
                          .where(User.username == username))


def complete(ctx: "EngineContext", task_id: int, actor: Actor, data: Mapping[str, Any]) -> dict:
    """Complete a ready task with form data, run the workflow to its next wait, save everything."""
    with ctx.uow() as uow:
        task, instance = complete_in(ctx, uow, task_id, actor, data)
        uow.commit()
        return {"task": task_to_dict(task), "instance_id": instance.id, "status": instance.status}


def complete_in(ctx: "EngineContext", uow, task_id: int, actor: Actor,
                data: Mapping[str, Any]) -> tuple[HumanTask, ProcessInstance]:
    """``complete`` inside the caller's unit of work."""
    if not isinstance(data, Mapping):
        raise InvalidInput("Dữ liệu hoàn thành phải là một đối tượng JSON")
    task, instance = _locked_ready_task(uow, task_id, actor)
    _check_role(task, actor)
    if task.assignee and task.assignee != actor.username and not actor.is_admin:
        raise Forbidden(f"Công việc #{task_id} đang do {task.assignee} xử lý")
    definition = loading.load_definition(ctx, uow, instance.definition_id)
    form = (definition.forms or {}).get(task.bpmn_id)
    today = ctx.clock.now().astimezone(VN_TZ).date()  # "today" of a form's date rules
    cleaned = validate_form_data(form, data, today=today)
    _check_unit_fields(uow.session, (definition.forms or {}).get(task.bpmn_id), cleaned)
    workflow = loading.load_workflow(ctx, definition, instance)
    before_states = stepping.snapshot(workflow)
    now = ctx.clock.now()
    # A deadline that passed but was not swept yet fires first: its breach is recorded, and an
    # interrupting one takes the task away (the completion is then refused below).
    timer_events, error, _ = timers.fire_due_in(uow, instance, workflow, now)
    # A deadline's script that ran over its budget says so (not "no longer ready").
    saving.check_budget(ctx, uow, instance, workflow, actor.username, now)
    if error is not None:
        _refuse_after_failed_deadline(ctx, uow, task_id, instance.id, error, now)
    spiff_task = stepping.find_task(workflow, task.task_guid)
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise Conflict(f"Công việc #{task_id} không còn ở trạng thái sẵn sàng (đã hết hạn hoặc "
                       "đã được xử lý); không có thay đổi nào được ghi")
    if form is not None:  # date rules naming an earlier step's field read the task's data
        wrong = form_rules.check(form, cleaned, today=None, context=spiff_task.data)
        if wrong:
            raise FormInvalid(wrong)
    # What the form may quote of a protected person stays out of the workflow and the audit.
    cleaned, audited = ctx.data_guard(uow, instance, task, cleaned,
                                      (definition.forms or {}).get(task.bpmn_id), actor, now)
    previous = {key: spiff_task.data.get(key) for key in cleaned}
    spiff_task.set_data(**cleaned)
    try:
        spiff_task.run()
    except Exception as err:  # a post-script failed: the task stays in error, recorded below
        error = stepping.step_error(err)
    if error is None:
        error = stepping.advance(workflow)
    task.status, task.completed_by, task.completed_at = "completed", actor.username, now
    task.next_reminder_at = None
    if task.overdue_since is not None:
        task_deadlines.resolve_escalations(uow.session, [task.id], now)
    event = PendingEvent("task_completed_by_user", actor.username, {
        "task_id": task.id, "bpmn_id": task.bpmn_id,
        "before": to_jsonable(previous), "after": to_jsonable(audited)})
    saving.save(ctx, uow, instance, definition, workflow, before=before_states,
                 actor=actor.username, error=error, events=timer_events + [event], now=now)
    ctx.events.publish(uow, TaskCompleted(instance, task, cleaned, actor, now))
    return task, instance


def _refuse_after_failed_deadline(ctx: "EngineContext", uow, task_id: int, instance_id: int,
                                  error: stepping.StepError, now) -> None:
    """A due deadline fired before the completion and its action failed: discard the completion,
    let the firing be recorded as the sweep records it (in a unit of work of its own: the
    instance goes to error with the action's message), and say so."""
    uow.session.rollback()
    timers.fire_instance_timers(ctx, instance_id, now)
    where = f" ('{error.bpmn_id}')" if error.bpmn_id else ""
    raise Conflict(f"Công việc #{task_id} chưa được hoàn thành: đã đến hạn xử lý và thao tác khi "
                   f"hết hạn{where} bị lỗi: {error.message}. Hồ sơ #{instance_id} đã chuyển sang "
                   "trạng thái lỗi, xem lỗi của hồ sơ; dữ liệu vừa nhập chưa được ghi")


def list_tasks(ctx: "EngineContext", *, instance_id: int | None = None, user: str | None = None,
               roles: frozenset[str] | None = None, status: str = "ready",
               limit: int = 200, offset: int = 0) -> list[dict]:
    """Tasks visible to a user: assigned to them, or unassigned in one of their roles' queues."""
    with ctx.uow(write=False) as uow:
        query = select(HumanTask)
        if status:
            query = query.where(HumanTask.status == status)
        if instance_id is not None:
            query = query.where(HumanTask.instance_id == instance_id)
        if user is not None:
            visible = HumanTask.assignee == user
            if roles:
                visible = visible | (HumanTask.assignee.is_(None)
                                     & HumanTask.candidate_role.in_(sorted(roles)))
            query = query.where(visible)
        query = query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
        return [task_to_dict(t) for t in uow.session.scalars(query.limit(limit).offset(offset))]


MAX_DRAFT_BYTES = 200_000


def save_draft(ctx: "EngineContext", task_id: int, actor: Actor, data: Mapping[str, Any]) -> None:
    """Keep unfinished form data for this user; not validated (it is not a completion)."""
    import json
    if not isinstance(data, Mapping) or len(json.dumps(data, default=str)) > MAX_DRAFT_BYTES:
        raise InvalidInput("Bản nháp không hợp lệ hoặc quá lớn")
    with ctx.uow() as uow:
        task = get_task(uow, task_id)
        check_unit(task, actor)
        if task.status != "ready":
            raise Conflict(f"Công việc #{task_id} không còn chờ xử lý; bản nháp không được lưu")
        _check_role(task, actor)
        if task.assignee and task.assignee != actor.username:
            raise Forbidden(f"Công việc #{task_id} đang do {task.assignee} xử lý; "
                            "chỉ người đó lưu nháp được")
        data = ctx.data_guard.redact_draft(uow, task.instance_id, dict(data))
        draft = uow.session.scalars(select(TaskDraft).where(
            TaskDraft.task_id == task_id, TaskDraft.username == actor.username)).first()
        if draft is None:
            draft = TaskDraft(task_id=task_id, username=actor.username)
            uow.session.add(draft)
        draft.data, draft.saved_at = to_jsonable(dict(data)), ctx.clock.now()
        uow.commit()


def get_draft(ctx: "EngineContext", task_id: int, username: str) -> dict | None:
    with ctx.uow(write=False) as uow:
        draft = uow.session.scalars(select(TaskDraft).where(
            TaskDraft.task_id == task_id, TaskDraft.username == username)).first()
        return {"data": draft.data, "saved_at": draft.saved_at.isoformat()} if draft else None
