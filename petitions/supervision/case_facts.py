"""What the cover page and the steps of a case file say (petitions/supervision/case_export.py).

- the agency as it prints its name (``agency_for``: never a unit code);
- the parties by the identity rules of the person exporting: the senders of an ordinary petition
  with their ID number and address (the unit's own staff and its supervisors may read them); a
  sealed denouncer is always masked, because reading a sealed identity takes a reason and leaves
  an audit line (the history page's "Xem danh tính"), which an export never does;
- the dates an inspector looks for first (received, accepted, the legal deadline, closed) and the
  outcome, read from the case's data where the process recorded them;
- every human step with who did it, when, its legal deadline met or missed, and its documents.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import User
from engine.persistence.models import HumanTask
from engine.working_days import VN_TZ
from petitions.agencies.profiles import agency_for
from petitions.labels import vn_time
from petitions.persistence.models import PetitionDocument
from petitions.register import registration

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

# Data keys the shipped processes record, first found wins (labels come from their forms).
ACCEPTED_KEYS = ("accepted_on",)
DEADLINE_KEYS = ("resolution_due", "accept_due", "initial_due", "notice_due", "transfer_due")
OUTCOME_KEYS = ("decision_result", "conclusion_result", "completion_result", "route")
OUTCOME_DETAIL_KEYS = ("decision_number", "decision_date", "conclusion_number")
PARTY_KEYS = ("respondent", "accused_name")
CLOSED = ("completed", "terminated")


def _value(values: list[dict], keys: tuple[str, ...]) -> dict | None:
    by_name = {v["name"]: v for v in values}
    return next((by_name[k] for k in keys if k in by_name and by_name[k]["display"] != "—"), None)


def parties(ctx: "EngineContext", petition: dict | None, actor: "Actor") -> list[str]:
    """One line per sender (masked when sealed), by the exporting user's identity rules."""
    if not petition:
        return []
    lines = []
    for sender in registration.senders(ctx, petition["id"], actor):
        if sender["masked"]:
            lines.append(sender["name"])
            continue
        parts = [sender["name"]]
        if sender.get("is_representative"):
            parts[0] += " (người đại diện)"
        if sender.get("id_number"):
            parts.append(f"số định danh {sender['id_number']}")
        if sender.get("phone"):
            parts.append(f"điện thoại {sender['phone']}")
        if sender.get("address"):
            parts.append(f"địa chỉ: {sender['address']}")
        lines.append("; ".join(parts))
    return lines or ["Đơn không ghi tên người gửi"]


def _open_deadline(steps: list[dict]) -> str | None:
    """Without a deadline in the data, the nearest deadline of a step still open."""
    open_steps = [st for st in steps if st["done_at"] is None and st["due_at"] is not None
                  and st["on_time"] in ("Trong hạn", "Đang quá hạn")]
    if not open_steps:
        return None
    first = min(open_steps, key=lambda st: st["due_at"])
    return f"{first['due_at']:%d/%m/%Y} (hạn bước «{first['name']}»)"


def cover(ctx: "EngineContext", case: dict, actor: "Actor", steps: list[dict]) -> dict:
    """The cover page's facts (see the module docstring)."""
    petition, instance = case["petition"], case["instance"]
    values = case["as_of"]["values"]
    with ctx.uow(write=False) as uow:
        agency = agency_for(uow.session, petition["unit_code"] if petition else None)
    accepted, deadline = _value(values, ACCEPTED_KEYS), _value(values, DEADLINE_KEYS)
    outcome, detail = _value(values, OUTCOME_KEYS), _value(values, OUTCOME_DETAIL_KEYS)
    closed = instance["updated_at"] if instance["status"] in CLOSED else None
    other = [f"{v['label']}: {v['display']}" for v in values if v["name"] in PARTY_KEYS]
    return {
        "agency": agency, "parties": parties(ctx, petition, actor), "other_parties": other,
        "received_on": petition["received_on"].strftime("%d/%m/%Y") if petition else "—",
        "accepted_on": accepted["display"] if accepted else "Chưa thụ lý",
        "deadline": (f"{deadline['display']} ({deadline['label'].lower()})" if deadline
                     else _open_deadline(steps) or "—"),
        "closed_on": closed.strftime("%d/%m/%Y") if closed else "Chưa kết thúc",
        "outcome": (f"{outcome['label']}: {outcome['display']}"
                    + (f" ({detail['label']} {detail['display']})" if detail else ""))
        if outcome else (instance["status_label"] if closed else "Đang giải quyết"),
    }


def _on_time(task: HumanTask, now: datetime) -> str:
    if task.due_at is None:
        return "Không có hạn luật định"
    done = task.completed_at
    if done is None:
        if task.status == "ready":
            return "Đang quá hạn" if now > task.due_at else "Trong hạn"
        return "Không thực hiện (bước bị hủy)"
    if done <= task.due_at:
        return "Đúng hạn"
    late = (done.astimezone(VN_TZ).date() - task.due_at.astimezone(VN_TZ).date()).days
    return f"Quá hạn {late} ngày" if late > 0 else "Quá hạn"


def steps(ctx: "EngineContext", instance_id: int, petition_id: int | None, *,
          sealed: bool) -> tuple[list[dict], list[str]]:
    """The human steps in the order they opened, with their documents, and the documents of no
    step (the letter itself). A sealed petition's file names are replaced: a name may carry the
    denouncer's."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        session = uow.session
        tasks = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                                     .order_by(HumanTask.created_at, HumanTask.id)))
        docs = list(session.scalars(select(PetitionDocument).where(
            PetitionDocument.petition_id == petition_id).order_by(PetitionDocument.id))) \
            if petition_id is not None else []
        names = dict(session.execute(select(User.username, User.display_name).where(
            User.username.in_({t.completed_by for t in tasks if t.completed_by}))).all())
    by_task: dict[int | None, list[str]] = {}
    for i, doc in enumerate(docs):
        label = f"Tài liệu {i + 1}" if sealed else doc.file_name
        number = getattr(doc, "number", None)
        by_task.setdefault(getattr(doc, "task_id", None), []).append(
            f"{label} (số {number})" if number else label)
    rows = []
    for task in tasks:
        if task.status == "cancelled" and task.completed_at is None:
            continue
        rows.append({
            "name": task.name, "by": names.get(task.completed_by, task.completed_by or "—"),
            "done_at": vn_time(task.completed_at), "due_at": vn_time(task.due_at),
            "on_time": _on_time(task, now), "documents": by_task.get(task.id, [])})
    return rows, by_task.get(None, [])
