"""Replaying an instance's audit chain: the snapshot of a case at any event."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import select

from engine.accounts.models import User
from engine.audit import chain as audit
from engine.errors import NotFound
from engine.persistence.models import AuditEvent, HumanTask, ProcessDefinition, ProcessInstance
from engine.working_days import VN_TZ
from petitions.identity import protection
from petitions.identity.redaction import Redactor
from petitions.labels import SYSTEM_ACTORS, Labels
from petitions.persistence.models import Petition, PetitionSender

if TYPE_CHECKING:
    from engine.accounts.actor import Actor


OPEN_STATES = frozenset({"READY", "STARTED", "WAITING"})


@dataclass
class EventFilter:
    """Filters of the event log; dates are Vietnam calendar days, both ends included."""

    event_type: str | None = None
    actor: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def matches(self, event: dict) -> bool:
        day = event["at"].astimezone(VN_TZ).date()
        return ((not self.event_type or event["type"] == self.event_type)
                and (not self.actor or event["actor"] == self.actor)
                and (self.date_from is None or day >= self.date_from)
                and (self.date_to is None or day <= self.date_to))


@dataclass
class Snapshot:
    """The state of an instance right after event ``seq``, rebuilt from events 1..seq only."""

    seq: int = 0
    at: datetime | None = None
    status: str = "running"
    tasks: dict[str, dict] = field(default_factory=dict)      # task guid -> last known state
    values: dict[str, dict] = field(default_factory=dict)     # data key -> {value, seq, actor, at}
    assignees: dict[int, str | None] = field(default_factory=dict)  # human task id -> assignee
    completed: dict[str, int] = field(default_factory=dict)   # bpmn id -> first completion seq
    touched: dict[str, int] = field(default_factory=dict)     # bpmn id -> last event seq

    def open_tasks(self) -> list[dict]:
        return sorted((t for t in self.tasks.values() if t["state"] in OPEN_STATES),
                      key=lambda t: t["seq"])

    def active(self) -> set[str]:
        return {t["bpmn_id"] for t in self.open_tasks()}

    def failed(self) -> set[str]:
        return {t["bpmn_id"] for t in self.tasks.values() if t["state"] == "ERROR"}


def break_reason(reason: str | None) -> str:
    """engine.audit.chain's reason for a broken link, in Vietnamese."""
    reason = reason or ""
    if reason == "content does not match its hash":
        return "nội dung sự kiện không còn khớp với mã băm đã ghi (sự kiện bị sửa)"
    if reason == "previous-hash link does not match":
        return "mã băm nối với sự kiện trước không khớp (sự kiện bị thay hoặc đảo thứ tự)"
    if reason.endswith("is missing"):
        return "thiếu sự kiện (sự kiện bị xóa)"
    if reason.startswith("chain ends at"):
        return "chuỗi ngắn hơn số sự kiện đã ghi ở đầu chuỗi (sự kiện cuối bị xóa)"
    if reason == "the last event's hash is not the chain's head":
        return "mã băm của sự kiện cuối không khớp với đầu chuỗi (chuỗi bị tính lại)"
    if reason == "events exist but the chain's head is missing":
        return "có sự kiện nhưng mất đầu chuỗi (đầu chuỗi bị xóa)"
    if reason.endswith("is out of order"):
        return "sự kiện sai thứ tự"
    return reason


def replay(events: Iterable[dict], upto: int | None = None) -> Snapshot:
    """Fold the events (dicts with seq, type, actor, at, payload) up to ``upto`` into a Snapshot."""
    snap = Snapshot()
    for event in events:
        if upto is not None and event["seq"] > upto:
            break
        _apply(snap, event)
    if snap.status in ("running", "waiting"):
        if snap.open_tasks():
            snap.status = "waiting" if any(t["state"] == "READY" for t in snap.open_tasks()) \
                else "running"
        elif snap.completed:
            snap.status = "completed"
    return snap


def _apply(snap: Snapshot, event: dict) -> None:
    kind, payload = event["type"], event["payload"] or {}
    snap.seq, snap.at = event["seq"], event["at"]

    def remember(values: dict) -> None:
        for key, value in (values or {}).items():
            snap.values[key] = {"value": value, "seq": event["seq"], "actor": event["actor"],
                                "at": event["at"]}

    if kind == "task_state":
        guid = payload.get("task_guid") or payload.get("bpmn_id")
        state = payload.get("to")
        snap.tasks[guid] = {"guid": guid, "bpmn_id": payload.get("bpmn_id"),
                            "name": payload.get("name") or payload.get("bpmn_id"),
                            "state": state, "since": event["at"], "seq": event["seq"]}
        bpmn_id = payload.get("bpmn_id")
        if bpmn_id:
            snap.touched[bpmn_id] = event["seq"]
            if state == "COMPLETED":
                snap.completed.setdefault(bpmn_id, event["seq"])
    elif kind == "instance_started":
        remember(payload.get("data"))
    elif kind in ("task_completed_by_user", "instance_retried"):
        remember(payload.get("after"))
        if kind == "instance_retried":
            snap.status = "running"
    elif kind in ("task_claimed", "task_unclaimed", "task_assigned"):
        snap.assignees[payload.get("task_id")] = (payload.get("after") or {}).get("assignee")
    elif kind == "instance_suspended":
        snap.status = "suspended"
    elif kind == "instance_resumed":
        snap.status = payload.get("after") or "running"
    elif kind == "instance_terminated":
        snap.status = "terminated"
    elif kind == "instance_error":
        snap.status = "error"


# ---- reading ------------------------------------------------------------------------------------
@dataclass
class _Loaded:
    instance: ProcessInstance
    definition: ProcessDefinition
    petition: Petition | None
    events: list[dict]
    tasks: list[HumanTask]
    names: dict[str, str]
    labels: Labels
    redactor: Redactor
    sealed: bool


def _load(session, instance_id: int, actor: "Actor") -> _Loaded:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not actor.sees_unit(instance.unit_code):
        raise NotFound(f"Không tìm thấy hồ sơ quy trình #{instance_id}")
    definition = session.get(ProcessDefinition, instance.definition_id)
    petition = session.scalars(select(Petition).where(Petition.instance_id == instance_id)).first()
    rows = list(session.scalars(select(AuditEvent).where(
        AuditEvent.chain == audit.instance_chain(instance_id)).order_by(AuditEvent.seq)))
    # Payloads refer to protected texts; history shows their redacted copies (the hash below is
    # the stored row's, so verification is unaffected).
    texts = protection.resolve_payloads(session, [e.payload for e in rows])
    events = [{"id": e.id, "seq": e.seq, "type": e.event_type, "actor": e.actor,
               "at": e.occurred_at, "payload": protection.resolve(e.payload or {}, texts),
               "hash": e.hash} for e in rows]
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                                 .order_by(HumanTask.id)))
    usernames = {e["actor"] for e in events} | {t.assignee for t in tasks if t.assignee} | \
        {t.completed_by for t in tasks if t.completed_by} | {instance.started_by}
    for event in events:
        after = event["payload"].get("after")
        if isinstance(after, dict) and isinstance(after.get("assignee"), str):
            usernames.add(after["assignee"])
    names = dict(SYSTEM_ACTORS)
    names.update(dict(session.execute(select(User.username, User.display_name)
                                      .where(User.username.in_(sorted(u for u in usernames if u))))
                      .all()))
    sealed = bool(petition and petition.identity_sealed) or instance.process_key == "denunciation" \
        or any((e["payload"].get("after") or {}).get("petition_type") == "denunciation"
               for e in events if isinstance(e["payload"].get("after"), dict))
    secrets = sender_secrets(session, petition.id) if (petition and sealed) else []
    return _Loaded(instance, definition, petition, events, tasks, names,
                   Labels(definition.forms if definition else {}), Redactor(secrets), sealed)


def sender_secrets(session, petition_id: int) -> list[str]:
    """The identity strings of a petition's senders (what must never be shown while sealed)."""
    rows = session.execute(select(PetitionSender.name, PetitionSender.id_number,
                                  PetitionSender.phone, PetitionSender.address_detail)
                           .where(PetitionSender.petition_id == petition_id)).all()
    return [value for row in rows for value in row if value]
