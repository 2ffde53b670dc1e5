"""A unit and its agency profile, created or changed together in one unit of work.

The kernel keeps the unit (code, name, parent: engine/accounts/units.py); the profile is how
documents name it (profiles.py). An administrator's form holds both, so both are written, or
neither: a refused profile field leaves no unit behind.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts import units
from engine.accounts.models import Unit
from petitions.agencies.profiles import FIELDS, clean_profile, store_profile
from petitions.persistence.models import AgencyProfile

if TYPE_CHECKING:
    from engine.context import EngineContext


def _has_profile(values: dict) -> bool:
    return any(str(values.get(name) or "").strip() for name in FIELDS)


def create_unit(ctx: "EngineContext", code: str, name: str, parent: str | None,
                profile: dict, *, actor: str) -> None:
    """A new unit with its profile (when any profile field is filled in). Audited."""
    clean = clean_profile(profile) if _has_profile(profile) else None
    with ctx.uow() as uow:
        lock, now = uow.dialect == "postgresql", ctx.clock.now()
        unit = units.create(uow.session, code, name, parent, actor=actor, now=now, lock=lock)
        if clean is not None:
            store_profile(uow.session, unit, clean, actor=actor, now=now, lock=lock)
        uow.commit()


def update_unit(ctx: "EngineContext", code: str, name: str, parent: str | None,
                profile: dict, *, actor: str) -> bool:
    """Change a unit's name, parent and profile; True when anything changed. Audited."""
    clean = clean_profile(profile) if _has_profile(profile) else None
    with ctx.uow() as uow:
        lock, now = uow.dialect == "postgresql", ctx.clock.now()
        changed = bool(units.update(uow.session, code, name, parent, actor=actor, now=now,
                                    lock=lock))
        unit = uow.session.scalar(select(Unit).where(Unit.code == code))
        if clean is not None:
            changed |= bool(store_profile(uow.session, unit, clean, actor=actor, now=now,
                                          lock=lock))
        uow.commit()
    return changed


def profile_values(session, code: str) -> dict:
    """The profile's stored values of a unit (empty strings where none), for its form."""
    unit_id = session.scalar(select(Unit.id).where(Unit.code == code))
    profile = session.get(AgencyProfile, unit_id) if unit_id else None
    return {name: (getattr(profile, name, None) or "") for name in FIELDS}
