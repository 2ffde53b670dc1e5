"""One instance's history for supervisors: the event log (who, when, what, before → after), the
state as of any earlier event rebuilt from the events alone, the diagram's markers and whether the
audit chain still verifies.

Read-only: nothing here writes. The "as of" state trusts nothing but the audit events up to the
chosen one (which tasks were open, the last known value of every field), so it is exactly what the
chain vouches for. A sealed (denunciation) petition's identity never appears: identity keys are
dropped and the senders' names, ID numbers, phones and addresses are redacted from any text
(LTC Điều 8.3, 56.2).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterable

from lxml import etree
from sqlalchemy import select

from engine import audit
from engine import petition_identity as protected_identity
from engine.definitions.validation import is_bpmn_name
from engine.errors import NotFound
from engine.models import (AuditEvent, HumanTask, Petition, PetitionSender, ProcessDefinition,
                           ProcessInstance, User)
from engine.petition_labels import (EVENT_LABELS, INTERNAL, STATUS_LABELS, SYSTEM_ACTORS,
                                    TASK_STATES, TYPE_LABELS, Labels, grant_detail, vn_time)
from engine.redaction import SENSITIVE, Redactor
from engine.working_days import VN_TZ

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.human_tasks import Actor

OPEN_STATES = frozenset({"READY", "STARTED", "WAITING"})
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Element kinds that are not drawn as shapes the path could pass through.
_NOT_NODES = {"process", "collaboration", "participant", "laneSet", "lane", "sequenceFlow",
              "messageFlow", "association", "textAnnotation", "group", "category",
              "categoryValue", "definitions", "extensionElements", "documentation",
              "incoming", "outgoing", "conditionExpression", "timerEventDefinition",
              "timeDate", "timeDuration", "timeCycle", "script", "dataObject",
              "dataObjectReference", "dataInputAssociation", "dataOutputAssociation",
              "flowNodeRef", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


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
    """engine.audit's reason for a broken link, in Vietnamese."""
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
    texts = protected_identity.resolve_payloads(session, [e.payload for e in rows])
    events = [{"id": e.id, "seq": e.seq, "type": e.event_type, "actor": e.actor,
               "at": e.occurred_at, "payload": protected_identity.resolve(e.payload or {}, texts),
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


def history(ctx: "EngineContext", instance_id: int, actor: "Actor", *,
            filters: EventFilter | None = None, as_of: int | None = None) -> dict:
    """Everything the history page shows; ``as_of`` (an event number) picks the state shown.
    Another unit's instance does not exist for ``actor`` (NotFound)."""
    filters = filters or EventFilter()
    with ctx.uow(write=False) as uow:
        loaded = _load(uow.session, instance_id, actor)
        verification = audit.verify(uow.session, instance_id).to_dict()
    if verification["first_broken"]:
        verification["first_broken"]["reason_label"] = \
            break_reason(verification["first_broken"]["reason"])
    now = ctx.clock.now()
    last = loaded.events[-1]["seq"] if loaded.events else 0
    upto = min(max(as_of, 0), last) if as_of is not None else last
    snap = replay(loaded.events, upto)
    broken = (verification.get("first_broken") or {}).get("seq")
    rows = [_event_row(loaded, e, broken) for e in loaded.events if filters.matches(e)]
    instance = loaded.instance
    return {
        "instance": {"id": instance.id, "process_key": instance.process_key,
                     "version": loaded.definition.version, "name": loaded.definition.name,
                     "business_key": instance.business_key, "status": instance.status,
                     "status_label": STATUS_LABELS.get(instance.status, instance.status),
                     "status_reason": loaded.redactor.text(instance.status_reason or ""),
                     "error": instance.error_message if instance.status == "error" else None,
                     "started_by": _name(loaded.names, instance.started_by),
                     "created_at": vn_time(instance.created_at),
                     "updated_at": vn_time(instance.updated_at),
                     "audit_seq": instance.audit_seq, "audit_head": instance.audit_head},
        "petition": _petition(loaded),
        "verification": verification,
        "events": rows, "event_count": len(loaded.events), "last_seq": last,
        "filter_choices": _filter_choices(loaded),
        "as_of": _snapshot_view(loaded, snap, upto, now, current=upto == last),
        "diagram": diagram_state(loaded, snap, now, current=upto == last),
        "sealed": loaded.sealed,
    }


def _name(names: dict[str, str], username: str | None) -> str:
    return names.get(username, username) if username else "—"


def _petition(loaded: _Loaded) -> dict | None:
    p = loaded.petition
    if p is None:
        return None
    return {"id": p.id, "number": p.number, "tracking_code": p.tracking_code,
            "type": p.petition_type,
            "type_label": TYPE_LABELS.get(p.petition_type, p.petition_type),
            "field_label": loaded.labels.choice("field", p.field),
            "received_on": p.received_on, "unit_code": p.unit_code, "sealed": p.identity_sealed,
            "summary": loaded.redactor.text(p.summary)}


def _filter_choices(loaded: _Loaded) -> dict:
    types = sorted({e["type"] for e in loaded.events})
    actors = sorted({e["actor"] for e in loaded.events})
    return {"types": [(t, EVENT_LABELS.get(t, t)) for t in types],
            "actors": [(a, _name(loaded.names, a)) for a in actors]}


def _keep(key: str, sealed: bool) -> bool:
    return not key.startswith("_") and key not in INTERNAL and not (sealed and key in SENSITIVE)


def _show(loaded: _Loaded, key: str, value: Any) -> str:
    return loaded.redactor.text(loaded.labels.display(key, value))


def _event_row(loaded: _Loaded, event: dict, broken_seq: int | None) -> dict:
    payload, kind = event["payload"], event["type"]
    detail, changes = _describe(loaded, kind, payload)
    return {"id": event["id"], "seq": event["seq"], "type": kind,
            "label": EVENT_LABELS.get(kind, kind), "actor": event["actor"],
            "actor_name": _name(loaded.names, event["actor"]), "at": vn_time(event["at"]),
            "detail": loaded.redactor.text(detail), "changes": changes,
            "broken": broken_seq is not None and event["seq"] == broken_seq,
            "after_break": broken_seq is not None and event["seq"] > broken_seq}


def _changes(loaded: _Loaded, before: dict, after: dict) -> list[dict]:
    rows = []
    for key in dict.fromkeys([*(after or {}), *(before or {})]):
        if not _keep(key, loaded.sealed):
            continue
        old, new = (before or {}).get(key), (after or {}).get(key)
        if old in (None, "", []) and new in (None, "", []):
            continue
        rows.append({"name": key, "label": loaded.labels.label(key),
                     "before": _show(loaded, key, old), "after": _show(loaded, key, new)})
    return rows


def _describe(loaded: _Loaded, kind: str, p: dict) -> tuple[str, list[dict]]:
    names = loaded.names
    step = next((t.name for t in loaded.tasks if t.id == p.get("task_id")), None) \
        or p.get("name") or p.get("bpmn_id") or ""
    if kind == "task_state":
        return (f"«{step}»", [{"name": "state", "label": "Trạng thái",
                               "before": TASK_STATES.get(p.get("from"), "mới"),
                               "after": TASK_STATES.get(p.get("to"), p.get("to"))}])
    if kind in ("task_completed_by_user", "instance_retried"):
        return f"«{step}»", _changes(loaded, p.get("before") or {}, p.get("after") or {})
    if kind in ("task_claimed", "task_unclaimed", "task_assigned"):
        who = lambda u: _name(names, u) if u else "chưa có người nhận"  # noqa: E731
        reason = f" — lý do: {p['reason']}" if p.get("reason") else ""
        return (f"«{step}»{reason}", [{"name": "assignee", "label": "Người xử lý",
                                      "before": who((p.get("before") or {}).get("assignee")),
                                      "after": who((p.get("after") or {}).get("assignee"))}])
    if kind in ("instance_suspended", "instance_resumed", "instance_terminated"):
        return (f"lý do: {p.get('reason', '')}",
                [{"name": "status", "label": "Trạng thái hồ sơ",
                  "before": STATUS_LABELS.get(p.get("before"), p.get("before") or "—"),
                  "after": STATUS_LABELS.get(p.get("after"), p.get("after") or "—")}])
    if kind == "instance_started":
        data = {k: v for k, v in (p.get("data") or {}).items() if _keep(k, loaded.sealed)}
        return (f"quy trình {p.get('process_key')}, phiên bản {p.get('version')}",
                _changes(loaded, {}, data))
    if kind == "petition_registered":
        documents = p.get("documents") or []
        shown = f"{len(documents)} tài liệu" if loaded.sealed \
            else (", ".join(documents) or "không có")
        return (f"số {p.get('number')}, {p.get('senders', 0)} người gửi; tài liệu: {shown}", [])
    if kind == "reminder_sent":
        return f"«{step}»; gửi: {', '.join(_name(names, n) for n in p.get('recipients', []))}", []
    if kind == "task_overdue":
        notified = ", ".join(_name(names, n) for n in p.get("notified", []))
        return f"«{step}» hạn {_show(loaded, 'due', p.get('due_at'))}; đã báo: {notified}", []
    if kind == "instance_error":
        return f"{p.get('message')} (bước {p.get('bpmn_id') or '?'})", []
    if kind == "identity_unsealed":
        return f"lý do: {p.get('reason', '')}", []
    if kind in ("identity_granted", "identity_grant_revoked"):
        return grant_detail(p), []
    if kind == "timer_fired":
        return f"«{p.get('bpmn_id') or ''}»", []
    return "", []


def _snapshot_view(loaded: _Loaded, snap: Snapshot, seq: int, now: datetime, *,
                   current: bool) -> dict:
    by_guid = {t.task_guid: t for t in loaded.tasks}
    moment = now if current else (snap.at or now)
    tasks = []
    for entry in snap.open_tasks():
        row = by_guid.get(entry["guid"])
        assignee = snap.assignees.get(row.id) if row is not None else None
        due = row.due_at if row is not None else None
        tasks.append({"name": entry["name"], "bpmn_id": entry["bpmn_id"],
                      "state": TASK_STATES.get(entry["state"], entry["state"]),
                      "human": row is not None, "since": vn_time(entry["since"]),
                      "assignee": _name(loaded.names, assignee) if assignee else None,
                      "due_at": vn_time(due), "overdue": bool(due and due < moment)})
    values = [{"name": key, "label": loaded.labels.label(key),
               "display": _show(loaded, key, item["value"]), "seq": item["seq"],
               "actor_name": _name(loaded.names, item["actor"]), "at": vn_time(item["at"])}
              for key, item in snap.values.items() if _keep(key, loaded.sealed)]
    values.sort(key=lambda v: (v["name"] not in loaded.labels.order,
                               loaded.labels.order.get(v["name"], 0), v["name"]))
    return {"seq": seq, "at": vn_time(snap.at), "current": current,
            "status": snap.status, "status_label": STATUS_LABELS.get(snap.status, snap.status),
            "tasks": tasks, "values": values}


# ---- diagram --------------------------------------------------------------------------------
def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_diagram(text: str) -> dict:
    """Process ids, flow-node ids and sequence flows (id → source, target) of one BPMN file."""
    root = etree.fromstring(text.encode("utf-8"), _PARSER)
    processes, nodes, flows = [], set(), {}
    for element in root.iter():
        name = _local(element.tag)
        if element.tag is etree.Comment or not element.get("id") \
                or not (element.tag or "").startswith("{" + BPMN_NS):
            continue
        if name == "process":
            processes.append(element.get("id"))
        elif name == "sequenceFlow":
            flows[element.get("id")] = (element.get("sourceRef"), element.get("targetRef"))
        elif name not in _NOT_NODES:
            nodes.add(element.get("id"))
    return {"processes": processes, "nodes": nodes, "flows": flows}


def _bpmn_files(definition: ProcessDefinition) -> list[tuple[str, str]]:
    return sorted((name, text) for name, text in (definition.files or {}).items()
                  if is_bpmn_name(name))


def diagram_state(loaded: _Loaded, snap: Snapshot, now: datetime, *, current: bool) -> dict:
    """The files of the instance's version worth showing, each with its element markers."""
    completed, active, failed = set(snap.completed), snap.active(), snap.failed()
    moment = now if current else (snap.at or now)
    overdue = {t.bpmn_id for t in loaded.tasks
               if t.due_at is not None and t.due_at < moment and t.bpmn_id in active
               and (t.status == "ready" if current else True)}
    if current and loaded.instance.status == "error" and loaded.instance.error_task:
        failed.add(loaded.instance.error_task)
    reached = completed | active | failed
    files = []
    for index, (name, text) in enumerate(_bpmn_files(loaded.definition)):
        parsed = parse_diagram(text)
        main = loaded.instance.process_key in parsed["processes"]
        mine = parsed["nodes"] & reached
        if not (main or mine):
            continue
        # A flow was taken when its target was reached after its source first completed (a loop's
        # way back is not marked just because both ends were visited once).
        taken = sorted(fid for fid, (src, dst) in parsed["flows"].items()
                       if src in snap.completed and snap.touched.get(dst, 0) > snap.completed[src])
        files.append({"index": index, "name": name, "main": main,
                      "markers": {"completed": sorted(mine & completed - active - failed),
                                  "active": sorted(mine & active - overdue - failed),
                                  "overdue": sorted(mine & overdue - failed),
                                  "failed": sorted(mine & failed),
                                  "flows": taken}})
    files.sort(key=lambda f: (not f["main"], f["name"]))
    return {"files": files}


def diagram_xml(ctx: "EngineContext", instance_id: int, index: int, actor: "Actor") -> str:
    """The BPMN text of one file of the instance's own deployed version."""
    with ctx.uow(write=False) as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        if instance is None or not actor.sees_unit(instance.unit_code):
            raise NotFound(f"Không tìm thấy hồ sơ quy trình #{instance_id}")
        definition = uow.session.get(ProcessDefinition, instance.definition_id)
        files = _bpmn_files(definition)
        if not 0 <= index < len(files):
            raise NotFound(f"Phiên bản quy trình không có sơ đồ số {index}")
        return files[index][1]
