"""Who acts: the verified user name, roles and unit handed to every command."""
from __future__ import annotations

from dataclasses import dataclass

from engine.accounts.roles import ADMINISTRATOR


@dataclass(frozen=True)
class Actor:
    """Who acts: a user name and the role codes (and unit) the caller has verified."""

    username: str
    roles: frozenset[str] = frozenset()
    unit: str | None = None
    # Units below ``unit`` that a supervisor oversees (read from the units tree by users.actor_for).
    supervised: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return ADMINISTRATOR in self.roles

    @property
    def units(self) -> frozenset[str]:
        """The units whose cases this actor may see: their own (and those they supervise)."""
        return (frozenset({self.unit}) if self.unit else frozenset()) | self.supervised

    def sees_unit(self, unit: str | None) -> bool:
        """A case of ``unit`` is visible; a case of no unit belongs to no agency (a system
        process started by an operator) and is visible by role alone."""
        return unit is None or unit in self.units
