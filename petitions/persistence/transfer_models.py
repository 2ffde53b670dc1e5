"""Letters transferred to another unit (issue 20 §5): one row per transfer.

``petitions/persistence/models.py`` imports this module, so the one metadata and the migrations
see it. The row is the sending unit's read-only trace (what it sent, to whom, when) and the
receiving unit's record of where the letter came from. It holds the register line as already cut
of identities and a summary of the history (event kinds and times), never a sender's identity:
that stays in ``petition_senders``, sealed as before.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.database import Base, UTCDateTime


class CaseTransfer(Base):
    """A letter moved from one unit to another. Unique by the origin's agency and number: a
    letter is transferred only once (Luật Tố cáo Điều 24.2; Luật Tiếp công dân Điều 26.2)."""

    __tablename__ = "case_transfers"
    __table_args__ = (UniqueConstraint("origin_agency", "origin_number",
                                       name="uq_case_transfer_origin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    origin_agency: Mapped[str] = mapped_column(String(100))    # the sending unit's code
    origin_number: Mapped[str] = mapped_column(String(30))
    tracking_code: Mapped[str] = mapped_column(String(20), index=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), index=True)
    to_unit: Mapped[str] = mapped_column(String(100), index=True)
    from_instance_id: Mapped[int | None] = mapped_column(Integer)
    to_instance_id: Mapped[int | None] = mapped_column(Integer)
    slip_number: Mapped[str] = mapped_column(String(60))
    slip_on: Mapped[date | None] = mapped_column(Date)
    step: Mapped[str] = mapped_column(String(200))             # the BPMN step that sent it
    register: Mapped[dict] = mapped_column(JSON)               # the register line as sent
    history: Mapped[list] = mapped_column(JSON)                # [{"at", "kind", "step"}]
    documents: Mapped[list] = mapped_column(JSON)              # shown file names
    sent_by: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrustedAgency(Base):
    """An agency whose case packages this one accepts (issue 20 §4), configured by an
    administrator: its Ed25519 signing key, and its X25519 key to seal identities sent to it.
    Removing keeps the row (``removed_at``): the audit says who trusted whom, when."""

    __tablename__ = "trusted_agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    signing_key: Mapped[str] = mapped_column(String(100))          # base64, 32 raw bytes
    sealing_key: Mapped[str | None] = mapped_column(String(100))   # base64, 32 raw bytes
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_by: Mapped[str | None] = mapped_column(String(200))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
