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

from engine.persistence.models import AuditChainHead, AuditEvent, ProcessInstance

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


# Kinds of break, stable identifiers for scripts and the dashboard (``reason`` is the English
# sentence the history page translates; ``kind`` is what code should switch on).
ALTERED, LINK, MISSING, REORDERED = "altered", "link_broken", "missing", "reordered"
TRUNCATED, HEAD_MISMATCH, HEAD_MISSING = "truncated", "head_mismatch", "head_missing"
MAX_BREAKS = 10_000  # listed; beyond that only counted (a wiped table would list millions)


@dataclass
class ChainBreak:
    chain: str
    seq: int
    event_id: int | None
    reason: str
    kind: str = ""

    def to_dict(self) -> dict:
        return {"chain": self.chain, "seq": self.seq, "event_id": self.event_id,
                "reason": self.reason, "kind": self.kind}


@dataclass
class Verification:
    chains: int = 0
    events: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)
    break_count: int = 0
    archived_chains: int = 0  # no events here, covered by a signed archive digest

    @property
    def ok(self) -> bool:
        return self.break_count == 0

    @property
    def broken(self) -> ChainBreak | None:
        """The first break (pages that show one place, e.g. an instance's history)."""
        return self.breaks[0] if self.breaks else None

    def add(self, found: ChainBreak) -> None:
        self.break_count += 1
        if len(self.breaks) < MAX_BREAKS:
            self.breaks.append(found)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "chains": self.chains, "events": self.events,
                "break_count": self.break_count, "breaks": [b.to_dict() for b in self.breaks],
                "archived_chains": self.archived_chains,
                "first_broken": self.broken.to_dict() if self.broken else None}


class _ChainWalk:
    """The checks of one chain, fed its rows in seq order; every break is reported, not only the
    first: after a bad row the walk re-synchronises on that row's stored hash, so one altered row
    is one break and the rows after it are still checked against each other."""

    def __init__(self, chain: str, result: Verification):
        self.chain, self.result = chain, result
        self.prev, self.last_seq = GENESIS, 0

    def feed(self, row: AuditEvent) -> None:
        self.result.events += 1
        chain, expected = self.chain, self.last_seq + 1
        if row.seq <= self.last_seq:  # cannot happen with the unique (chain, seq) key; if it is
            self.result.add(ChainBreak(chain, row.seq, row.id,  # dropped, say so
                                       f"event {row.seq} is out of order", REORDERED))
            return
        if row.seq > expected:
            missing = f"{expected}" if row.seq == expected + 1 else f"{expected}-{row.seq - 1}"
            self.result.add(ChainBreak(chain, expected, None, f"event {missing} is missing",
                                       MISSING))
        elif row.prev_hash != self.prev:
            self.result.add(ChainBreak(chain, row.seq, row.id,
                                       "previous-hash link does not match", LINK))
        recomputed = event_hash(chain=chain, seq=row.seq, prev_hash=row.prev_hash,
                                event_type=row.event_type, actor=row.actor,
                                occurred_at=row.occurred_at, instance_id=row.instance_id,
                                payload=row.payload)
        if recomputed != row.hash:
            self.result.add(ChainBreak(chain, row.seq, row.id,
                                       "content does not match its hash", ALTERED))
        self.prev, self.last_seq = row.hash, row.seq

    def finish(self, head: tuple[int, str] | None) -> None:
        chain, last = self.chain, self.last_seq
        if head is None:
            self.result.add(ChainBreak(chain, last, None,
                                       "events exist but the chain's head is missing",
                                       HEAD_MISSING))
            return
        head_seq, head_hash = head[0] or 0, head[1] or GENESIS
        if last != head_seq:
            self.result.add(ChainBreak(chain, min(last + 1, head_seq) or 1, None,
                                       f"chain ends at event {last} but its head says {head_seq}",
                                       TRUNCATED if last < head_seq else HEAD_MISMATCH))
        elif head_seq and self.prev != head_hash:
            self.result.add(ChainBreak(chain, last, None,
                                       "the last event's hash is not the chain's head",
                                       HEAD_MISMATCH))


def chain_heads(session: Session, instance_id: int | None = None) -> dict[str, tuple[int, str]]:
    """Every chain's head as the database records it: chain → (seq, head hash)."""
    query = select(ProcessInstance.id, ProcessInstance.audit_seq, ProcessInstance.audit_head)
    if instance_id is not None:
        query = query.where(ProcessInstance.id == instance_id)
    heads = {instance_chain(i): (s or 0, h or GENESIS) for i, s, h in session.execute(query)}
    if instance_id is None:
        heads.update((c, (s or 0, h or GENESIS)) for c, s, h in session.execute(
            select(AuditChainHead.chain, AuditChainHead.seq, AuditChainHead.head)))
    return heads


def verify(session: Session, instance_id: int | None = None,
           archived: dict[str, tuple[int, str]] | None = None) -> Verification:
    """Walk the chains (one instance's, or all) and report every broken link.

    One streamed query in (chain, seq) order (the unique key's index), so memory holds the heads
    and one batch of rows, never the table. A chain rewritten from a deleted row onwards, or
    deleted whole with its head, is consistent in itself: only the signed checkpoints
    (engine.audit.checkpoints) detect it. A chain with no events whose head is exactly the one
    a signed archive digest covers (``archived``, engine.audit.archives) is counted as archived.
    """
    result = Verification()
    heads = chain_heads(session, instance_id)
    query = select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq)
    if instance_id is not None:
        query = query.where(AuditEvent.chain == instance_chain(instance_id))
    rows = session.scalars(query.execution_options(yield_per=1000))
    walk: _ChainWalk | None = None
    seen: set[str] = set()
    try:  # close the (server-side, on PostgreSQL) cursor whatever happens
        for row in rows:
            if walk is None or row.chain != walk.chain:
                if walk is not None:
                    walk.finish(heads.get(walk.chain))
                walk = _ChainWalk(row.chain, result)
                seen.add(row.chain)
            walk.feed(row)
    finally:
        rows.close()
    if walk is not None:
        walk.finish(heads.get(walk.chain))
    for chain in sorted(set(heads) - seen):  # heads with no events at all
        if heads[chain][0] and (archived or {}).get(chain) == heads[chain]:
            result.archived_chains += 1
        elif heads[chain][0]:
            _ChainWalk(chain, result).finish(heads[chain])
    result.chains = len(seen | set(heads))
    return result
