"""A petition's protected data: redacted when written, originals kept apart, references in audit.

Every sender's identity is protected from the moment of registration, whatever the letter's type,
because a letter is often known to be a denunciation only at classification (issue 12). So every
free text that belongs to a petition (its summary, the text fields of its forms, task drafts, file
names, reasons) is stored as the copy with the senders' names, ID numbers, phones and street
addresses cut out (``petitions.identity.matching``). When the cut changed anything, the original goes to
``protected_texts`` (encrypted) and audit payloads carry ``{"$protected": id}`` in its place.
Pages show the redacted copy; a reader the law allows resolves references to originals.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import select

from engine.persistence.models import HumanTask, TaskDraft
from engine.text_search import fold
from petitions.identity.matching import Identity, IdentityMatcher
from petitions.persistence.models import Petition, PetitionDocument, PetitionSender, ProtectedText

PROTECTED = "$protected"


def identities(session, petition_id: int) -> list[Identity]:
    rows = session.execute(select(PetitionSender.name, PetitionSender.id_number,
                                  PetitionSender.phone, PetitionSender.address_detail)
                           .where(PetitionSender.petition_id == petition_id)).all()
    return [Identity(*row) for row in rows]


def matcher_for(session, petition_id: int) -> IdentityMatcher:
    return IdentityMatcher(identities(session, petition_id))


def protect(session, petition_id: int, kind: str, text: str | None, matcher: IdentityMatcher,
            now: datetime, *, ref: str | None = None) -> tuple[str | None, int | None]:
    """``(redacted copy, protected text id or None when nothing needed cutting)``."""
    redacted = matcher.redact(text)
    if redacted == text:
        return text, None
    row = ProtectedText(petition_id=petition_id, kind=kind, ref=ref, redacted=redacted,
                        original=text, created_at=now)
    session.add(row)
    session.flush()
    return redacted, row.id


def protect_values(session, petition_id: int, values: Mapping[str, Any], text_fields: Iterable[str],
                   matcher: IdentityMatcher, now: datetime, *, ref: str) -> tuple[dict, dict]:
    """Form values → ``(what the workflow keeps, what the audit payload records)``.

    Free-text fields are cut; any other string is cut too (a choice never quotes a sender, so the
    cut is a no-op there, and a field the form did not type still cannot leak)."""
    text_fields = set(text_fields)
    kept, audited = {}, {}
    for key, value in values.items():
        if isinstance(value, str) and (key in text_fields or matcher.contains(value)):
            redacted, ref_id = protect(session, petition_id, "field", value, matcher, now,
                                       ref=f"{ref}:{key}")
            kept[key] = redacted
            audited[key] = {PROTECTED: ref_id} if ref_id is not None else redacted
        else:
            kept[key] = audited[key] = matcher.redact_value(value)
    return kept, audited


def petition_of_instance(session, instance_id: int) -> Petition | None:
    return session.scalars(select(Petition).where(Petition.instance_id == instance_id)).first()


def _texts(session, column, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted({i for i in ids if isinstance(i, int)})
    if not wanted:
        return {}
    return dict(session.execute(select(ProtectedText.id, column)
                                .where(ProtectedText.id.in_(wanted))).all())


def originals(session, ids: Iterable[int]) -> dict[int, str]:
    return _texts(session, ProtectedText.original, ids)


def redacted_copies(session, ids: Iterable[int]) -> dict[int, str]:
    return _texts(session, ProtectedText.redacted, ids)


def references(value: Any) -> list[int]:
    """Every protected-text id referred to inside a payload value."""
    if isinstance(value, dict):
        if set(value) == {PROTECTED}:
            return [value[PROTECTED]]
        return [i for v in value.values() for i in references(v)]
    if isinstance(value, list):
        return [i for v in value for i in references(v)]
    return []


def resolve(value: Any, texts: Mapping[int, str]) -> Any:
    """``value`` with each reference replaced by its text from ``texts`` (originals or copies)."""
    if isinstance(value, dict):
        if set(value) == {PROTECTED}:
            return texts.get(value[PROTECTED], "")
        return {k: resolve(v, texts) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, texts) for v in value]
    return value


def resolve_payloads(session, payloads: Iterable[Any], *, reveal: bool = False) -> dict[int, str]:
    """The texts to show for every reference in ``payloads``: originals only when ``reveal``."""
    ids = [i for payload in payloads for i in references(payload)]
    return originals(session, ids) if reveal else redacted_copies(session, ids)


def redact_legacy(ctx, batch: int = 200) -> int:
    """Cut the senders out of texts written before write-time redaction existed (summaries,
    locations, forwarders, file names, drafts); originals kept as for new letters. Run once by
    ``petitions db upgrade`` when it finds identities left by an older version. Audit payloads
    are immutable: pages still cut their texts (``petitions.identity.redaction``)."""
    changed, last_id = 0, 0
    while True:
        with ctx.uow() as uow:
            session = uow.session
            rows = list(session.scalars(select(Petition).where(Petition.id > last_id)
                                        .order_by(Petition.id).limit(batch)))
            if not rows:
                return changed
            now = ctx.clock.now()
            for petition in rows:
                matcher = matcher_for(session, petition.id)
                if not matcher:
                    continue
                summary, ref = protect(session, petition.id, "summary", petition.summary,
                                       matcher, now, ref="summary")
                if ref is not None:
                    petition.summary, petition.search_text = summary, fold(summary)
                    changed += 1
                petition.location = matcher.redact(petition.location)
                petition.forwarded_by = matcher.redact(petition.forwarded_by)
                for doc in session.scalars(select(PetitionDocument).where(
                        PetitionDocument.petition_id == petition.id)):
                    doc.file_name, _ = protect(session, petition.id, "document", doc.file_name,
                                               matcher, now, ref=f"doc:{doc.id}")
                if petition.instance_id is not None:
                    for draft in session.scalars(select(TaskDraft).join(
                            HumanTask, HumanTask.id == TaskDraft.task_id).where(
                            HumanTask.instance_id == petition.instance_id)):
                        draft.data = matcher.redact_value(draft.data)
            last_id = rows[-1].id
            uow.commit()
