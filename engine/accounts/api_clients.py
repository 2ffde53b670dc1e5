"""Machine clients of the API: a token bound to a unit and roles, shown once, stored hashed.

A token acts as ``Actor("api:<name>", roles, unit)``: the same actor type every handler takes, so
the rules that apply to a user with those roles in that unit apply to the token, no more. Only
the SHA-256 of the token is kept (the secret has 256 bits of entropy: a plain hash suffices, no
slow password hash on every request). Creation, revocation and every use are audited on the
``api_clients`` chain under the client's name.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import JSON, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from engine.accounts.actor import Actor
from engine.accounts.models import Unit
from engine.accounts.roles import SUPERVISOR
from engine.accounts.units import units_below
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Conflict, InvalidInput, NotFound
from engine.persistence.database import Base, UTCDateTime

if TYPE_CHECKING:
    from engine.context import EngineContext

API_CHAIN = "api_clients"
ACTOR_PREFIX = "api:"
TOKEN_PREFIX = "pt_"
NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{1,99}")
MAX_EXPIRY_DAYS = 3650


class ApiClient(Base):
    """One token of one machine client (a new token for the same client is a new name)."""

    __tablename__ = "api_clients"
    __table_args__ = (Index("ix_api_clients_token_hash", "token_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def actor_name(client_name: str) -> str:
    """The name audit events carry for a client's actions."""
    return ACTOR_PREFIX + client_name


def _row(client: ApiClient, now: datetime) -> dict:
    state = "revoked" if client.revoked_at else (
        "expired" if client.expires_at and client.expires_at <= now else "active")
    return {"name": client.name, "unit": client.unit_code, "roles": sorted(client.roles),
            "created_by": client.created_by, "created_at": client.created_at.isoformat(),
            "expires_at": client.expires_at.isoformat() if client.expires_at else None,
            "revoked_at": client.revoked_at.isoformat() if client.revoked_at else None,
            "last_used_at": client.last_used_at.isoformat() if client.last_used_at else None,
            "state": state}


def create(ctx: "EngineContext", name: str, unit: str, roles: Iterable[str], *, actor: str,
           expires_days: int | None = None) -> dict:
    """A new client and its token; the token is in the result only (never stored, never shown
    again)."""
    name = (name or "").strip()
    if not NAME.fullmatch(name):
        raise InvalidInput("Tên ứng dụng phải có 2–100 ký tự: chữ thường, số, '.', '_' hoặc '-'")
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ctx.roles]
    if unknown or not roles:
        raise InvalidInput(f"Vai trò không hợp lệ: {', '.join(unknown) or '(trống)'} "
                           f"(có: {', '.join(ctx.roles)})")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise InvalidInput(f"Số ngày hiệu lực phải từ 1 đến {MAX_EXPIRY_DAYS}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = uow.session
        if session.scalar(select(Unit.id).where(Unit.code == unit)) is None:
            raise InvalidInput(f"Không có đơn vị '{unit}'")
        if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
            raise Conflict(f"Ứng dụng '{name}' đã có; thu hồi nó hoặc chọn tên khác")
        client = ApiClient(name=name, token_hash=token_hash(token), unit_code=unit, roles=roles,
                           created_by=actor, created_at=now,
                           expires_at=now + timedelta(days=expires_days) if expires_days else None)
        session.add(client)
        audit.append_chain_event(session, API_CHAIN, PendingEvent(
            "api_client_created", actor, {"name": name, "unit": unit, "roles": roles,
                                          "expires_days": expires_days}),
            now, lock=uow.dialect == "postgresql")
        session.flush()
        result = _row(client, now)
        uow.commit()
    return {**result, "token": token}


def list_clients(ctx: "EngineContext") -> list[dict]:
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        return [_row(c, now) for c in uow.session.scalars(select(ApiClient).order_by(ApiClient.name))]


def revoke(ctx: "EngineContext", name: str, *, actor: str) -> dict:
    """The token stops working at once; the row stays, for the audit trail's names."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        client = uow.session.scalars(select(ApiClient).where(ApiClient.name == name)).first()
        if client is None:
            raise NotFound(f"Không tìm thấy ứng dụng '{name}'")
        if client.revoked_at is None:
            client.revoked_at = now
            audit.append_chain_event(uow.session, API_CHAIN, PendingEvent(
                "api_client_revoked", actor, {"name": name}), now,
                lock=uow.dialect == "postgresql")
        result = _row(client, now)
        uow.commit()
    return result


def authenticate(ctx: "EngineContext", token: str) -> Actor | None:
    """The actor of a live token (None for an unknown, expired or revoked one). Roles and unit
    come from the stored row; a supervisor token oversees the units below its unit, as a
    supervisor user of that unit does (``engine.accounts.units``)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        client = uow.session.scalars(select(ApiClient).where(
            ApiClient.token_hash == token_hash(token))).first()
        if client is None or client.revoked_at is not None or (
                client.expires_at is not None and client.expires_at <= now):
            return None
        unit_id = uow.session.scalar(select(Unit.id).where(Unit.code == client.unit_code))
        supervised = units_below(uow.session, unit_id) \
            if SUPERVISOR in client.roles and unit_id is not None else frozenset()
        return Actor(username=actor_name(client.name), roles=frozenset(client.roles),
                     unit=client.unit_code, supervised=supervised)


def record_use(ctx: "EngineContext", client_name: str, *, method: str, endpoint: str,
               status: int) -> None:
    """One audited use (never the query string or body: they may carry a searched identity)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        client = uow.session.scalars(select(ApiClient).where(ApiClient.name == client_name)).first()
        if client is not None:
            client.last_used_at = now
        audit.append_chain_event(uow.session, API_CHAIN, PendingEvent(
            "api_request", actor_name(client_name),
            {"method": method, "endpoint": endpoint, "status": status}),
            now, lock=uow.dialect == "postgresql")
        uow.commit()
