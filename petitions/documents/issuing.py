"""Filling a form for a case: a preview (no number) or an issue at the step that declares it.

Issuing takes the next number of the unit's outgoing register once per step and form: generating
the same document again at the same step (after correcting a value) keeps its number. The values
are the case's as the step sees them (its workflow data) with what the officer has just typed in
the step's form on top, so the document says what the officer is about to record.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from sqlalchemy import select

from engine.accounts.actor import Actor
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Forbidden, InvalidState, NotFound
from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.running import loading, locks, stepping
from engine.work.human_tasks import check_unit
from engine.working_days import VN_TZ
from petitions.documents import catalogue, filling, outgoing, rendering, templates
from petitions.identity import rights
from petitions.persistence.models import OutgoingDocument, Petition
from petitions.register import access, registration

if TYPE_CHECKING:
    from engine.context import EngineContext

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Rendered:
    file_name: str
    content: bytes
    number: str | None
    template_version: int


def _form(code: str) -> catalogue.Form:
    form = catalogue.get(code)
    if form is None:
        raise NotFound(f"Không có biểu mẫu mã '{code}'")
    return form


def _reveal(session, actor: Actor | None, petition: Petition, now) -> bool:
    if actor is None:
        return False
    return not petition.identity_sealed or rights.may_unseal(session, actor, petition, now)


def session_intake_forms(session) -> dict:
    return session.scalar(select(ProcessDefinition.forms).where(
        ProcessDefinition.process_key == registration.INTAKE_KEY)
        .order_by(ProcessDefinition.version.desc()).limit(1)) or {}


def _file_name(form: catalogue.Form, petition: Petition, number: str | None) -> str:
    tail = number.replace("/", "-") if number else "du-thao"
    return f"{form.code}_{petition.number}_{tail}.docx"


def preview(ctx: "EngineContext", code: str, petition_number: str,
            actor: Actor | None = None) -> Rendered:
    """The form filled with what the case holds so far; no number is taken. Identity follows
    ``actor``'s rights, and is hidden without one (the command line's default)."""
    form = _form(code)
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        petition = uow.session.scalars(select(Petition).where(
            Petition.number == (petition_number or "").strip())).first()
        if petition is None:
            raise NotFound(f"Không có đơn số '{petition_number}'")
        if actor is not None:
            access.visible_petition(uow.session, petition.id, actor)
        data: dict = {}
        forms: dict = session_intake_forms(uow.session)
        if petition.instance_id is not None:
            instance = uow.session.get(ProcessInstance, petition.instance_id)
            definition = loading.load_definition(ctx, uow, instance.definition_id)
            forms.update(definition.forms or {})
            data = stepping.workflow_data(loading.load_workflow(ctx, definition, instance))
        version, content = templates.current(uow.session, form.code)
        values = filling.context(uow.session, filling.Filling(
            form=form, petition=petition, reveal_identity=_reveal(uow.session, actor, petition, now),
            day=now.astimezone(VN_TZ).date()), data, forms=forms, at=now)
        name = _file_name(form, petition, None)
    return Rendered(name, rendering.render(content, values), None, version)


def _typed(spec: Mapping[str, Any] | None, typed: Mapping[str, Any]) -> dict:
    """Only the step's declared, non-file fields, as typed (strings or lists of strings)."""
    names = {f["name"] for f in (spec or {}).get("fields", []) if f.get("type") != "attachment"}
    return {k: v for k, v in typed.items() if k in names and isinstance(v, (str, list))
            and v not in ("", [])}


def generate_at_step(ctx: "EngineContext", task_id: int, code: str, actor: Actor,
                     typed: Mapping[str, Any] | None = None) -> Rendered:
    """Issue the form the step declares: number it (once per step and form), fill it, audit it."""
    form = _form(code)
    now = ctx.clock.now()
    day = now.astimezone(VN_TZ).date()
    with ctx.uow() as uow:
        instance = locks.lock_instance_of_task(uow, task_id)
        task = uow.session.get(HumanTask, task_id)
        check_unit(task, actor)
        if task.status != "ready":
            raise InvalidState(f"Công việc #{task_id} không còn chờ xử lý; không tạo văn bản được")
        if not actor.is_admin and task.candidate_role and task.candidate_role not in actor.roles:
            raise Forbidden(f"Bạn không có vai trò xử lý công việc #{task_id}")
        if task.assignee and task.assignee != actor.username:
            raise Forbidden(f"Công việc #{task_id} đang do {task.assignee} xử lý")
        definition = loading.load_definition(ctx, uow, instance.definition_id)
        spec = (definition.forms or {}).get(task.bpmn_id)
        if form.code not in {f["document"] for f in catalogue.document_fields(spec)}:
            raise NotFound(f"Bước này không ban hành biểu mẫu {form.code}")
        petition = uow.session.scalars(select(Petition).where(
            Petition.instance_id == instance.id)).first()
        if petition is None:
            raise NotFound(f"Hồ sơ #{instance.id} không gắn với đơn nào")
        workflow = loading.load_workflow(ctx, definition, instance)
        spiff_task = stepping.find_task(workflow, task.task_guid)
        data = dict(spiff_task.data) if spiff_task is not None else {}
        data.update(_typed(spec, typed or {}))
        version, content = templates.current(uow.session, form.code)
        seq = None
        if form.issued:
            issued = outgoing.issued_for(uow.session, task.id, form.code)
            if issued is None:
                unit = petition.unit_code or task.candidate_unit or ""
                seq = outgoing.next_number(uow, unit, day.year)
                issued = OutgoingDocument(
                    unit_code=unit, year=day.year, seq=seq, number="", form_code=form.code,
                    template_version=version, petition_id=petition.id, task_id=task.id,
                    issued_on=day, issued_by=actor.username, issued_at=now)
                uow.session.add(issued)
            seq = issued.seq
        forms = dict(session_intake_forms(uow.session))
        forms.update(definition.forms or {})
        values = filling.context(uow.session, filling.Filling(
            form=form, petition=petition, day=day, seq=seq,
            reveal_identity=_reveal(uow.session, actor, petition, now)), data, forms=forms, at=now)
        number = values["number"] if form.issued else None
        if form.issued:
            issued.number = number
        audit.append_instance_events(uow.session, instance, [PendingEvent(
            "document_generated", actor.username, {
                "task_id": task.id, "bpmn_id": task.bpmn_id, "form": form.code,
                "number": number, "template_version": version})], now)
        rendered = rendering.render(content, values)
        uow.commit()
        return Rendered(_file_name(form, petition, number), rendered, number, version)
