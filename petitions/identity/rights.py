"""Who may read a denouncer's identity, step by step as the law says (issue 12 §3).

- the competent resolver: the head of the owning unit, or of the unit above when the denounced
  person is that head (LTC Điều 12–13; ``petitions.resolver_unit_code``);
- an acting head, for a recorded period of delegation, as the head (``head_delegations``: the
  acting user holds the head's role in their unit for the period, see ``users.actor_for``);
- the officer holding the open classification step, who must check name and address (Điều 24);
- people the resolver grants it to, case by case, with a reason and an expiry (``identity_grants``);
- supervisors over the owning unit, by unsealing with a reason;
- never administrators, nor anyone else. Every read is audited by the caller.

The commands that record delegations and grants are ``engine/accounts/delegations.py`` and
``petitions/register/grants.py``; the rules they feed are here.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import Unit
from engine.persistence.models import HumanTask
from petitions.persistence.models import IdentityGrant, Petition

if TYPE_CHECKING:
    from engine.accounts.actor import Actor


# The classification step, where the officer must check the sender's name and address.
CLASSIFY_STEPS = frozenset({"Task_classify"})
IDENTITY_ROLES = frozenset({"head_of_unit", "supervisor"})


def resolver_unit(petition: Petition) -> str | None:
    return petition.resolver_unit_code or petition.unit_code


def can_read_identity(actor: "Actor", petition: Petition | None = None) -> bool:
    """By role alone: the resolver's head and supervisors over the owning unit. Without a
    petition: whether the actor's roles could ever allow it. Administrators never."""
    if actor.is_admin or not (IDENTITY_ROLES & actor.roles):
        return False
    if petition is None:
        return True
    if "head_of_unit" in actor.roles and actor.unit and actor.unit == resolver_unit(petition):
        return True
    return "supervisor" in actor.roles and petition.unit_code in actor.units


def may_unseal(session, actor: "Actor", petition: Petition, now: datetime) -> bool:
    """``can_read_identity``, the officer holding the open classification step, or a grantee."""
    if can_read_identity(actor, petition):
        return True
    if actor.is_admin:
        return False
    if petition.instance_id is not None and session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == petition.instance_id, HumanTask.status == "ready",
            HumanTask.bpmn_id.in_(sorted(CLASSIFY_STEPS)),
            HumanTask.assignee == actor.username).limit(1)) is not None:
        return True
    return session.scalar(select(IdentityGrant.id).where(
        IdentityGrant.petition_id == petition.id, IdentityGrant.grantee == actor.username,
        IdentityGrant.revoked_at.is_(None), IdentityGrant.expires_at > now).limit(1)) is not None


def is_resolver(actor: "Actor", petition: Petition) -> bool:
    """The head (or acting head) of the unit that resolves the case: may grant the right."""
    return not actor.is_admin and "head_of_unit" in actor.roles and bool(actor.unit) \
        and actor.unit == resolver_unit(petition)


def sees_as_resolver(actor: "Actor", petition: Petition) -> bool:
    """The head of the unit above resolving a denunciation against the owning unit's head sees
    that case although it belongs to another unit."""
    return bool(petition.resolver_unit_code and "head_of_unit" in actor.roles
                and actor.unit == petition.resolver_unit_code)


def set_resolver_above(session, petition: Petition) -> None:
    """The denounced person is the owning unit's head: the unit above resolves (Điều 12–13)."""
    parent = session.scalar(select(Unit.parent_id).where(Unit.code == petition.unit_code))
    code = session.scalar(select(Unit.code).where(Unit.id == parent)) if parent else None
    petition.resolver_unit_code = code
