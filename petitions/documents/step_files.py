"""Files added at a handling step: the signed scan of a form the step issues, and any other
attachment (minutes, evidence), stored and recorded in the same unit of work as the completion.

The files follow the desk's upload rules (``FolderDocumentStore``: size, type by extension AND
content signature, zip-bomb checks, random storage names). A signed scan must be a PDF or an
image. The engine refuses the completion when a required scan is missing (``attachment`` fields,
``engine/definitions/forms.py``); every file written for a completion that fails is removed again,
so a refused completion leaves nothing behind.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sqlalchemy import select

from engine.accounts.actor import Actor
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import FormInvalid, InvalidInput
from engine.persistence.models import HumanTask, ProcessInstance
from engine.running import loading, locks
from engine.work import human_tasks
from petitions.documents import catalogue
from petitions.identity import protection
from petitions.persistence.models import OutgoingDocument, Petition, PetitionDocument
from petitions.register.documents import MAX_FILES, FolderDocumentStore, extension_of

if TYPE_CHECKING:
    from engine.context import EngineContext

SCAN_EXTENSIONS = frozenset({"pdf", "jpg", "jpeg", "png"})
Upload = tuple[str, bytes]  # (name as the browser sent it, content)


def attachment_fields(spec: Mapping[str, Any] | None) -> dict[str, dict]:
    return {f["name"]: f for f in (spec or {}).get("fields", []) if f.get("type") == "attachment"}


def _check(store: FolderDocumentStore, spec, scans: Mapping[str, Upload],
           extra: Sequence[Upload]) -> None:
    fields = attachment_fields(spec)
    errors: dict[str, str] = {}
    for name, (file_name, content) in scans.items():
        if name not in fields:
            errors[name] = "Bước này không nhận văn bản này"
            continue
        if extension_of(file_name or "") not in SCAN_EXTENSIONS:
            errors[name] = "Bản đã ký phải là tệp PDF hoặc ảnh (JPG, PNG)"
            continue
        try:
            store.check(file_name, content)
        except InvalidInput as err:
            errors[name] = err.message
    if len(extra) > MAX_FILES:
        errors["attachments"] = f"Tối đa {MAX_FILES} tệp đính kèm cho một bước"
    else:
        problems = [p for p in store.check_all([(n, c, None) for n, c in extra])]
        if problems:
            errors["attachments"] = " ".join(problems)
    if errors:
        raise FormInvalid(errors)


def complete_with_files(ctx: "EngineContext", store: FolderDocumentStore, task_id: int,
                        actor: Actor, data: Mapping[str, Any], *,
                        scans: Mapping[str, Upload] | None = None,
                        extra: Sequence[Upload] = ()) -> dict:
    """Store the files, record them on the petition, complete the task: all or nothing."""
    scans = {name: upload for name, upload in (scans or {}).items() if upload and upload[1]}
    extra = [upload for upload in extra if upload and upload[1]]
    with ctx.uow(write=False) as uow:
        task = human_tasks.get_task(uow, task_id)
        human_tasks.check_unit(task, actor)
        instance_id = task.instance_id
        definition_id = uow.session.get(ProcessInstance, instance_id).definition_id
        spec = (loading.load_definition(ctx, uow, definition_id).forms or {}).get(task.bpmn_id)
    fields = attachment_fields(spec)
    # A file reference is never taken from what the browser posted: only from files stored here.
    data = {k: v for k, v in data.items() if k not in fields}
    _check(store, spec, scans, extra)
    stored: list[tuple[str | None, Any, str]] = []
    try:
        for name, (file_name, content) in scans.items():
            stored.append((name, store.put(file_name, content), fields[name]["document"]))
        for file_name, content in extra:
            stored.append((None, store.put(file_name, content), ""))
        with ctx.uow() as uow:
            locks.lock_instance(uow, instance_id)
            petition = uow.session.scalars(select(Petition).where(
                Petition.instance_id == instance_id)).first()
            ids = _record(ctx, uow, petition, task_id, actor, stored) if petition else {}
            if stored and petition is None:
                raise InvalidInput("Hồ sơ không gắn với đơn nào; không lưu được tệp đính kèm")
            data.update({name: doc_id for name, doc_id in ids.items() if name in fields})
            task, instance = human_tasks.complete_in(ctx, uow, task_id, actor, data)
            if stored:
                audit.append_instance_events(uow.session, instance, [PendingEvent(
                    "documents_attached", actor.username, {
                        "task_id": task_id, "bpmn_id": task.bpmn_id,
                        "documents": sorted(ids.values())})], ctx.clock.now())
            uow.commit()
            return {"task": {"id": task.id, "name": task.name}, "instance_id": instance.id,
                    "documents": sorted(ids.values())}
    except BaseException:
        store.delete_all(doc.stored_name for _, doc, _ in stored)
        raise


def _record(ctx, uow, petition: Petition, task_id: int, actor: Actor,
            stored: list) -> dict:
    """Rows for the stored files; a signed scan carries the number its form was issued under.
    Returns {field name or "extra:<n>": document id}."""
    now = ctx.clock.now()
    task = uow.session.get(HumanTask, task_id)
    matcher = protection.matcher_for(uow.session, petition.id)
    ids: dict[str, int] = {}
    for index, (field, doc, form_code) in enumerate(stored):
        issued = uow.session.scalars(select(OutgoingDocument).where(
            OutgoingDocument.task_id == task_id, OutgoingDocument.form_code == form_code)).first() \
            if form_code else None
        row = PetitionDocument(
            petition_id=petition.id, stored_name=doc.stored_name, content_type=doc.content_type,
            size=doc.size, sha256=doc.sha256, uploaded_by=actor.username, uploaded_at=now,
            kind="issued" if field else "attachment", task_id=task_id, step=task.bpmn_id,
            form_code=form_code or None, number=issued.number if issued else None,
            issued_on=issued.issued_on if issued else None, file_name="")
        uow.session.add(row)
        uow.session.flush()
        # A file name may quote a sender: the shown copy is redacted, the original protected.
        row.file_name, _ = protection.protect(uow.session, petition.id, "document",
                                              doc.file_name, matcher, now, ref=f"doc:{row.id}")
        ids[field or f"extra:{index}"] = row.id
    return ids


def form_title(code: str | None) -> str:
    form = catalogue.get(code or "")
    return form.title if form else ""
