"""What the classification of a letter changes about its senders' identity.

A subscriber of the kernel's ``TaskCompleted`` (``petitions.wiring``): it runs in the completing
unit of work, so the seal and the step commit together or not at all.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from engine.events import TaskCompleted
from petitions.identity.guard import INTAKE_PROCESS
from petitions.identity.protection import petition_of_instance
from petitions.identity.rights import set_resolver_above

if TYPE_CHECKING:
    from engine.persistence.unit_of_work import UnitOfWork


def seal_on_classification(uow: "UnitOfWork", event: TaskCompleted) -> None:
    """Classified as a denunciation: sealing decides from now on who may read the originals
    (LTC Điều 8.3, 56.2; the redacted copies were made at registration). Against the owning
    unit's head: the unit above resolves (LTC Điều 12–13)."""
    data = event.data
    # Letters run in the intake process (the kinds are its call activities): any other process
    # has no petition, and its completions pay no lookup on the hot path.
    if event.instance.process_key != INTAKE_PROCESS or not (
            data.get("petition_type") == "denunciation" or data.get("accused_is_head") is True):
        return
    petition = petition_of_instance(uow.session, event.instance.id)
    if petition is None:
        return
    if data.get("petition_type") == "denunciation" and not petition.identity_sealed:
        petition.identity_sealed = True
    if data.get("accused_is_head") is True and petition.resolver_unit_code is None:
        set_resolver_above(uow.session, petition)
