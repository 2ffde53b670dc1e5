"""The petition file's timeline: the audit events told in words, with names and identity reads."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.accounts.models import User
from engine.persistence.models import HumanTask, Timer
from petitions.identity import protection
from petitions.identity.redaction import SENSITIVE, Redactor
from petitions.labels import (EVENT_LABELS, INTERNAL, REMINDER_KINDS, SYSTEM_ACTORS, TASK_STATES,
                              Labels, field_in, grant_detail, vn_time)
from petitions.persistence.models import Petition, ProtectedText
from petitions.roles import ROLES

AUTOMATIC_EVENTS = frozenset({"task_state", "timer_fired", "reminder_sent"})


def _usernames(petition, tasks, events, escalations) -> set[str]:
    names = {petition.created_by} | {t.assignee for t in tasks if t.assignee}
    for event in events:
        names.add(event.actor)
        payload = event.payload or {}
        names.update(n for n in payload.get("recipients", []) + payload.get("notified", [])
                     if isinstance(n, str))
        for side in ("before", "after"):
            value = (payload.get(side) or {}) if isinstance(payload.get(side), dict) else {}
            if isinstance(value.get("assignee"), str):
                names.add(value["assignee"])
    for escalation in escalations:
        names.update(n for n in escalation.notified or [] if isinstance(n, str))
    return names


def _display_names(session, usernames: set[str]) -> dict[str, str]:
    rows = session.execute(select(User.username, User.display_name)
                           .where(User.username.in_(sorted(usernames)))).all() if usernames else []
    return {**SYSTEM_ACTORS, **dict(rows)}


def _name(names: dict[str, str], username: str | None) -> str:
    return names.get(username, username) if username else "—"


def _names(names: dict[str, str], usernames: list) -> list[str]:
    """Display names, each once (a head may be notified both as head and as the step's role)."""
    return list(dict.fromkeys(_name(names, u) for u in usernames if isinstance(u, str)))


def _keep(key: str, drop_sensitive: bool) -> bool:
    return not key.startswith("_") and key not in INTERNAL and \
        not (drop_sensitive and key in SENSITIVE)


def _changes(before: dict, after: dict, labels: Labels, form: dict | None, redactor: Redactor,
             drop_sensitive: bool) -> list[dict]:
    rows = []
    for key in list(dict.fromkeys([*after, *before])):
        if not _keep(key, drop_sensitive):
            continue
        old, new = before.get(key), after.get(key)
        if old in (None, "", []) and new in (None, "", []):
            continue
        declared = field_in(form, key)
        rows.append({"label": declared["label"] if declared else labels.label(key),
                     "before": redactor.text(labels.display(key, old, form)),
                     "after": redactor.text(labels.display(key, new, form))})
    return rows


def _timeline(session, events, tasks, labels: Labels, names, redactor: Redactor, *,
              drop_sensitive: bool, hidden: bool, texts: dict[int, str]) -> list[dict]:
    task_names = {t.id: t.name for t in tasks}
    timer_ids = [e.payload.get("timer_id") for e in events if e.event_type == "timer_fired"]
    timer_names = dict(session.execute(select(Timer.id, Timer.name).where(
        Timer.id.in_(timer_ids))).all()) if timer_ids else {}
    entries = []
    for event in events:
        payload = protection.resolve(event.payload or {}, texts)
        step = task_names.get(payload.get("task_id")) or payload.get("bpmn_id") or ""
        detail, changes = _describe(event.event_type, payload, step, labels, names, timer_names,
                                    hidden)
        if event.event_type in ("task_completed_by_user", "instance_retried"):
            form = labels.forms.get(payload.get("bpmn_id"))
            changes = _changes(payload.get("before") or {}, payload.get("after") or {}, labels,
                               form, redactor, drop_sensitive)
        entries.append({"seq": event.seq, "type": event.event_type,
                        "label": EVENT_LABELS.get(event.event_type, event.event_type),
                        "detail": redactor.text(detail), "changes": changes,
                        "actor": event.actor, "actor_name": _name(names, event.actor),
                        "at": vn_time(event.occurred_at),
                        "automatic": event.event_type in AUTOMATIC_EVENTS})
    return entries


def _describe(kind: str, p: dict, step: str, labels: Labels, names, timer_names,
              hidden: bool) -> tuple[str, list[dict]]:
    """The one-line detail of an event, and before → after rows for assignments."""
    def who(u):
        return _name(names, u) if u else "chưa có người nhận"
    if kind == "task_state":
        return (f"«{p.get('name') or p.get('bpmn_id')}»: {TASK_STATES.get(p.get('from'), 'mới')} → "
                f"{TASK_STATES.get(p.get('to'), p.get('to'))}"), []
    if kind in ("task_claimed", "task_unclaimed", "task_assigned"):
        change = [{"label": "Người xử lý", "before": who((p.get("before") or {}).get("assignee")),
                   "after": who((p.get("after") or {}).get("assignee"))}]
        reason = f" — lý do: {p['reason']}" if p.get("reason") else ""
        return f"«{step}»{reason}", change
    if kind in ("instance_suspended", "instance_resumed", "instance_terminated"):
        return f"lý do: {p.get('reason', '')}", []
    if kind == "identity_unsealed":
        return f"lý do: {p.get('reason', '')}", []
    if kind in ("identity_granted", "identity_grant_revoked"):
        return grant_detail(p), []
    if kind == "instance_started":
        return f"quy trình {p.get('process_key')}, phiên bản {p.get('version')}", []
    if kind == "petition_registered":
        documents = p.get("documents") or []
        shown = f"{len(documents)} tài liệu" if hidden else ", ".join(documents) or "không có"
        return (f"số {p.get('number')}, loại {labels.choice('petition_type', p.get('type') or '')}, "
                f"{p.get('senders', 0)} người gửi; tài liệu: {shown}"), []
    if kind == "timer_fired":
        return f"«{timer_names.get(p.get('timer_id')) or p.get('bpmn_id')}»", []
    if kind == "reminder_sent":
        recipients = ", ".join(_names(names, p.get("recipients", [])))
        return f"«{step}» {REMINDER_KINDS.get(p.get('kind'), p.get('kind'))}; gửi: {recipients}", []
    if kind == "task_overdue":
        notified = ", ".join(_names(names, p.get("notified", [])))
        return f"«{step}» hạn {labels.display('due', p.get('due_at'))}; đã báo: {notified}", []
    if kind == "instance_error":
        line = f", dòng {p['line']}" if p.get("line") else ""
        return f"{p.get('message')} (bước {p.get('bpmn_id') or '?'}{line})", []
    if kind == "task_completed_by_user":
        return f"«{step}»", []
    if kind == "sealed_document_opened":
        return f"tài liệu #{p.get('document_id')}", []
    return "", []


IDENTITY_READ_EVENTS = {"identity_unsealed": "Xem danh tính",
                        "sealed_document_opened": "Mở tài liệu của đơn",
                        "identity_search_hit": "Tra cứu theo số định danh/điện thoại"}


def _identity_reads(events, names, texts: dict[int, str]) -> list[dict]:
    """Who has seen the identity (LTC Điều 8): every read, from any source, in chain order."""
    rows = []
    for event in events:
        if event.event_type not in IDENTITY_READ_EVENTS:
            continue
        payload = protection.resolve(event.payload or {}, texts)
        rows.append({"who": _name(names, event.actor), "at": vn_time(event.occurred_at),
                     "source": IDENTITY_READ_EVENTS[event.event_type],
                     "reason": payload.get("reason") or ""})
    return rows


def _with_originals(session, petition: Petition, register: list[dict]) -> list[dict]:
    """The register rows with the summary as written, for a reader who may see the identity."""
    original = session.scalar(select(ProtectedText.original).where(
        ProtectedText.petition_id == petition.id, ProtectedText.kind == "summary"))
    if original is None:
        return register
    return [{**row, "value": original, "display": original} if row["name"] == "summary" else row
            for row in register]


def due_state(due_at: datetime | None, now: datetime) -> str | None:
    """``late`` past the deadline, ``soon`` within two days, ``ok`` otherwise (CSS ``due-*``)."""
    if due_at is None:
        return None
    if due_at < now:
        return "late"
    return "soon" if (due_at - now).total_seconds() < 2 * 86400 else "ok"


def _task_row(task: HumanTask, names, now: datetime) -> dict:
    return {"id": task.id, "name": task.name, "bpmn_id": task.bpmn_id,
            "assignee": task.assignee, "assignee_name": _name(names, task.assignee)
            if task.assignee else None,
            "role": task.candidate_role, "role_label": ROLES.get(task.candidate_role or "", "—"),
            "unit": task.candidate_unit, "due_at": vn_time(task.due_at),
            "due_state": due_state(task.due_at, now), "created_at": vn_time(task.created_at)}
