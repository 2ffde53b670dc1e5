"""Tables of citizen reception (tiếp công dân, issue 17): schedules, sessions, the reception book,
conclusions with their follow-up assignments, dialogue conferences.

They sit beside the register's tables (``petitions/persistence/models.py`` imports this module,
so the one metadata and the migrations see them); ``petitions/reception/models.py`` re-exports
them for the reception package. A citizen's identity is stored as the register stores a
sender's: encrypted at rest, the ID number also as a keyed hash for exact lookups.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, event)
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.database import Base, UTCDateTime
from petitions.persistence.vault import EncryptedText, blind_index_or_none


class ReceptionSchedule(Base):
    """One leader position's (or the desk's) published reception schedule, built from a rule."""

    __tablename__ = "reception_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(100), index=True)
    position: Mapped[str] = mapped_column(String(30))     # chairman | party_secretary | head | desk
    leader_name: Mapped[str] = mapped_column(String(200))
    weekday: Mapped[int | None] = mapped_column(Integer)   # 1 = Monday … 7 = Sunday
    monthly_days: Mapped[list] = mapped_column(JSON)       # [5, 28]
    morning: Mapped[str | None] = mapped_column(String(11))    # "07:30-11:30", None: no morning
    afternoon: Mapped[str | None] = mapped_column(String(11))  # "13:30-17:00"
    place: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceptionSession(Base):
    """One leader's (or the desk's) reception on one date: planned from a schedule or ad hoc."""

    __tablename__ = "reception_sessions"
    __table_args__ = (UniqueConstraint("schedule_id", "nominal_on", name="uq_reception_session_nominal"),
                      Index("ix_reception_sessions_unit_day", "unit_code", "held_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(100))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("reception_schedules.id"))
    nominal_on: Mapped[date | None] = mapped_column(Date)   # the rule's date before any move
    kind: Mapped[str] = mapped_column(String(20))           # regular | periodic | ad_hoc
    position: Mapped[str] = mapped_column(String(30))
    leader_name: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[str] = mapped_column(String(30))          # "07:30-11:30, 13:30-17:00"
    place: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))         # planned | held | cancelled
    moved_from: Mapped[date | None] = mapped_column(Date)
    change_reason: Mapped[str | None] = mapped_column(Text)
    held_by: Mapped[str | None] = mapped_column(String(20))   # in_person | deputy
    deputy_name: Mapped[str | None] = mapped_column(String(200))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    notice_sent_on: Mapped[date | None] = mapped_column(Date)   # online: ≥ 5 working days ahead
    recording_ref: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceptionBookCounter(Base):
    """The reception book of one unit and year: the last sequence number given, row-locked."""

    __tablename__ = "reception_book_counters"

    unit_code: Mapped[str] = mapped_column(String(100), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ReceptionVisit(Base):
    """One row of the reception book (sổ tiếp công dân, LTCD Điều 25.2): one visit, whatever came
    of it."""

    __tablename__ = "reception_visits"
    __table_args__ = (UniqueConstraint("unit_code", "year", "seq", name="uq_reception_visit_seq"),
                      Index("ix_reception_visits_unit_day", "unit_code", "visited_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    visited_on: Mapped[date] = mapped_column(Date)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("reception_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))           # regular | periodic | ad_hoc
    leader_name: Mapped[str | None] = mapped_column(String(200))
    people: Mapped[int] = mapped_column(Integer, default=1)
    representatives: Mapped[int] = mapped_column(Integer, default=0)
    petition_type: Mapped[str] = mapped_column(String(20))  # complaint | denunciation | …
    content: Mapped[str] = mapped_column(Text)              # citizens' identities cut out
    prior_handling: Mapped[str | None] = mapped_column(Text)
    request: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))        # guided | letter | transferred | refused
    outcome_note: Mapped[str | None] = mapped_column(Text)
    transferred_to: Mapped[str | None] = mapped_column(String(500))
    refusal_ground: Mapped[str | None] = mapped_column(String(30))
    petition_id: Mapped[int | None] = mapped_column(ForeignKey("petitions.id"))
    identity_sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text)          # diacritic-free content, for search
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceptionCitizen(Base):
    """A citizen of a visit (or a group's representative): identity encrypted at rest."""

    __tablename__ = "reception_citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("reception_visits.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(EncryptedText("reception_citizens.name"))
    id_number: Mapped[str | None] = mapped_column(EncryptedText("reception_citizens.id_number"))
    province_code: Mapped[str | None] = mapped_column(String(10))
    ward_code: Mapped[str | None] = mapped_column(String(10))
    address_detail: Mapped[str | None] = mapped_column(
        EncryptedText("reception_citizens.address_detail"))
    is_representative: Mapped[bool] = mapped_column(Boolean, default=False)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)


@event.listens_for(ReceptionCitizen, "before_insert")
@event.listens_for(ReceptionCitizen, "before_update")
def _citizen_blind_index(_mapper, _connection, citizen: ReceptionCitizen) -> None:
    citizen.id_number_hash = blind_index_or_none("id_number", citizen.id_number)


class DialogueConference(Base):
    """A dialogue conference (hội nghị đối thoại, seed 004): chair, participant groups, minutes."""

    __tablename__ = "dialogue_conferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(500))
    chair: Mapped[str] = mapped_column(String(300))
    participant_groups: Mapped[list] = mapped_column(JSON)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(500))
    minutes: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceptionConclusion(Base):
    """A leader's conclusion notice (thông báo kết luận) after a session or a conference; its
    assignments run in the ``conclusion_followup`` process (``instance_id``)."""

    __tablename__ = "reception_conclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(100), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("reception_sessions.id"))
    conference_id: Mapped[int | None] = mapped_column(ForeignKey("dialogue_conferences.id"))
    number: Mapped[str] = mapped_column(String(60))         # "12/TB-UBND"
    issued_on: Mapped[date] = mapped_column(Date)
    leader_name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    # The Fatherland Front's monitoring of this conclusion (seed 004), latest record.
    front_monitoring: Mapped[str | None] = mapped_column(Text)
    front_monitored_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConclusionAssignment(Base):
    """One task a conclusion gives a unit: owner, deadline, required result."""

    __tablename__ = "reception_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    conclusion_id: Mapped[int] = mapped_column(ForeignKey("reception_conclusions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(300))
    task: Mapped[str] = mapped_column(Text)
    required_result: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
