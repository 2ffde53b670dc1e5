"""Tables of the petition domain. They share the kernel's ``Base.metadata``: one schema, one
set of migrations (``petitions/persistence/migrations``).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String,
                        Text, UniqueConstraint, event)
from sqlalchemy.orm import Mapped, mapped_column

import engine.accounts.models  # noqa: F401  (the kernel's tables: one metadata, one schema)
import engine.persistence.models  # noqa: F401
from engine.persistence.database import Base, UTCDateTime
from petitions.persistence.vault import EncryptedText, blind_index_or_none


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
        # Supervisors' search (petitions/supervision/search.py, migration 0006).
        Index("ix_petitions_received_cover", "received_on", "id",
              postgresql_include=["instance_id", "petition_type", "field", "unit_code",
                                  "search_text"]),
        Index("ix_petitions_field_received", "field", "received_on"),
        # The dashboard's counts by unit, type and field, and by status through the instance
        # (migration 0024): index-only, without reading the wide rows.
        Index("ix_petitions_unit_type_field", "unit_code", "petition_type", "field",
              postgresql_include=["instance_id"]),
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
    """A sender of a letter. Identity fields are encrypted at rest (petitions/persistence/vault.py) for
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
    # Issue 16: a file added at a handling step (signed scan of an issued form, minutes, evidence).
    kind: Mapped[str] = mapped_column(String(20), default="letter")  # letter | issued | attachment
    task_id: Mapped[int | None] = mapped_column(Integer)
    step: Mapped[str | None] = mapped_column(String(200))            # BPMN task id
    form_code: Mapped[str | None] = mapped_column(String(40))
    number: Mapped[str | None] = mapped_column(String(60))          # "15/TB-UBND"
    issued_on: Mapped[date | None] = mapped_column(Date)


class DocumentTemplate(Base):
    """An administrator's version of a form template (.docx); version 1 of every form is the file
    shipped in ``processes/forms``. Versions are never changed: documents issued with one keep it."""

    __tablename__ = "document_templates"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_document_template_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutgoingCounter(Base):
    """The outgoing register (sổ văn bản đi) of one unit and year: the last number given,
    row-locked while the next is taken."""

    __tablename__ = "outgoing_counters"

    unit_code: Mapped[str] = mapped_column(String(100), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class OutgoingDocument(Base):
    """One entry of the outgoing register: a number given to a form issued at a step."""

    __tablename__ = "outgoing_documents"
    __table_args__ = (UniqueConstraint("unit_code", "year", "seq", name="uq_outgoing_number"),
                      UniqueConstraint("task_id", "form_code", name="uq_outgoing_task_form"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(60))
    form_code: Mapped[str] = mapped_column(String(40))
    template_version: Mapped[int] = mapped_column(Integer)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), index=True)
    task_id: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)


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


class AgencyProfile(Base):
    """How a unit (kernel ``units`` row) is named on documents and receipts (NĐ 30/2020): its full
    name, the body above it, its address and the head who signs. One row per unit, optional: a
    unit without one prints its ``units.name``."""

    __tablename__ = "agency_profiles"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(500))          # "Ủy ban nhân dân xã An Phú"
    short_name: Mapped[str | None] = mapped_column(String(100))  # for the number: "UBND"
    parent_body: Mapped[str | None] = mapped_column(String(500))  # "UBND huyện Châu Thành"
    place_name: Mapped[str | None] = mapped_column(String(200))  # the date line: "An Phú"
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(320))
    head_position: Mapped[str | None] = mapped_column(String(200))  # "Chủ tịch"
    head_name: Mapped[str | None] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Citizen reception's tables (issue 17) live in their own module of this package; importing it
# here puts them on the one metadata everything that imports the models sees.
import petitions.persistence.reception_models  # noqa: E402,F401
# The citizens' side's tables (issue 18), the same way.
import petitions.persistence.citizens_models  # noqa: E402,F401
# The register of complex, long-running cases (issue 19 §2), the same way.
import petitions.persistence.complex_models  # noqa: E402,F401
# Letters carried over from an office's earlier register (issue 20 §7), the same way.
import petitions.persistence.interop_models  # noqa: E402,F401
# Letters transferred between units (issue 20 §5), the same way.
import petitions.persistence.transfer_models  # noqa: E402,F401
# The API's machine clients (issue 20): a kernel table, on the same metadata.
import engine.accounts.api_clients  # noqa: E402,F401
