"""The markers officers already record that make a letter a candidate for the register of
complex cases (issue 19 §2), read from what the engine stored.

Where the markers come from (what officers already record, issue 19 §2):
- the register's "Dấu hiệu cần ưu tiên" at registration (``Petition.priority_markers``):
  "Phức tạp, kéo dài" → complex + long_running, "Đông người" → mass, "Nguy cơ hình thành điểm
  nóng" → hot_spot;
- the complaint's acceptance "Vụ việc phức tạp" (``Task_kn_accept``, field ``complex_case``,
  read from the step's ``task_completed_by_user`` audit event) → complex;
- a denunciation's extension for a complex case (``Task_den_extension`` completed) → complex;
- a step of the case still open past its due date (``human_tasks``) → backlog (tồn đọng).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from engine.persistence.models import AuditEvent, HumanTask
from petitions.persistence.models import Petition

MARKERS = {"complex": "Phức tạp", "long_running": "Kéo dài", "backlog": "Tồn đọng",
           "mass": "Đông người", "hot_spot": "Nguy cơ điểm nóng"}
PRIORITY_MARKERS = {"complex_case": ("complex", "long_running"), "mass_case": ("mass",),
                    "hot_spot": ("hot_spot",)}
ACCEPT_STEP, EXTENSION_STEP = "Task_kn_accept", "Task_den_extension"
CLOSED = ("completed", "terminated")
CHUNK = 500


def marker_labels(codes: Iterable[str]) -> str:
    return ", ".join(MARKERS[c] for c in MARKERS if c in set(codes))


def candidate_markers(session, petitions: list[Petition], now: datetime) -> dict[int, list[str]]:
    """petition id -> the markers officers set on it (empty petitions left out)."""
    found: dict[int, set[str]] = {}
    for p in petitions:
        for marker in p.priority_markers or []:
            found.setdefault(p.id, set()).update(PRIORITY_MARKERS.get(marker, ()))
    by_instance = {p.instance_id: p.id for p in petitions if p.instance_id}
    ids = sorted(by_instance)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        step = AuditEvent.payload["bpmn_id"].as_string()
        for instance_id, payload in session.execute(
                select(AuditEvent.instance_id, AuditEvent.payload).where(
                    AuditEvent.instance_id.in_(chunk),
                    AuditEvent.event_type == "task_completed_by_user", step == ACCEPT_STEP)):
            if ((payload or {}).get("after") or {}).get("complex_case") is True:
                found.setdefault(by_instance[instance_id], set()).add("complex")
        for instance_id, bpmn_id in session.execute(
                select(HumanTask.instance_id, HumanTask.bpmn_id).where(
                    HumanTask.instance_id.in_(chunk), or_(
                        and_(HumanTask.bpmn_id == EXTENSION_STEP,
                             HumanTask.status == "completed"),
                        and_(HumanTask.status == "ready", HumanTask.due_at < now)))):
            found.setdefault(by_instance[instance_id], set()).add(
                "complex" if bpmn_id == EXTENSION_STEP else "backlog")
    return {pid: [m for m in MARKERS if m in marks] for pid, marks in found.items() if marks}
