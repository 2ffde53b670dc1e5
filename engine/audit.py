"""The append-only audit trail and its hash chains.

One chain per instance (its head lives on the instance row, which every write locks anyway) and
one per global subject (``deployments``, ``users``, ``calendar``) whose head is a row in
``audit_chain_heads``. Each event's hash covers its content and the previous event's hash, so
altering, deleting or reordering a row breaks verification at that row.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.models import AuditChainHead, AuditEvent, ProcessInstance

GENESIS = "0" * 64


@dataclass
class PendingEvent:
    event_type: str
    actor: str
    payload: dict[str, Any] = field(default_factory=dict)


def instance_chain(instance_id: int) -> str:
    return f"instance:{instance_id}"


def event_hash(*, chain: str, seq: int, prev_hash: str, event_type: str, actor: str,
               occurred_at: datetime, instance_id: int | None, payload: dict) -> str:
    body = json.dumps({
        "chain": chain, "seq": seq, "prev": prev_hash, "type": event_type, "actor": actor,
        "at": occurred_at.isoformat(timespec="microseconds"), "instance": instance_id,
        "payload": payload,
    }, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _normalise(payload: dict) -> dict:
    # Hash exactly what the database will give back (JSON types only).
    return json.loads(json.dumps(payload, ensure_ascii=False, default=str))


def _row(chain: str, seq: int, prev: str, event: PendingEvent, at: datetime,
         instance_id: int | None) -> dict:
    """The column values of one audit event, its hash chained to ``prev``."""
    payload = _normalise(event.payload)
    digest = event_hash(chain=chain, seq=seq, prev_hash=prev, event_type=event.event_type,
                        actor=event.actor, occurred_at=at, instance_id=instance_id, payload=payload)
    return {"chain": chain, "seq": seq, "instance_id": instance_id, "event_type": event.event_type,
            "actor": event.actor, "occurred_at": at, "payload": payload, "prev_hash": prev,
            "hash": digest}


def append_instance_events(session: Session, instance: ProcessInstance,
                           events: Iterable[PendingEvent], at: datetime) -> None:
    """Append to the instance's chain; the caller holds the instance row (lock or version)."""
    chain = instance_chain(instance.id)
    seq, head = instance.audit_seq or 0, instance.audit_head or GENESIS
    rows = []
    for event in events:
        seq += 1
        rows.append(_row(chain, seq, head, event, at, instance.id))
        head = rows[-1]["hash"]
    if rows:
        # A plain multi-row INSERT: nothing reads these rows back in the unit of work, so the
        # ORM's per-object bookkeeping (and fetching their ids) is skipped.
        session.execute(insert(AuditEvent.__table__), rows)
    instance.audit_seq, instance.audit_head = seq, head


def append_chain_event(session: Session, chain: str, event: PendingEvent, at: datetime,
                       *, lock: bool) -> AuditEvent:
    """Append to a global chain, locking its head row (created on first use)."""
    query = select(AuditChainHead).where(AuditChainHead.chain == chain)
    head = session.scalars(query.with_for_update() if lock else query).first()
    if head is None:
        head = AuditChainHead(chain=chain, seq=0, head=GENESIS)
        session.add(head)
        session.flush()  # visible to the next append in this unit of work (autoflush is off)
    row = AuditEvent(**_row(chain, head.seq + 1, head.head or GENESIS, event, at, None))
    session.add(row)
    head.seq, head.head = row.seq, row.hash
    return row


@dataclass
class ChainBreak:
    chain: str
    seq: int
    event_id: int | None
    reason: str

    def to_dict(self) -> dict:
        return {"chain": self.chain, "seq": self.seq, "event_id": self.event_id,
                "reason": self.reason}


@dataclass
class Verification:
    chains: int = 0
    events: int = 0
    broken: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def to_dict(self) -> dict:
        return {"ok": self.ok, "chains": self.chains, "events": self.events,
                "first_broken": self.broken.to_dict() if self.broken else None}


def _verify_chain(session: Session, chain: str, head_seq: int, head_hash: str,
                  result: Verification) -> ChainBreak | None:
    prev, expected_seq = GENESIS, 1
    rows = session.scalars(select(AuditEvent).where(AuditEvent.chain == chain)
                           .order_by(AuditEvent.seq).execution_options(yield_per=500))
    try:  # close the (server-side, on PostgreSQL) cursor even when we stop at a break
        for row in rows:
            result.events += 1
            broken = _check_row(chain, row, expected_seq, prev)
            if broken:
                return broken
            prev, expected_seq = row.hash, expected_seq + 1
    finally:
        rows.close()
    if expected_seq - 1 != head_seq or (head_seq and prev != head_hash):
        return ChainBreak(chain, expected_seq, None,
                          f"chain ends at event {expected_seq - 1} but its head says {head_seq}")
    return None


def _check_row(chain: str, row: AuditEvent, expected_seq: int, prev: str) -> ChainBreak | None:
    if row.seq != expected_seq:
        return ChainBreak(chain, expected_seq, row.id, f"event {expected_seq} is missing")
    if row.prev_hash != prev:
        return ChainBreak(chain, row.seq, row.id, "previous-hash link does not match")
    recomputed = event_hash(chain=chain, seq=row.seq, prev_hash=row.prev_hash,
                            event_type=row.event_type, actor=row.actor,
                            occurred_at=row.occurred_at, instance_id=row.instance_id,
                            payload=row.payload)
    if recomputed != row.hash:
        return ChainBreak(chain, row.seq, row.id, "content does not match its hash")
    return None


def verify(session: Session, instance_id: int | None = None) -> Verification:
    """Walk the chains (one instance's, or all) and report the first broken link."""
    result = Verification()
    if instance_id is not None:
        heads = session.execute(select(ProcessInstance.id, ProcessInstance.audit_seq,
                                       ProcessInstance.audit_head)
                                .where(ProcessInstance.id == instance_id)).all()
        chains = [(instance_chain(i), s, h) for i, s, h in heads]
    else:
        chains = [(c.chain, c.seq, c.head) for c in session.scalars(
            select(AuditChainHead).order_by(AuditChainHead.chain))]
        chains += [(instance_chain(i), s, h) for i, s, h in session.execute(
            select(ProcessInstance.id, ProcessInstance.audit_seq, ProcessInstance.audit_head)
            .order_by(ProcessInstance.id))]
        known = {c for c, _, _ in chains}
        orphans = session.scalars(select(AuditEvent.chain).distinct()).all()
        chains += [(c, 0, GENESIS) for c in sorted(set(orphans) - known)]
    for chain, seq, head in chains:
        result.chains += 1
        broken = _verify_chain(session, chain, seq or 0, head or GENESIS, result)
        if broken:
            result.broken = broken
            break
    return result
