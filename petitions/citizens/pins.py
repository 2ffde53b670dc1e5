"""Checking a tracking code and its PIN, and a new PIN at the desk.

A wrong pair never tells whether the code exists: an unknown code is checked against a dummy
hash, so both answers cost one argon2 verification and give the same ``TrackingRefused``.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import EngineError, Forbidden, InvalidInput
from engine.running import locks
from petitions.citizens.models import TrackingPin
from petitions.persistence.models import Petition
from petitions.register import registration
from petitions.register.access import visible_petition

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

REFUSED = "Mã tra cứu hoặc mã PIN không đúng. Vui lòng kiểm tra lại phiếu tiếp nhận."
_CODE = re.compile(r"^[A-Z0-9]{5}-?[A-Z0-9]{5}$")
_VERIFIER = PasswordHasher()
_DUMMY_HASH = registration.hash_pin("00000000")


class TrackingRefused(EngineError):
    """A code and PIN that do not match (or do not exist): one message for every case."""

    def __init__(self):
        super().__init__(REFUSED)


def normalise_code(code: str | None) -> str:
    """``abcde fghij`` → ``ABCDE-FGHIJ`` (what the receipt prints); anything else → ``""``."""
    raw = re.sub(r"[\s-]", "", (code or "")).upper()
    if not _CODE.match(raw):
        return ""
    return f"{raw[:5]}-{raw[5:]}"


def _matches(pin_hash: str, pin: str) -> bool:
    try:
        return _VERIFIER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def find(session, code: str | None, pin: str | None) -> Petition:
    """The petition whose code and PIN these are; ``TrackingRefused`` otherwise, after the same
    hash work either way."""
    normal = normalise_code(code)
    pin = (pin or "").strip()
    row = session.execute(select(Petition, TrackingPin.pin_hash).join(
        TrackingPin, TrackingPin.petition_id == Petition.id).where(
        Petition.tracking_code == normal)).first() if normal else None
    ok = _matches(row[1] if row else _DUMMY_HASH, pin[:64])
    if row is None or not ok:
        raise TrackingRefused()
    return row[0]


def reissue(ctx: "EngineContext", actor: "Actor", petition_id: int, *,
            identity_checked: bool) -> dict:
    """A new PIN at the desk (the citizen lost it), after the officer checked their papers;
    audited on the case's chain. ``{tracking_code, pin, number}``; the PIN is not stored."""
    with ctx.uow() as uow:
        petition = visible_petition(uow.session, petition_id, actor)  # other unit: NotFound
        if not ({"reception_officer", "administrator"} & actor.roles):
            raise Forbidden("Chỉ cán bộ tiếp công dân mới cấp lại mã PIN được")
        if not identity_checked:
            raise InvalidInput("Phải kiểm tra giấy tờ tùy thân của người đề nghị trước khi cấp "
                               "mã PIN mới")
        now = ctx.clock.now()
        pin = registration.issue_pin(uow.session, petition.id, actor.username, now)
        if petition.instance_id is not None:
            instance = locks.lock_instance(uow, petition.instance_id)
            audit.append_instance_events(uow.session, instance, [PendingEvent(
                "tracking_pin_issued", actor.username, {"petition_id": petition.id})], now)
        result = {"tracking_code": petition.tracking_code, "pin": pin, "number": petition.number}
        uow.commit()
        return result
