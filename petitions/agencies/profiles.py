"""A unit's profile as documents and receipts print it (NĐ 30/2020 administrative layout).

Codes such as ``ubnd-xa-demo`` never reach a citizen or a document: ``agency_for`` always gives a
name, the profile's full name, else the unit's own name. The signer is the head named in the
profile, or, while a head delegation runs, the acting head ("KT." in the signature block).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import HeadDelegation, Unit, User
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import InvalidInput, NotFound
from petitions.persistence.models import AgencyProfile

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.context import EngineContext

FIELDS = ("full_name", "short_name", "parent_body", "place_name", "address", "phone", "email",
          "head_position", "head_name")
LABELS = {"full_name": "Tên đầy đủ", "short_name": "Tên viết tắt",
          "parent_body": "Cơ quan chủ quản", "place_name": "Địa danh", "address": "Địa chỉ",
          "phone": "Điện thoại", "email": "Thư điện tử", "head_position": "Chức vụ người ký",
          "head_name": "Họ tên người ký"}
_LIMITS = {"full_name": 500, "short_name": 100, "parent_body": 500, "place_name": 200,
           "address": 500, "phone": 50, "email": 320, "head_position": 200, "head_name": 200}


@dataclass(frozen=True)
class Agency:
    code: str
    full_name: str
    short_name: str
    parent_body: str
    place_name: str
    address: str
    phone: str
    email: str
    head_position: str
    head_name: str
    acting: bool = False              # the signer acts for the head during a delegation
    acting_name: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def agency_for(session: "Session", unit_code: str | None, at: datetime | None = None) -> Agency:
    """The agency that owns ``unit_code``, as printed; an unknown or empty code gives a blank
    agency (no code is ever shown in its place)."""
    unit = session.scalar(select(Unit).where(Unit.code == unit_code)) if unit_code else None
    if unit is None:
        return Agency(code=unit_code or "", full_name="", short_name="", parent_body="",
                      place_name="", address="", phone="", email="", head_position="",
                      head_name="")
    profile = session.get(AgencyProfile, unit.id)
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    values = {name: (getattr(profile, name, None) or "") for name in FIELDS}
    values["full_name"] = values["full_name"] or unit.name
    if not values["parent_body"] and parent is not None:
        parent_profile = session.get(AgencyProfile, parent.id)
        values["parent_body"] = (parent_profile.full_name if parent_profile else parent.name)
    acting_name = ""
    if at is not None:
        acting_name = _acting_head(session, unit.code, at)
    return Agency(code=unit.code, acting=bool(acting_name), acting_name=acting_name, **values)


def _acting_head(session: "Session", unit_code: str, at: datetime) -> str:
    row = session.execute(select(User.display_name).join(
        HeadDelegation, HeadDelegation.acting_username == User.username).where(
        HeadDelegation.unit_code == unit_code, HeadDelegation.revoked_at.is_(None),
        HeadDelegation.starts_at <= at, HeadDelegation.ends_at > at)
        .order_by(HeadDelegation.id.desc()).limit(1)).first()
    return row[0] if row else ""


def save_profile(ctx: "EngineContext", unit_code: str, values: dict, *, actor: str) -> Agency:
    """Create or change a unit's profile (administrators), audited on the ``users`` chain."""
    clean = clean_profile(values)
    with ctx.uow() as uow:
        unit = uow.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise NotFound(f"Không có đơn vị '{unit_code}'")
        store_profile(uow.session, unit, clean, actor=actor, now=ctx.clock.now(),
                      lock=uow.dialect == "postgresql")
        uow.commit()
    with ctx.uow(write=False) as uow:
        return agency_for(uow.session, unit_code)


def clean_profile(values: dict) -> dict:
    """The profile's fields trimmed and checked (InvalidInput, in Vietnamese, naming the field)."""
    clean = {}
    for name in FIELDS:
        value = values.get(name)
        value = value.strip() if isinstance(value, str) else None
        if value and len(value) > _LIMITS[name]:
            raise InvalidInput(f"Trường '{LABELS[name]}' dài quá {_LIMITS[name]} ký tự")
        clean[name] = value or None
    if not clean["full_name"]:
        raise InvalidInput("Phải nhập tên đầy đủ của cơ quan")
    if clean["email"] and ("@" not in clean["email"] or any(c.isspace() for c in clean["email"])):
        raise InvalidInput(f"Địa chỉ thư không hợp lệ: {clean['email']!r}")
    return clean


def store_profile(session: "Session", unit: Unit, clean: dict, *, actor: str, now: datetime,
                  lock: bool) -> dict:
    """Write checked profile values in the caller's unit of work; audited with what changed."""
    profile = session.get(AgencyProfile, unit.id)
    before = {name: getattr(profile, name) for name in FIELDS} if profile else {}
    if profile is None:
        profile = AgencyProfile(unit_id=unit.id, updated_by=actor, updated_at=now, **clean)
        session.add(profile)
    else:
        for name, value in clean.items():
            setattr(profile, name, value)
        profile.updated_by, profile.updated_at = actor, now
    changed = {name: clean[name] for name in FIELDS if before.get(name) != clean[name]}
    if changed:
        audit.append_chain_event(session, "users", PendingEvent(
            "agency_profile_saved", actor, {"unit": unit.code, "changed": changed}), now,
            lock=lock)
    return changed
