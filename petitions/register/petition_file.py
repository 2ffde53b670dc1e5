"""The petition file (hồ sơ đơn thư): a read model of one petition, and the recent-petitions list.

Everything a reader needs on one page, labelled in Vietnamese from the deployed definition's form
declarations: register fields, status, workflow data, the audit timeline, open steps, documents,
linked petitions, escalations and whether the instance's audit chain verifies. One or two queries
per section. A sealed (denunciation) petition is shown without the denouncer's identity: senders
are masked by ``petitions.register.registration.senders``, identity keys are dropped from workflow data and from
before/after values, and any text that quotes a sender's name, ID number, phone or address is
redacted (LTC Điều 8.3, 56.2). Only a reader holding an identity role who gives a reason sees the
identity, for that one reading, and the unsealing is audited on the instance's chain. The labels
are ``petitions.labels``'s, the redaction ``petitions.identity.redaction``'s.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import case, func, or_, select

from engine.accounts.access import unit_condition
from engine.accounts.actor import Actor
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Forbidden, NotFound
from engine.persistence.models import (AuditEvent, Escalation, HumanTask, ProcessDefinition,
                                       ProcessInstance)
from engine.persistence.serialization import to_jsonable
from engine.running import loading, locks, stepping
from petitions.identity import protection, rights
from petitions.identity.redaction import Redactor
from petitions.labels import EXTRA_LABELS, STATUS_LABELS, TYPE_LABELS, Labels, vn_time
from petitions.persistence.models import (Petition, PetitionDocument, PetitionLink, PetitionSender,
                                          ProtectedText)
from petitions.register import access, grants, registration
from petitions.register.petition_timeline import (_display_names, _identity_reads, _keep, _name,
                                                  _names, _task_row, _timeline, _usernames,
                                                  _with_originals)

if TYPE_CHECKING:
    from engine.context import EngineContext


PAGE_SIZE = 50
REGISTER_FIELDS = ("number", "tracking_code", "received_on", "channel", "forwarder_kind",
                   "forwarded_by", "petition_type", "field", "summary", "location", "signers",
                   "priority_markers", "remote_area", "identity_sealed", "unit_code", "created_by",
                   "created_at")


def _sender_secrets(session, petition_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(select(PetitionSender.petition_id, PetitionSender.name,
                                  PetitionSender.id_number, PetitionSender.phone,
                                  PetitionSender.address_detail)
                           .where(PetitionSender.petition_id.in_(petition_ids))).all()
    result: dict[int, list[str]] = {}
    for petition_id, *values in rows:
        result.setdefault(petition_id, []).extend(v for v in values if v)
    return result


def petition_file(ctx: "EngineContext", petition_id: int, actor: Actor, *,
                  reason: str | None = None) -> dict:
    """The whole file of one petition, as ``actor`` may see it.

    With ``reason`` the sealed identity is read through ``petitions.register.registration.senders`` first (role
    check, reason check, audited on the instance chain; Forbidden / InvalidInput otherwise), so the
    returned timeline already shows that unsealing. Raises NotFound for an unknown petition.
    """
    revealed = registration.senders(ctx, petition_id, actor, reason=reason) if reason is not None else None
    shown = registration.senders(ctx, petition_id, actor) if revealed is None else revealed
    with ctx.uow(write=False) as uow:
        session = uow.session
        petition = access.visible_petition(session, petition_id, actor)
        instance = session.get(ProcessInstance, petition.instance_id) if petition.instance_id else None
        definition = loading.load_definition(ctx, uow, instance.definition_id) if instance else None
        labels = Labels(definition.forms if definition else _latest_intake_forms(session))
        data = _workflow_data(ctx, definition, instance)
        # A letter reclassified as a denunciation after registration is sealed in its workflow
        # data but not (yet) on the register row: mask it all the same.
        sealed = petition.identity_sealed or data.get("identity_sealed") is True or \
            data.get("petition_type") == "denunciation"
        hidden = sealed and revealed is None
        redactor = Redactor(_sender_secrets(session, [petition_id]).get(petition_id, [])
                            if hidden else [])
        tasks, events, escalations = _instance_rows(session, instance)
        # Audit payloads refer to protected texts: originals only for a reader who unsealed.
        texts = protection.resolve_payloads(session, [e.payload for e in events],
                                                    reveal=not hidden)
        names = _display_names(session, _usernames(petition, tasks, events, escalations))
        register = _register(petition, labels, redactor, names)
        if not hidden:
            register = _with_originals(session, petition, register)
        now = ctx.clock.now()
        return {
            "petition": {"id": petition.id, "number": petition.number,
                         "tracking_code": petition.tracking_code, "sealed": sealed,
                         "type": petition.petition_type,
                         "type_label": labels.choice("petition_type", petition.petition_type),
                         "instance_id": petition.instance_id, "unit_code": petition.unit_code},
            "register": register,
            "status": _status(instance),
            "senders": _masked(shown) if hidden else shown,
            "revealed": sealed and revealed is not None,
            # Unsealing is audited by petitions.register.registration only for petitions sealed on the register.
            "can_unseal": petition.identity_sealed and hidden and
            rights.may_unseal(session, actor, petition, now),
            "data": _data_rows(data, labels, redactor, register, drop_sensitive=sealed),
            "timeline": _timeline(session, events, tasks, labels, names, redactor,
                                  drop_sensitive=sealed, hidden=hidden, texts=texts),
            "identity_reads": _identity_reads(events, names, texts)
            if sealed and rights.can_read_identity(actor, petition) else None,
            # The resolver lets others read the identity, case by case (issue 12 §3).
            "grants": grants.grants(session, petition.id, now)
            if petition.identity_sealed and rights.is_resolver(actor, petition) else None,
            "tasks": [_task_row(t, names, now) for t in tasks if t.status == "ready"],
            "documents": _documents(session, petition, actor, names, now, sealed=sealed,
                                    hidden=hidden),
            "links": _links(session, petition.id, labels),
            "escalations": [_escalation_row(e, names) for e in escalations],
            "audit": audit.verify(session, instance.id).to_dict() if instance else None,
        }


def _masked(senders: list[dict]) -> list[dict]:
    """The same masking as petitions.register.registration applies to a sealed register row."""
    return [s if s.get("masked") else {
        **s, "name": f"Người tố cáo {i + 1} (đã niêm phong)", "id_number": None, "phone": None,
        "ethnicity": None, "address": None, "masked": True} for i, s in enumerate(senders)]


def _instance_rows(session, instance: ProcessInstance | None) -> tuple[list, list, list]:
    """The instance's human tasks, audit events (chain order) and escalations: one query each."""
    if instance is None:
        return [], [], []
    tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                            .order_by(HumanTask.id))
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.chain == audit.instance_chain(instance.id)).order_by(AuditEvent.seq))
    escalations = session.scalars(select(Escalation).where(Escalation.instance_id == instance.id)
                                  .order_by(Escalation.created_at))
    return list(tasks), list(events), list(escalations)


def _latest_intake_forms(session) -> dict:
    return session.scalar(select(ProcessDefinition.forms).where(
        ProcessDefinition.process_key == registration.INTAKE_KEY)
        .order_by(ProcessDefinition.version.desc()).limit(1)) or {}


def _workflow_data(ctx, definition, instance) -> dict:
    if instance is None or not instance.state:
        return {}
    workflow = loading.load_workflow(ctx, definition, instance)
    return to_jsonable(stepping.workflow_data(workflow)) or {}


def _register(petition: Petition, labels: Labels, redactor: Redactor, names) -> list[dict]:
    rows = []
    for key in REGISTER_FIELDS:
        value = getattr(petition, key)
        text = _name(names, value) if key == "created_by" else labels.display(key, value)
        rows.append({"name": key, "label": EXTRA_LABELS.get(key) or labels.label(key),
                     "value": redactor.value(value) if isinstance(value, str) else value,
                     "display": redactor.text(text)})
    return rows


def _status(instance: ProcessInstance | None) -> dict:
    if instance is None:
        return {"code": None, "label": "Chưa có quy trình", "reason": None, "error": None,
                "updated_at": None}
    return {"code": instance.status, "label": STATUS_LABELS.get(instance.status, instance.status),
            "reason": instance.status_reason,
            "error": instance.error_message if instance.status == "error" else None,
            "updated_at": vn_time(instance.updated_at)}


def _data_rows(data: dict, labels: Labels, redactor: Redactor, register: list[dict], *,
               drop_sensitive: bool) -> list[dict]:
    """Workflow data worth reading: not internal, not a copy of a register field shown above,
    not the day/moment twin of a deadline already listed (``x_due_day``/``x_due_at`` of ``x_due``)."""
    shown = {row["name"]: row["display"] for row in register}

    def interesting(key: str) -> bool:
        twin = re.sub(r"_due_(day|at)$", "_due", key)
        return _keep(key, drop_sensitive) and (twin == key or twin not in data) and \
            shown.get(key) != redactor.text(labels.display(key, data[key]))
    keys = [k for k in data if interesting(k)]
    keys.sort(key=lambda k: (k not in labels.order, labels.order.get(k, 0), k))
    return [{"name": k, "label": labels.label(k), "known": k in labels.fields or k in EXTRA_LABELS,
             "display": redactor.text(labels.display(k, data[k]))} for k in keys]


def _documents(session, petition: Petition, actor: Actor, names, now: datetime, *, sealed: bool,
                hidden: bool) -> list[dict]:
    rows = session.scalars(select(PetitionDocument).where(
        PetitionDocument.petition_id == petition.id).order_by(PetitionDocument.id))
    # A denunciation letter identifies its author by content and handwriting: only identity
    # roles may open it (each opening audited), and its name is shown only once unsealed.
    can_open = not sealed or rights.may_unseal(session, actor, petition, now)
    rows = list(rows)
    # File names are stored as redacted copies; a reader who may see the identity gets them as
    # the citizen named them.
    originals = {} if hidden else dict(session.execute(
        select(ProtectedText.ref, ProtectedText.original).where(
            ProtectedText.petition_id == petition.id, ProtectedText.kind == "document")).all())
    # Issue 16: which step added it, as what, under which number.
    steps = dict(session.execute(select(HumanTask.id, HumanTask.name).where(
        HumanTask.id.in_([d.task_id for d in rows if d.task_id]))).all()) if rows else {}
    return [{"id": d.id, "file_name": f"Tài liệu {i + 1} (đã niêm phong)" if hidden
             else originals.get(f"doc:{d.id}", d.file_name),
             "content_type": d.content_type, "size": d.size, "can_open": can_open,
             "uploaded_by": _name(names, d.uploaded_by), "uploaded_at": vn_time(d.uploaded_at),
             "kind": d.kind, "kind_label": DOCUMENT_KINDS.get(d.kind, d.kind),
             "step_name": steps.get(d.task_id), "form_code": d.form_code, "number": d.number,
             "issued_on": d.issued_on, "stored_name": d.stored_name if can_open else None}
            for i, d in enumerate(rows)]


DOCUMENT_KINDS = {"letter": "Đơn và tài liệu khi tiếp nhận", "issued": "Văn bản ban hành",
                  "attachment": "Tài liệu kèm theo"}


LINK_KINDS = {"duplicate": "Trùng nội dung", "related": "Liên quan"}
LINK_STATUSES = {"linked": "Đã xác nhận", "dismissed": "Đã loại (không trùng)"}


def _links(session, petition_id: int, labels: Labels) -> list[dict]:
    other_id = case((PetitionLink.petition_id == petition_id, PetitionLink.other_id),
                    else_=PetitionLink.petition_id)
    rows = session.execute(
        select(PetitionLink, Petition.id, Petition.number, Petition.petition_type,
               ProcessInstance.status)
        .join(Petition, Petition.id == other_id)
        .outerjoin(ProcessInstance, ProcessInstance.id == Petition.instance_id)
        .where(or_(PetitionLink.petition_id == petition_id, PetitionLink.other_id == petition_id))
        .order_by(PetitionLink.decided_at, PetitionLink.id)).all()
    return [{"petition_id": pid, "number": number, "type_label": labels.choice("petition_type", ptype),
             "status": status, "status_label": STATUS_LABELS.get(status, "—"),
             "direction": "earlier" if link.petition_id == petition_id else "later",
             "kind_label": LINK_KINDS.get(link.kind, link.kind),
             "decision_label": LINK_STATUSES.get(link.status, link.status),
             "decided_at": vn_time(link.decided_at)}
            for link, pid, number, ptype, status in rows]


def _escalation_row(row: Escalation, names) -> dict:
    return {"task_name": row.task_name, "due_at": vn_time(row.due_at),
            "created_at": vn_time(row.created_at), "resolved_at": vn_time(row.resolved_at),
            "notified": _names(names, row.notified or [])}


def document(ctx: "EngineContext", petition_id: int, document_id: int, actor: Actor) -> dict:
    """A document's metadata for download; NotFound unless it belongs to that petition.

    A sealed petition's documents open only for identity roles, and each opening is audited.
    """
    with ctx.uow(write=False) as uow:
        petition = access.visible_petition(uow.session, petition_id, actor)
        row = uow.session.scalars(select(PetitionDocument).where(
            PetitionDocument.id == document_id,
            PetitionDocument.petition_id == petition_id)).first()
        sealed, instance_id = petition.identity_sealed, petition.instance_id
        allowed = not sealed or rights.may_unseal(uow.session, actor, petition,
                                                           ctx.clock.now())
    if row is None:
        raise NotFound(f"Không tìm thấy tài liệu #{document_id} của đơn #{petition_id}")
    result = {"id": row.id, "file_name": row.file_name, "stored_name": row.stored_name,
              "content_type": row.content_type, "size": row.size, "sha256": row.sha256}
    if sealed and not allowed:
        raise Forbidden("Tài liệu của đơn tố cáo có thể làm lộ danh tính người tố cáo; vai trò "
                        "của bạn không được mở (Luật Tố cáo, Điều 8, 56)")
    if instance_id is None:
        return result
    with ctx.uow() as uow:  # every download is audited (issue 16 §4)
        instance = locks.lock_instance(uow, instance_id)
        audit.append_instance_events(uow.session, instance, [PendingEvent(
            "sealed_document_opened" if sealed else "document_downloaded", actor.username,
            {"petition_id": petition_id, "document_id": document_id})], ctx.clock.now())
        uow.commit()
    return result


def list_petitions(ctx: "EngineContext", actor: Actor, *, query: str | None = None,
                   petition_type: str | None = None, field: str | None = None,
                   status: str | None = None, page: int = 1) -> dict:
    """Recent petitions, newest first, ``PAGE_SIZE`` a page; filters combine with AND."""
    with ctx.uow(write=False) as uow:
        session = uow.session
        stmt = select(Petition.id, Petition.number, Petition.tracking_code, Petition.received_on,
                      Petition.petition_type, Petition.field, Petition.summary,
                      Petition.identity_sealed, ProcessInstance.status) \
            .outerjoin(ProcessInstance, ProcessInstance.id == Petition.instance_id) \
            .where(unit_condition(Petition.unit_code, actor))
        if query and query.strip():
            text = query.strip()
            stmt = stmt.where(or_(Petition.number.contains(text, autoescape=True),
                                  Petition.tracking_code == text.upper()))
        if petition_type:
            stmt = stmt.where(Petition.petition_type == petition_type)
        if field:
            stmt = stmt.where(Petition.field == field)
        if status:
            stmt = stmt.where(ProcessInstance.status == status)
        total = session.scalar(select(func.count()).select_from(stmt.subquery()))
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        rows = session.execute(stmt.order_by(Petition.id.desc())
                               .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
        secrets = _sender_secrets(session, [r.id for r in rows if r.identity_sealed])
        labels = Labels(_latest_intake_forms(session))
        return {"rows": [_list_row(r, labels, Redactor(secrets.get(r.id, []))) for r in rows],
                "total": total, "page": page, "pages": pages,
                "choices": {"petition_type": list(TYPE_LABELS.items()),
                            "field": labels.choices("field"),
                            "status": list(STATUS_LABELS.items())}}


def _list_row(row, labels: Labels, redactor: Redactor) -> dict:
    summary = redactor.text(row.summary)
    return {"id": row.id, "number": row.number, "tracking_code": row.tracking_code,
            "received_on": row.received_on, "sealed": row.identity_sealed,
            "type_label": labels.choice("petition_type", row.petition_type),
            "field_label": labels.choice("field", row.field),
            "summary": summary if len(summary) <= 160 else summary[:157] + "…",
            "status": row.status, "status_label": STATUS_LABELS.get(row.status, "—")}


def petition_refs(ctx: "EngineContext", instance_ids: list[int]) -> dict[int, dict]:
    """instance id -> ``{id, number}`` of its petition (for links from notifications)."""
    ids = sorted({i for i in instance_ids if i is not None})
    if not ids:
        return {}
    with ctx.uow(write=False) as uow:
        rows = uow.session.execute(select(Petition.instance_id, Petition.id, Petition.number)
                                   .where(Petition.instance_id.in_(ids))).all()
        return {instance_id: {"id": pid, "number": number} for instance_id, pid, number in rows}
