"""The agencies whose case packages this one accepts (issue 20 §4), kept by an administrator.

Keys are given as base64 of their 32 raw bytes (``package.raw_public``). Every change is a line
of the ``agencies`` audit chain. A removed agency's packages are refused from then on.
"""
from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Conflict, InvalidInput, NotFound
from petitions.persistence.transfer_models import TrustedAgency

if TYPE_CHECKING:
    from engine.context import EngineContext

CHAIN = "agencies"
_AGENCY_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")


def _raw_key(text: str | None, what: str) -> str:
    try:
        raw = base64.b64decode((text or "").strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InvalidInput(f"{what} phải là 32 byte mã hóa base64")
    return base64.b64encode(raw).decode("ascii")


def _row(row: TrustedAgency) -> dict:
    return {"agency_id": row.agency_id, "name": row.name, "signing_key": row.signing_key,
            "sealing_key": row.sealing_key, "added_by": row.added_by, "added_at": row.added_at,
            "removed_by": row.removed_by, "removed_at": row.removed_at,
            "state": "removed" if row.removed_at else "trusted"}


def add(ctx: "EngineContext", agency_id: str, name: str, signing_key: str,
        sealing_key: str | None = None, *, actor: str) -> dict:
    if not _AGENCY_ID.match(agency_id or ""):
        raise InvalidInput("Mã cơ quan gồm 2–100 ký tự chữ thường, số, '.', '_', '-'")
    if not (name or "").strip():
        raise InvalidInput("Phải nhập tên cơ quan")
    signing = _raw_key(signing_key, "Khóa ký (Ed25519)")
    sealing = _raw_key(sealing_key, "Khóa mã hóa (X25519)") if sealing_key else None
    with ctx.uow() as uow:
        session, now = uow.session, ctx.clock.now()
        row = session.scalars(select(TrustedAgency).where(
            TrustedAgency.agency_id == agency_id)).first()
        if row is not None and row.removed_at is None:
            raise Conflict(f"Cơ quan '{agency_id}' đã được tin cậy; gỡ trước khi thay khóa")
        if row is None:
            row = TrustedAgency(agency_id=agency_id)
            session.add(row)
        row.name, row.signing_key, row.sealing_key = name.strip(), signing, sealing
        row.added_by, row.added_at, row.removed_by, row.removed_at = actor, now, None, None
        audit.append_chain_event(session, CHAIN, PendingEvent("agency_trusted", actor, {
            "agency_id": agency_id, "signing_key": signing, "sealing_key": sealing}),
            now, lock=uow.dialect == "postgresql")
        session.flush()
        result = _row(row)
        uow.commit()
        return result


def list_trusted(ctx: "EngineContext") -> list[dict]:
    with ctx.uow(write=False) as uow:
        return [_row(r) for r in uow.session.scalars(select(TrustedAgency)
                                                     .order_by(TrustedAgency.agency_id))]


def remove(ctx: "EngineContext", agency_id: str, *, actor: str) -> dict:
    with ctx.uow() as uow:
        session, now = uow.session, ctx.clock.now()
        row = session.scalars(select(TrustedAgency).where(
            TrustedAgency.agency_id == agency_id, TrustedAgency.removed_at.is_(None))).first()
        if row is None:
            raise NotFound(f"Không có cơ quan tin cậy '{agency_id}'")
        row.removed_by, row.removed_at = actor, now
        audit.append_chain_event(session, CHAIN, PendingEvent(
            "agency_untrusted", actor, {"agency_id": agency_id}), now,
            lock=uow.dialect == "postgresql")
        result = _row(row)
        uow.commit()
        return result


def trusted_keys(ctx: "EngineContext") -> dict[str, Ed25519PublicKey]:
    """The signing keys of the agencies trusted now, for ``package.open_package``."""
    with ctx.uow(write=False) as uow:
        rows = uow.session.execute(select(TrustedAgency.agency_id, TrustedAgency.signing_key)
                                   .where(TrustedAgency.removed_at.is_(None))).all()
    return {agency: Ed25519PublicKey.from_public_bytes(base64.b64decode(key))
            for agency, key in rows}
