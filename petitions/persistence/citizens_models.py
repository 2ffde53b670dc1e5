"""Tables of the citizens' side (issue 18): tracking PINs, online letters, published results,
satisfaction answers and registrations for a public reception session.

They sit beside the register's tables (``petitions/persistence/models.py`` imports this module,
so the one metadata and the migrations see them); ``petitions/citizens/models.py`` re-exports
them for the citizens package. A citizen's contact details are encrypted at rest like a
sender's identity; a PIN is stored only as an argon2 hash.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.database import Base, UTCDateTime
from petitions.persistence.vault import EncryptedText


class TrackingPin(Base):
    """The secret PIN that goes with a letter's tracking code: only its hash. A new PIN (lost,
    forgotten) replaces the row; the old one stops working at once."""

    __tablename__ = "tracking_pins"

    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(200))


class OnlineLetter(Base):
    """A letter sent on the public form: the form's one-time key (a resent form creates nothing
    twice), the consent to personal-data processing, and the contact for notices."""

    __tablename__ = "online_letters"

    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), primary_key=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    email: Mapped[str | None] = mapped_column(EncryptedText("online_letters.email"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("online_letters.phone"))
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=False)


class CitizenContact(Base):
    """A contact a citizen gave at the desk for progress notices, with the consent the officer
    recorded (a letter sent online keeps its contact in ``online_letters``). The phone is the
    one to text; SMS only when the citizen asked for it."""

    __tablename__ = "citizen_contacts"

    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(EncryptedText("citizen_contacts.email"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("citizen_contacts.phone"))
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))


class Publication(Base):
    """One result published on the portal (/cong-khai): a copy made, redacted, when the
    publication step completed. Never changed afterwards; a withdrawal only hides it."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), index=True)
    source_task_id: Mapped[int] = mapped_column(Integer, unique=True)
    unit_code: Mapped[str] = mapped_column(String(100), index=True)
    agency_name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(40))       # complaint_decision | denunciation_conclusion
    level: Mapped[str | None] = mapped_column(String(20))   # complaints: first | second
    number: Mapped[str] = mapped_column(String(100))
    issued_on: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(500))
    content: Mapped[str] = mapped_column(Text)
    posted_on: Mapped[date] = mapped_column(Date, index=True)
    visible_until: Mapped[date] = mapped_column(Date)   # the legal minimum: 15 days
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))


class SatisfactionAnswer(Base):
    """A citizen's "satisfied / not satisfied" after a decision or closure (one per letter)."""

    __tablename__ = "satisfaction_answers"

    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(100), index=True)
    satisfied: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)   # redacted copy
    stage: Mapped[str] = mapped_column(String(30))     # decision | closed
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionRegistration(Base):
    """A citizen's registration for a public reception session, with a confirmation code."""

    __tablename__ = "session_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("reception_sessions.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(EncryptedText("session_registrations.name"))
    contact: Mapped[str] = mapped_column(EncryptedText("session_registrations.contact"))
    matter: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
