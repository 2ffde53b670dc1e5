"""The data of one task's page, and what an officer may do with the task.

Read-only queries. ``task_page`` gathers everything the page shows in a fixed number of queries:
the task, the form its step declares, the petition and its documents, the instance's completed
steps with the values entered (read from the audit chain), the task's assignments and the
officer's draft. ``access`` says whether the officer may view, act, claim, unclaim or assign, by
the same rules ``engine.work.human_tasks`` enforces before letting someone act; ``task_brief`` is the
fresh state a stale-page check compares against. The work lists themselves are ``petitions.tasks.inbox``.

Sender identity is never read here: the petition is shown by number, type, field and summary, and
the values of earlier steps leave out any ``sender_*`` key.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import select

from engine.accounts.actor import Actor
from engine.accounts.models import User
from engine.errors import Forbidden, NotFound
from engine.persistence.models import (AuditEvent, HumanTask, ProcessDefinition, ProcessInstance,
                                       TaskDraft)
from engine.running.task_mirror import task_to_dict
from petitions.identity import protection
from petitions.persistence.models import Petition, PetitionDocument
from petitions.roles import ROLES
from petitions.tasks.inbox import due_info, is_supervising

if TYPE_CHECKING:
    from engine.context import EngineContext

# Task data keys that could carry a sender's identity; never shown in a task's history even if a
# diagram someday collects them (the register keeps identity in petition_senders only).
IDENTITY_KEY_PREFIXES = ("sender_",)
HISTORY_EVENTS = ("task_completed_by_user", "task_assigned", "task_claimed", "task_unclaimed")


def _role_ok(task: HumanTask, actor: Actor) -> bool:
    """The rule of engine/work/human_tasks.py ``_check_role``, as a yes/no."""
    if not actor.sees_unit(task.candidate_unit):
        return False
    if actor.is_admin:
        return True
    return not (task.candidate_role and task.candidate_role not in actor.roles)


def can_act(task: HumanTask, actor: Actor) -> bool:
    """May complete (or save a draft of) the task now."""
    return (task.status == "ready" and _role_ok(task, actor)
            and (task.assignee in (None, actor.username) or actor.is_admin))


def can_view(task: HumanTask, actor: Actor) -> bool:
    if not actor.sees_unit(task.candidate_unit):
        return False
    if actor.is_admin or actor.username in (task.assignee, task.completed_by):
        return True
    return _role_ok(task, actor) or "head_of_unit" in actor.roles


@dataclass(frozen=True)
class _Event:
    event_type: str
    actor: str
    occurred_at: object
    payload: dict


def task_version(status: str, assignee: str | None) -> str:
    """What the page was rendered against; a POST with another version is stale."""
    return f"{status}:{assignee or ''}"


def task_brief(ctx: "EngineContext", task_id: int, actor: Actor) -> dict:
    """Fresh status of one task (for stale-page checks): status, assignee, completion, names."""
    with ctx.uow(write=False) as uow:
        task = uow.session.get(HumanTask, task_id)
        if task is None or not actor.sees_unit(task.candidate_unit):
            raise NotFound(f"Không tìm thấy công việc #{task_id}")
        result = task_to_dict(task)
        names = _names(uow, [task.assignee, task.completed_by])
    result["assignee_name"] = names.get(task.assignee or "", task.assignee)
    result["completed_by_name"] = names.get(task.completed_by or "", task.completed_by)
    result["version"] = task_version(task.status, task.assignee)
    return result


def access(ctx: "EngineContext", task_id: int, actor: Actor) -> dict:
    """What the actor may do with a task: view, act, claim, unclaim, assign."""
    with ctx.uow(write=False) as uow:
        task = uow.session.get(HumanTask, task_id)
        if task is None or not actor.sees_unit(task.candidate_unit):
            raise NotFound(f"Không tìm thấy công việc #{task_id}")
        return _access(task, actor)


def _access(task: HumanTask, actor: Actor) -> dict:
    ready = task.status == "ready"
    return {
        "view": can_view(task, actor),
        "act": can_act(task, actor),
        "claim": ready and task.assignee is None and _role_ok(task, actor),
        "unclaim": ready and task.assignee is not None and (
            task.assignee == actor.username or actor.is_admin),
        "assign": ready and is_supervising(actor),
    }


def _names(uow, usernames: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    return dict(uow.session.execute(select(User.username, User.display_name)
                                    .where(User.username.in_(wanted))).all())


def labelled_values(form: dict | None, values: dict) -> list[dict]:
    """Entered values labelled with the form's labels (declared order, then undeclared keys)."""
    fields = {f["name"]: f for f in (form or {}).get("fields", [])}
    ordered = [name for name in fields if name in values]
    ordered += sorted(name for name in values if name not in fields)
    result = []
    for name in ordered:
        if name.startswith(IDENTITY_KEY_PREFIXES):
            continue
        fld = fields.get(name, {})
        value = values[name]
        choices = {c["value"]: c["label"] for c in fld.get("choices") or []}
        if isinstance(value, list):
            display = [choices.get(v, v) for v in value]
        else:
            display = choices.get(value, value) if choices else value
        result.append({"name": name, "label": fld.get("label", name),
                       "type": fld.get("type", "string"), "value": value, "display": display})
    return result


def task_page(ctx: "EngineContext", task_id: int, actor: Actor) -> dict:
    """Everything a task page shows, in a fixed number of queries; Forbidden if not visible.

    ``{task, access, version, form, definition, petition, documents, history, assignments,
    draft, previous_values}`` — ``history`` lists the instance's completed tasks with who, when
    and the labelled values entered (from the audit chain); ``previous_values`` are the values of
    the last completion of the same step (a step done again after a refusal starts from them).
    """
    now = ctx.clock.now()
    calendar = ctx.calendar()
    with ctx.uow(write=False) as uow:
        session = uow.session
        task = session.get(HumanTask, task_id)
        if task is None or not actor.sees_unit(task.candidate_unit):
            raise NotFound(f"Không tìm thấy công việc #{task_id}")
        rights = _access(task, actor)
        if not rights["view"]:
            raise Forbidden(f"Công việc #{task_id} không thuộc vai trò hoặc đơn vị của bạn")
        instance = session.execute(select(
            ProcessInstance.id, ProcessInstance.status, ProcessInstance.process_key,
            ProcessInstance.business_key, ProcessInstance.definition_id)
            .where(ProcessInstance.id == task.instance_id)).one()
        definition = session.execute(select(
            ProcessDefinition.id, ProcessDefinition.name, ProcessDefinition.process_key,
            ProcessDefinition.version, ProcessDefinition.forms)
            .where(ProcessDefinition.id == instance.definition_id)).one()
        forms = definition.forms or {}
        petition_row = session.execute(select(
            Petition.id, Petition.number, Petition.petition_type, Petition.field,
            Petition.received_on, Petition.summary, Petition.priority_markers)
            .where(Petition.instance_id == task.instance_id)).first()
        documents = []
        if petition_row is not None:
            documents = [dict(r._mapping) for r in session.execute(select(
                PetitionDocument.id, PetitionDocument.file_name, PetitionDocument.content_type,
                PetitionDocument.size, PetitionDocument.uploaded_at)
                .where(PetitionDocument.petition_id == petition_row.id)
                .order_by(PetitionDocument.id))]
        completed = list(session.scalars(select(HumanTask).where(
            HumanTask.instance_id == task.instance_id, HumanTask.status == "completed")
            .order_by(HumanTask.completed_at, HumanTask.id)))
        events = session.execute(select(
            AuditEvent.event_type, AuditEvent.actor, AuditEvent.occurred_at, AuditEvent.payload)
            .where(AuditEvent.chain == f"instance:{task.instance_id}",
                   AuditEvent.event_type.in_(HISTORY_EVENTS))
            .order_by(AuditEvent.seq)).all()
        # Values that quoted a protected person are references: the page shows the redacted copy.
        texts = protection.resolve_payloads(session, [e.payload for e in events])
        events = [(e.event_type, e.actor, e.occurred_at, protection.resolve(e.payload, texts))
                  for e in events]
        events = [_Event(*e) for e in events]
        draft = session.scalars(select(TaskDraft).where(
            TaskDraft.task_id == task_id, TaskDraft.username == actor.username)).first()
        people = [task.assignee, task.completed_by] + [t.completed_by for t in completed]
        people += [e.actor for e in events]
        people += [(e.payload.get("after") or {}).get("assignee") for e in events
                   if e.event_type != "task_completed_by_user"]
        people += [(e.payload.get("before") or {}).get("assignee") for e in events
                   if e.event_type != "task_completed_by_user"]
        names = _names(uow, people)
        task_dict = task_to_dict(task)
        draft_dict = ({"data": dict(draft.data or {}), "saved_at": draft.saved_at}
                      if draft is not None else None)

    entered = {e.payload.get("task_id"): e.payload.get("after") or {}
               for e in events if e.event_type == "task_completed_by_user"}
    history = []
    previous_values: dict = {}
    for done in completed:
        values = entered.get(done.id, {})
        if done.bpmn_id == task.bpmn_id and done.id != task.id:
            previous_values = {k: v for k, v in values.items()
                               if not k.startswith(IDENTITY_KEY_PREFIXES)}
        history.append({
            "id": done.id, "bpmn_id": done.bpmn_id, "name": done.name,
            "role_label": ROLES.get(done.candidate_role or "", done.candidate_role),
            "completed_by": done.completed_by,
            "completed_by_name": names.get(done.completed_by or "", done.completed_by),
            "completed_at": done.completed_at,
            "values": labelled_values(forms.get(done.bpmn_id), values)})
    assignments = []
    for event in events:
        if event.event_type == "task_completed_by_user" or event.payload.get("task_id") != task_id:
            continue
        before = (event.payload.get("before") or {}).get("assignee")
        after = (event.payload.get("after") or {}).get("assignee")
        assignments.append({
            "type": event.event_type, "actor": event.actor,
            "actor_name": names.get(event.actor, event.actor), "at": event.occurred_at,
            "before": before, "before_name": names.get(before or "", before),
            "after": after, "after_name": names.get(after or "", after),
            "reason": event.payload.get("reason")})
    task_dict.update(
        assignee_name=names.get(task.assignee or "", task.assignee),
        completed_by_name=names.get(task.completed_by or "", task.completed_by),
        role_label=ROLES.get(task.candidate_role or "", task.candidate_role),
        due=due_info(calendar, now, task.due_at), instance_status=instance.status,
        process_key=instance.process_key, business_key=instance.business_key)
    petition = None
    if petition_row is not None:
        petition = {"id": petition_row.id, "number": petition_row.number,
                    "petition_type": petition_row.petition_type, "field": petition_row.field,
                    "received_on": petition_row.received_on, "summary": petition_row.summary,
                    "priority_markers": list(petition_row.priority_markers or [])}
    return {
        "task": task_dict, "access": rights, "version": task_version(task.status, task.assignee),
        "form": forms.get(task.bpmn_id),
        "definition": {"id": definition.id, "name": definition.name,
                       "process_key": definition.process_key, "version": definition.version},
        "petition": petition, "documents": documents, "history": history,
        "assignments": assignments, "draft": draft_dict, "previous_values": previous_values,
    }


def task_form(ctx: "EngineContext", task_id: int) -> dict | None:
    """The form a task declares (None when it declares none)."""
    with ctx.uow(write=False) as uow:
        row = uow.session.execute(
            select(HumanTask.bpmn_id, ProcessDefinition.forms)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(HumanTask.id == task_id)).first()
    if row is None:
        raise NotFound(f"Không tìm thấy công việc #{task_id}")
    return (row.forms or {}).get(row.bpmn_id)
