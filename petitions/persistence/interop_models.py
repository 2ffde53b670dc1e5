"""Tables of the register's exchanges with other systems (issue 20 §7): the letters an office
carried over from the register it kept before this system.

``petitions/persistence/models.py`` imports this module, so the one metadata and the migrations
see it. A row holds where a letter came from (the office's own number and date, the file and
its row), never a sender's identity: that lives in ``petition_senders`` as for any letter.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.database import Base, UTCDateTime


class PetitionImport(Base):
    """A letter carried over from an office's earlier register (XLSX/CSV): the periodic reports
    count it as carried over (domain-spec §10). The office's number and date within a unit
    identify the row, so a file imported twice registers nothing the second time."""

    __tablename__ = "petition_imports"
    __table_args__ = (UniqueConstraint("unit_code", "origin_number", "origin_received_on",
                                       name="uq_petition_imports_origin"),)

    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(100))
    origin_number: Mapped[str] = mapped_column(String(100))   # "Số vào sổ" of the old register
    origin_received_on: Mapped[date] = mapped_column(Date)
    source_name: Mapped[str] = mapped_column(String(255))      # the file's name, not its path
    source_sha256: Mapped[str] = mapped_column(String(64))
    source_row: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
