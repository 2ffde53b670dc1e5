"""Which petition an actor may open: their units', or one they resolve as the unit above."""
from __future__ import annotations

from engine.accounts.actor import Actor
from engine.errors import NotFound
from petitions.identity import rights
from petitions.persistence.models import Petition


def visible_petition(session, petition_id: int, actor: Actor) -> Petition:
    """The petition if ``actor``'s units own it; another unit's petition does not exist (404)."""
    petition = session.get(Petition, petition_id)
    if petition is None or not (actor.sees_unit(petition.unit_code)
                                or rights.sees_as_resolver(actor, petition)):
        raise NotFound(f"Không tìm thấy đơn #{petition_id}")
    return petition
