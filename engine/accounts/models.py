"""Tables of accounts: units, users, roles, sessions, login throttling, head delegations."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.persistence.database import Base, UTCDateTime, utcnow


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


class SupervisionScope(Base):
    """A unit (and the units below it) that a supervisor oversees besides their own unit's subtree
    (issue 15, migration 0015): an inspectorate overseeing communes outside its own branch."""

    __tablename__ = "supervision_scopes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
