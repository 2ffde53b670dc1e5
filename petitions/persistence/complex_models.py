"""Tables of the register of complex, long-standing and backlog cases (vụ việc phức tạp, kéo dài,
tồn đọng; issue 19 §2, seeds 001 and 003): one entry per petition with its plan, owner and working
group, a roadmap of dated milestones, and one report per quarter.

Imported by ``petitions/persistence/models.py`` so the one metadata and the migrations see them.
Free texts are stored as the copy with the senders' identities cut out (write-time redaction,
``petitions.supervision.complex.cases``): nothing here names a denouncer.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.database import Base, UTCDateTime


class ComplexCase(Base):
    """One petition entered in its unit's register of complex cases."""

    __tablename__ = "complex_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One entry per petition: entering it twice would split its roadmap and its reports.
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), unique=True)
    unit_code: Mapped[str] = mapped_column(String(100), index=True)
    markers: Mapped[list] = mapped_column(JSON)             # complex | long_running | backlog | …
    source: Mapped[str] = mapped_column(String(20))         # candidate | decision
    reason: Mapped[str] = mapped_column(Text)
    plan: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))  # a username of the unit
    working_group: Mapped[list] = mapped_column(JSON)       # usernames of the unit
    status: Mapped[str] = mapped_column(String(20))         # open | resolved | removed
    status_note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_on: Mapped[date | None] = mapped_column(Date)


class ComplexMilestone(Base):
    """One dated step of an entry's roadmap (lộ trình giải quyết)."""

    __tablename__ = "complex_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("complex_cases.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))         # planned | in_progress | done | cancelled
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ComplexQuarterReport(Base):
    """An entry's report for one quarter: the officer's text and the roadmap's figures as they
    stood when it was written (a later rewrite replaces both, audited)."""

    __tablename__ = "complex_quarter_reports"
    __table_args__ = (UniqueConstraint("case_id", "year", "quarter",
                                       name="uq_complex_quarter_report"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("complex_cases.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict] = mapped_column(JSON)
    written_by: Mapped[str] = mapped_column(String(200))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
