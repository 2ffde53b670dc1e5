"""Units stay apart: which rows of which unit an actor may see, as one SQL condition.

Every case, task, document, notification and report row belongs to a unit (issue 12 §2). A user
sees only their own unit's rows (a supervisor also the units below theirs); a user without a unit
sees no unit's rows. A row of no unit belongs to no agency (a system process an operator started)
and is visible by role alone. Handlers answer NotFound for anything else, never Forbidden, so
that another unit's case does not even show that it exists.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import false, or_, select

from engine.accounts.models import Unit

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext


def unit_condition(column, actor: "Actor"):
    """WHERE clause: ``column`` (a unit code) is one of ``actor``'s units, or empty."""
    return units_condition(column, actor.units)


def units_condition(column, units: frozenset[str]):
    """WHERE clause: ``column`` is one of ``units``, or empty."""
    if not units:
        return or_(column.is_(None), false())
    return or_(column.is_(None), column.in_(sorted(units)))


def unit_choices(ctx: "EngineContext") -> list[tuple[str, str]]:
    """``(code, name)`` of every unit, by name: the choices of a form's "unit" field."""
    with ctx.uow(write=False) as uow:
        return [(code, name) for code, name in uow.session.execute(
            select(Unit.code, Unit.name).order_by(Unit.name, Unit.code))]
