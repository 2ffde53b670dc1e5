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

from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.audit import chain as audit
from petitions.identity.redaction import SENSITIVE
from petitions.labels import (EVENT_LABELS, INTERNAL, STATUS_LABELS, TASK_STATES, TYPE_LABELS,
                              grant_detail, migration_detail, vn_time)
from petitions.supervision.diagrams import diagram_state
from petitions.supervision.history_replay import (EventFilter, Snapshot, _load, _Loaded,
                                                  break_reason, replay)

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext


def history(ctx: "EngineContext", instance_id: int, actor: "Actor", *,
            filters: EventFilter | None = None, as_of: int | None = None,
            as_of_at: datetime | None = None) -> dict:
    """Everything the history page shows; ``as_of`` (an event number) or ``as_of_at`` (an aware
    moment: the last event at or before it) picks the state shown. Another unit's instance does
    not exist for ``actor`` (NotFound)."""
    filters = filters or EventFilter()
    with ctx.uow(write=False) as uow:
        loaded = _load(uow.session, instance_id, actor)
        verification = audit.verify(uow.session, instance_id).to_dict()
    if verification["first_broken"]:
        verification["first_broken"]["reason_label"] = \
            break_reason(verification["first_broken"]["reason"])
    now = ctx.clock.now()
    last = loaded.events[-1]["seq"] if loaded.events else 0
    if as_of_at is not None:
        as_of = max((e["seq"] for e in loaded.events if e["at"] <= as_of_at), default=0)
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
    if kind == "instance_migrated":
        return migration_detail(p), []
    if kind == "message_received":
        return f"«{p.get('name') or ''}»", []
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
