"""Form templates as versioned data: version 1 ships with the processes (``processes/forms``),
administrators upload later versions. A version never changes once stored, so a document issued
with it can be produced again as it was; the latest version is the one new documents use.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import InvalidInput, NotFound
from petitions.documents import catalogue, rendering
from petitions.persistence.models import DocumentTemplate

if TYPE_CHECKING:
    from engine.context import EngineContext

SHIPPED_BY = "hệ thống (mẫu ban hành kèm quy trình)"


def _form(code: str) -> catalogue.Form:
    form = catalogue.get(code)
    if form is None:
        raise NotFound(f"Không có biểu mẫu mã '{code}'")
    return form


def current(session, code: str) -> tuple[int, bytes]:
    """``(version, content)`` of the template new documents use."""
    form = _form(code)
    row = session.scalars(select(DocumentTemplate).where(DocumentTemplate.code == form.code)
                          .order_by(DocumentTemplate.version.desc()).limit(1)).first()
    if row is not None:
        return row.version, row.content
    return 1, catalogue.template_path(form.code).read_bytes()


def content_of(session, code: str, version: int) -> bytes:
    form = _form(code)
    if version == 1:
        return catalogue.template_path(form.code).read_bytes()
    row = session.scalars(select(DocumentTemplate).where(
        DocumentTemplate.code == form.code, DocumentTemplate.version == version)).first()
    if row is None:
        raise NotFound(f"Biểu mẫu {form.code} không có phiên bản {version}")
    return row.content


def versions(session, code: str) -> list[dict]:
    """Every version of a form, newest first."""
    form = _form(code)
    rows = session.execute(select(DocumentTemplate.version, DocumentTemplate.uploaded_by,
                                  DocumentTemplate.uploaded_at, DocumentTemplate.note,
                                  DocumentTemplate.sha256)
                           .where(DocumentTemplate.code == form.code)
                           .order_by(DocumentTemplate.version.desc())).all()
    shipped = catalogue.template_path(form.code).read_bytes()
    return [dict(r._mapping) for r in rows] + [{
        "version": 1, "uploaded_by": SHIPPED_BY, "uploaded_at": None, "note": None,
        "sha256": hashlib.sha256(shipped).hexdigest()}]


def latest_versions(session) -> dict[str, int]:
    rows = session.execute(select(DocumentTemplate.code, func.max(DocumentTemplate.version))
                           .group_by(DocumentTemplate.code)).all()
    latest = dict(rows)
    return {form.code: latest.get(form.code, 1) for form in catalogue.FORMS}


def upload(ctx: "EngineContext", code: str, content: bytes, *, actor: str,
           note: str | None = None) -> int:
    """Store a new version after checking it (a real .docx, no zip bomb, Jinja that parses, every
    placeholder known); audited on the deployments chain. Returns the new version number."""
    form = _form(code)
    rendering.check_template(content)
    note = (note or "").strip()[:500] or None
    now = ctx.clock.now()
    with ctx.uow() as uow:
        # The chain head of "deployments" is locked first: two uploads of one form queue here.
        digest = hashlib.sha256(content).hexdigest()
        audit.append_chain_event(uow.session, "deployments", PendingEvent(
            "document_template_uploaded", actor, {"code": form.code, "sha256": digest}), now,
            lock=uow.dialect == "postgresql")
        last = uow.session.scalar(select(func.max(DocumentTemplate.version))
                                  .where(DocumentTemplate.code == form.code)) or 1
        if digest == hashlib.sha256(current(uow.session, form.code)[1]).hexdigest():
            raise InvalidInput("Mẫu tải lên giống hệt phiên bản hiện hành; không tạo phiên bản mới.")
        uow.session.add(DocumentTemplate(code=form.code, version=last + 1, content=content,
                                         sha256=digest, note=note, uploaded_by=actor,
                                         uploaded_at=now))
        uow.commit()
        return last + 1
