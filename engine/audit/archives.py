"""Archiving whole audit chains out of the database, with a signed digest.

Ten years of audit events outgrow the disk; those of cases closed long ago are rarely read. They
may leave the database only in a way verification can tell from a deletion: ``archive`` writes the
events of whole chains of finished instances (all events before a date) to a gzip JSON-lines file,
then a **digest** signed with the checkpoint key — per chain its last seq and head hash, which
the checkpoint log must already have signed — into ``<checkpoint dir>/archives/`` (append-only,
beside the log the database never sees) and next to the file, and only then deletes the rows, in
one unit of work that also appends an ``audit_archived`` event to the ``audit-archives`` chain.

A chain is archived only if it verifies (hash chain, head, signed checkpoint): tampering is never
laundered into a digest. Verification (engine.audit.verification) then accepts a chain with no
events in the database when a valid digest covers it with exactly the head the database records
("đã lưu trữ"), and still reports any other missing chain or event as deleted.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import delete, func, select

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent, instance_chain
from engine.audit.checkpoints import (CheckpointError, _b64, canonical, fold, key_id, public_raw,
                                      signature_ok, signing_key)
from engine.persistence.models import AuditEvent, ProcessInstance
from engine.settings import Settings

FORMAT = "audit-archive/1"
FINISHED = ("completed", "terminated")
ARCHIVE_CHAIN = "audit-archives"


def archive_dir(settings: Settings) -> Path:
    return settings.audit_checkpoint_path / "archives"


def _candidates(session, before: datetime) -> list[int]:
    """Finished instances whose every audit event is older than ``before``."""
    query = (select(AuditEvent.instance_id)
             .join(ProcessInstance, ProcessInstance.id == AuditEvent.instance_id)
             .where(ProcessInstance.status.in_(FINISHED))
             .group_by(AuditEvent.instance_id)
             .having(func.max(AuditEvent.occurred_at) < before)
             .order_by(AuditEvent.instance_id))
    return list(session.scalars(query))


def archive(ctx, settings: Settings, before: datetime, out: Path) -> dict:
    key = signing_key(settings, create=False)
    if key is None:
        raise CheckpointError("Không có khóa ký nhật ký để ký bản lưu trữ (AUDIT_SIGNING_KEY "
                              "hoặc tệp khóa)")
    out = Path(out).resolve()
    if out.exists():
        raise CheckpointError(f"Tệp {out} đã có: chọn tên khác")
    public = public_raw(key)
    signed = fold(settings.audit_checkpoint_path, public).state
    chains, skipped, events = [], [], 0
    with ctx.uow(write=False) as uow, gzip.open(out, "wt", encoding="utf-8") as handle:
        for instance_id in _candidates(uow.session, before):
            name = instance_chain(instance_id)
            check = audit.verify(uow.session, instance_id)
            head = audit.chain_heads(uow.session, instance_id).get(name, (0, ""))
            mark = signed.get(name)
            rows = list(uow.session.scalars(select(AuditEvent).where(
                AuditEvent.chain == name).order_by(AuditEvent.seq)))
            if not check.ok or mark != head or not rows or rows[-1].hash != head[1]:
                # Broken, or not yet signed at its last event by a checkpoint: it stays where
                # verification (or the next checkpoint) deals with it.
                skipped.append(name)
                continue
            for row in rows:
                handle.write(json.dumps({
                    "chain": row.chain, "seq": row.seq, "instance_id": row.instance_id,
                    "event_type": row.event_type, "actor": row.actor,
                    "occurred_at": row.occurred_at.isoformat(timespec="microseconds"),
                    "payload": row.payload, "prev_hash": row.prev_hash, "hash": row.hash},
                    ensure_ascii=False) + "\n")
            events += len(rows)
            chains.append([name, head[0], head[1]])
    sha = hashlib.sha256()
    with open(out, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    now = ctx.clock.now().astimezone(timezone.utc)
    body = {"format": FORMAT, "created_at": now.isoformat(timespec="seconds"),
            "before": before.isoformat(), "file": out.name, "sha256": sha.hexdigest(),
            "events": events, "chains": chains, "key_id": key_id(public)}
    digest = {**body, "signature": _b64(key.sign(canonical(body)))}
    folder = archive_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    fd = os.open(folder / f"{stamp}-{sha.hexdigest()[:12]}.json",
                 os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w") as handle:
        json.dump(digest, handle, ensure_ascii=False, indent=1)
    out.with_name(out.name + ".digest.json").write_text(
        json.dumps(digest, ensure_ascii=False, indent=1))
    with ctx.uow() as uow:  # the digest is safe: now the rows may go
        for start in range(0, len(chains), 500):
            uow.session.execute(delete(AuditEvent).where(
                AuditEvent.chain.in_([c[0] for c in chains[start:start + 500]])))
        audit.append_chain_event(uow.session, ARCHIVE_CHAIN, PendingEvent(
            "audit_archived", "system", {"file": out.name, "sha256": sha.hexdigest(),
                                         "chains": len(chains), "events": events,
                                         "before": before.isoformat()}), now, lock=True)
        uow.commit()
    return {"out": str(out), "chains": len(chains), "events": events, "skipped": skipped,
            "sha256": sha.hexdigest()}


@dataclass
class Archived:
    """What the signed digests cover: chain → (last seq, head hash), signed at that head."""

    chains: dict[str, tuple[int, str]] = field(default_factory=dict)
    events: int = 0
    problems: list[str] = field(default_factory=list)


def load_digests(settings: Settings, public: bytes | None) -> Archived:
    found = Archived()
    folder = archive_dir(settings)
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.json")):
        try:
            digest = json.loads(path.read_text())
            rows = [(str(c), int(s), str(h)) for c, s, h in digest["chains"]]
        except (OSError, ValueError, KeyError, TypeError):
            found.problems.append(f"archive digest {path.name} cannot be read")
            continue
        if public is None or digest.get("key_id") != key_id(public) \
                or not signature_ok(digest, public):
            found.problems.append(f"archive digest {path.name} is not signed by this key")
            continue
        found.events += int(digest.get("events") or 0)
        found.chains.update((c, (s, h)) for c, s, h in rows)
    return found
