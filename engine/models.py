"""Tables of the engine. Schema changes go through Alembic (engine/migrations)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, event, text)
from sqlalchemy.orm import Mapped, mapped_column

from engine.database import Base, UTCDateTime, utcnow
from engine.identity_vault import EncryptedText, blind_index_or_none


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
        # The inbox views (engine/inbox.py, migration 0005): partial, covering, in each view's order.
        Index("ix_human_tasks_mine", "assignee", "due_at", "id", "instance_id",
              **_where("status = 'ready'")),
        Index("ix_human_tasks_queue", "candidate_role", "due_at", "id", "candidate_unit",
              "instance_id", **_where("status = 'ready' AND assignee IS NULL")),
        Index("ix_human_tasks_ready_due", "due_at", "id", "assignee", "candidate_role",
              "candidate_unit", "instance_id", **_where("status = 'ready'")),
        Index("ix_human_tasks_done", "completed_by", "completed_at", "id", "instance_id",
              **_where("status = 'completed'")),
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
    # Firing that failed: how often, and when the sweep may try again (engine/timers.py back-off).
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Append-only; each row's hash covers its content and the previous row's hash in its chain."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_audit_chain_seq"),)

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


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(500))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    password_hash: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(50), primary_key=True)


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


class Notification(Base):
    """In-app notification for one user."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "username", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboundEmail(Base):
    """The email outbox: written with the change that causes it, sent by the workers."""

    __tablename__ = "outbound_emails"
    __table_args__ = (Index("ix_outbound_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))     # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PetitionCounter(Base):
    """Per-year petition numbering, locked while a number is taken."""

    __tablename__ = "petition_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Petition(Base):
    """A letter as registered (sổ tiếp nhận): the register fields of the domain spec §8.

    The sender's identity is NOT in the workflow data: it lives in ``petition_senders`` only, so
    it never reaches task data, audit payloads or published texts, and a denunciation's senders
    can be sealed (LTC Điều 8.3, 56.2).
    """

    __tablename__ = "petitions"
    __table_args__ = (
        Index("ix_petitions_type_received", "petition_type", "received_on"),
        Index("ix_petitions_unit_received", "unit_code", "received_on"),
        # Supervisors' search (engine/search.py, migration 0006).
        Index("ix_petitions_received_cover", "received_on", "id",
              postgresql_include=["instance_id", "petition_type", "field", "unit_code",
                                  "search_text"]),
        Index("ix_petitions_field_received", "field", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    received_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(30))
    forwarder_kind: Mapped[str] = mapped_column(String(20), default="none")
    forwarded_by: Mapped[str | None] = mapped_column(String(500))
    petition_type: Mapped[str] = mapped_column(String(20))
    field: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(500))
    priority_markers: Mapped[list] = mapped_column(JSON)
    signers: Mapped[int] = mapped_column(Integer, default=1)
    remote_area: Mapped[bool] = mapped_column(Boolean, default=False)
    identity_sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_code: Mapped[str | None] = mapped_column(String(100))
    # Who resolves a denunciation and so may read its denouncer: the owning unit's head, or the
    # unit above when the head is the one denounced (LTC Điều 12–13). None: the owning unit.
    resolver_unit_code: Mapped[str | None] = mapped_column(String(100))
    search_text: Mapped[str] = mapped_column(Text)  # diacritic-free, for duplicate detection
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PetitionSender(Base):
    """A sender of a letter. Identity fields are encrypted at rest (engine/identity_vault.py) for
    every letter; exact searches go through the keyed hashes, filled on every write."""

    __tablename__ = "petition_senders"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(EncryptedText("petition_senders.name"))
    id_number: Mapped[str | None] = mapped_column(EncryptedText("petition_senders.id_number"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("petition_senders.phone"))
    ethnicity: Mapped[str | None] = mapped_column(EncryptedText("petition_senders.ethnicity"))
    province_code: Mapped[str | None] = mapped_column(String(10))
    ward_code: Mapped[str | None] = mapped_column(String(10))
    address_detail: Mapped[str | None] = mapped_column(
        EncryptedText("petition_senders.address_detail"))
    is_representative: Mapped[bool] = mapped_column(Boolean, default=False)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)


@event.listens_for(PetitionSender, "before_insert")
@event.listens_for(PetitionSender, "before_update")
def _sender_blind_indexes(_mapper, _connection, sender: PetitionSender) -> None:
    # Recomputed on every write, so a corrected number is found by its new value only.
    sender.id_number_hash = blind_index_or_none("id_number", sender.id_number)
    sender.phone_hash = blind_index_or_none("phone", sender.phone)


class PetitionDocument(Base):
    __tablename__ = "petition_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(300))     # as shown (sanitised)
    stored_name: Mapped[str] = mapped_column(String(100))   # random name on disk
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PetitionLink(Base):
    """A suggested or confirmed link between petitions (duplicate or related)."""

    __tablename__ = "petition_links"
    __table_args__ = (UniqueConstraint("petition_id", "other_id", name="uq_petition_link"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"))
    kind: Mapped[str] = mapped_column(String(20))           # duplicate | related
    score: Mapped[float | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))         # linked | dismissed
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaskDraft(Base):
    """Unsaved form data an officer kept for later ("lưu nháp"); one per task and user."""

    __tablename__ = "task_drafts"
    __table_args__ = (UniqueConstraint("task_id", "username", name="uq_task_draft"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    username: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


# -- Security issue §6: server-side sessions, login throttling, idempotent forms (migration 0009) --
class LoginSession(Base):
    """One login: the browser's cookie holds a random id, only its SHA-256 is stored here.

    Logging out, deactivating the user or changing their password sets ``revoked_at``; a cookie
    captured earlier then loads no user (webapp/auth).
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_open", "username", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(50))


class LoginFailure(Base):
    """Failed-login counter of one account name (``user:<name>``, existing or not) or one address
    (``ip:<addr>``); the back-off runs until ``locked_until``."""

    __tablename__ = "login_failures"

    subject: Mapped[str] = mapped_column(String(250), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SubmissionKey(Base):
    """A form's one-time submission key, reserved before the handler runs (the primary key makes
    a second POST with the same key wait for, then replay, the first one's result)."""

    __tablename__ = "submission_keys"
    __table_args__ = (Index("ix_submission_keys_created", "created_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))          # pending | done
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_location: Mapped[str | None] = mapped_column(Text)
    response_type: Mapped[str | None] = mapped_column(String(200))
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProtectedText(Base):
    """The original of a free text that may quote a sender (summary, form text, file name).

    The text shown everywhere (the register row, workflow data, audit payloads, file names) is the
    redacted copy made when it was written; the original is kept here, encrypted, for the readers
    the law allows (LTC Điều 8, 47–48). Audit payloads refer to it by id, never carry its text.
    """

    __tablename__ = "protected_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))      # summary | document | field | draft | reason
    ref: Mapped[str | None] = mapped_column(String(200))  # e.g. "task:12:proposal_note", "doc:3"
    redacted: Mapped[str] = mapped_column(Text)
    original: Mapped[str] = mapped_column(EncryptedText("protected_texts.original"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HeadDelegation(Base):
    """An acting head for a recorded period: during it the acting user holds the head's rights in
    the unit, the identity right included (issue 12 §3)."""

    __tablename__ = "head_delegations"
    __table_args__ = (Index("ix_head_delegations_acting", "acting_username", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(100))
    head_username: Mapped[str] = mapped_column(String(200))
    acting_username: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdentityGrant(Base):
    """The resolver lets one person read a case's sealed identity, with a reason, until a date."""

    __tablename__ = "identity_grants"
    __table_args__ = (Index("ix_identity_grants_petition_grantee", "petition_id", "grantee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"))
    grantee: Mapped[str] = mapped_column(String(200))
    granted_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)              # the redacted copy
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(200))


class InboundMessage(Base):
    """A message or signal delivered from outside (engine/messages.py): delivered once per
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
