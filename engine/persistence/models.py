"""Tables of the kernel. Schema changes go through Alembic, whose migrations live with the
application that owns the whole schema (docs/architecture.md, "Tables")."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.database import Base, UTCDateTime, utcnow


class ProcessDefinition(Base):
    """One deployed version of one process key; the spec is stored once here, not per instance."""

    __tablename__ = "process_definitions"
    __table_args__ = (
        UniqueConstraint("process_key", "version", name="uq_definition_key_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str | None] = mapped_column(String(200))
    deployed_by: Mapped[str] = mapped_column(String(200))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    files: Mapped[dict] = mapped_column(JSON)          # file name -> BPMN/DMN text
    spec_json: Mapped[str] = mapped_column(Text)       # serialized spec + subprocess specs
    forms: Mapped[dict] = mapped_column(JSON)          # user task bpmn id -> form declaration
    lane_roles: Mapped[dict] = mapped_column(JSON)     # lane name -> role code
    task_units: Mapped[dict] = mapped_column(JSON)     # user task bpmn id -> unit expression


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    # The supervisors' "last activity" filter and the reports' "closed during the period"
    # (migration 0024, bench/scale_bench.py).
    __table_args__ = (Index("ix_process_instances_updated_at", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    # The agency that owns the case: its tasks default to it and only its people see it. None for
    # a process that belongs to no agency (started by an operator), visible by role alone.
    unit_code: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(Text)           # workflow state without its spec
    error_message: Mapped[str | None] = mapped_column(Text)
    error_task: Mapped[str | None] = mapped_column(String(200))
    error_line: Mapped[int | None] = mapped_column(Integer)
    status_reason: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Head of this instance's audit chain, kept on the row that is locked anyway.
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    overdue_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The correlation key values the workflow holds (engine/running/correlation.py), copied at every
    # save: a message without a business key finds its instance without loading workflows.
    correlations: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    # Optimistic lock: a stale UPDATE matches no row and the unit of work rolls back.
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": row_version}


def _where(condition: str) -> dict:
    """The condition of a partial index, on both backends."""
    return {"postgresql_where": text(condition), "sqlite_where": text(condition)}


class HumanTask(Base):
    """A READY (or formerly ready) user/manual task mirrored from the workflow state."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_guid", name="uq_human_task_guid"),
        Index("ix_human_tasks_status_role", "status", "candidate_role"),
        Index("ix_human_tasks_assignee_status", "assignee", "status"),
        Index("ix_human_tasks_status_due", "status", "due_at"),
        Index("ix_human_tasks_status_reminder", "status", "next_reminder_at"),
        # The inbox views (migration 0005): partial, covering, in each view's order.
        Index("ix_human_tasks_mine", "assignee", "due_at", "id", "instance_id",
              **_where("status = 'ready'")),
        Index("ix_human_tasks_queue", "candidate_role", "due_at", "id", "candidate_unit",
              "instance_id", **_where("status = 'ready' AND assignee IS NULL")),
        Index("ix_human_tasks_ready_due", "due_at", "id", "assignee", "candidate_role",
              "candidate_unit", "instance_id", **_where("status = 'ready'")),
        Index("ix_human_tasks_done", "completed_by", "completed_at", "id", "instance_id",
              **_where("status = 'completed'")),
        # The dashboard's on-time rates (migration 0024): an index-only walk of the completed
        # steps that had a due date, not of the whole (wide) table.
        Index("ix_human_tasks_on_time", "completed_by", "candidate_unit",
              postgresql_include=["completed_at", "due_at"],
              **_where("status = 'completed' AND due_at IS NOT NULL "
                       "AND completed_by IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    lane: Mapped[str | None] = mapped_column(String(200))
    candidate_role: Mapped[str | None] = mapped_column(String(50))
    candidate_unit: Mapped[str | None] = mapped_column(String(100))
    assignee: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))    # ready | completed | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(200))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the deadline monitor should next look at this task (reminder or overdue).
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Timer(Base):
    """A waiting timer event; the database row, not Redis, is the source of truth."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_guid", name="uq_timer_task"),
        Index("ix_timers_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))      # boundary | intermediate | event_gateway | start
    attached_to: Mapped[str | None] = mapped_column(String(200))  # bpmn id of the task it guards
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))    # pending | fired | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Firing that failed: how often, and when the sweep may try again (engine/work/timers.py back-off).
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Append-only; each row's hash covers its content and the previous row's hash in its chain."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("chain", "seq", name="uq_audit_chain_seq"),
        # The periodic reports read only these events of each letter (migration 0024): a few
        # index entries per instance instead of every event of its chain.
        Index("ix_audit_events_report", "instance_id", "seq",
              **_where("event_type IN ('task_completed_by_user', 'instance_terminated')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    event_type: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """Heads of the chains that are not an instance's (deployments, users)."""

    __tablename__ = "audit_chain_heads"

    chain: Mapped[str] = mapped_column(String(100), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    head: Mapped[str] = mapped_column(String(64), default="")


class CalendarOverride(Base):
    """A government swap of working days: an extra day off, or a make-up working day."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))      # off | work
    note: Mapped[str | None] = mapped_column(String(500))


class ReminderPolicy(Base):
    """How many working days before a step's due date its assignee is reminded ('*' = every step)."""

    __tablename__ = "reminder_policies"
    __table_args__ = (UniqueConstraint("process_key", "bpmn_id", name="uq_reminder_policy"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200))
    bpmn_id: Mapped[str] = mapped_column(String(200), default="*")
    days_before: Mapped[int] = mapped_column(Integer, default=2)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class TaskReminder(Base):
    """One row per reminder kind sent for a task: the unique key makes sending idempotent."""

    __tablename__ = "task_reminders"
    __table_args__ = (UniqueConstraint("task_id", "kind", name="uq_task_reminder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))       # before | due_day | overdue
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Escalation(Base):
    """An overdue step reported to the head of unit; what supervisors watch."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_open", "resolved_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(200))
    task_name: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notified: Mapped[list] = mapped_column(JSON)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TaskDraft(Base):
    """Unsaved form data an officer kept for later ("lưu nháp"); one per task and user."""

    __tablename__ = "task_drafts"
    __table_args__ = (UniqueConstraint("task_id", "username", name="uq_task_draft"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    username: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundMessage(Base):
    """A message or signal delivered from outside (engine/running/messages.py): delivered once per
    ``message_id``; one that reached no waiting instance is kept as ``unmatched``."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))        # message | signal
    name: Mapped[str] = mapped_column(String(200))
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20))      # delivered | unmatched
    instance_ids: Mapped[list] = mapped_column(JSON, default=list)
    received_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
