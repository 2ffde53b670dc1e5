"""The kernel's task-data port for petition cases: what of a completed form enters the workflow
and the audit (redacted copies, references to the originals).
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping

from engine.persistence.models import HumanTask
from petitions.identity.protection import (PROTECTED, matcher_for, petition_of_instance, protect,
                                           protect_values)

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.persistence.models import ProcessInstance


# The intake process, where letters run (petitions.register.registration.INTAKE_KEY uses it).
INTAKE_PROCESS = "petition_intake"
FREE_TEXT_TYPES = frozenset({"string", "text"})


class PetitionDataGuard:
    """The engine's task-data port for petition cases: what enters the workflow and the audit.
    Sealing on classification reacts afterwards, to ``TaskCompleted`` (``flows.py``)."""

    def __call__(self, uow, instance: "ProcessInstance", task: "HumanTask", data: Mapping[str, Any],
                 form: dict | None, actor: "Actor", now: datetime) -> tuple[dict, dict]:
        session = uow.session
        # Letters run in the intake process (the kinds are its call activities): any other
        # process has no petition, and its completions pay no lookup on the hot path.
        petition = petition_of_instance(session, instance.id) \
            if instance.process_key == INTAKE_PROCESS else None
        if petition is None:
            return dict(data), dict(data)
        fields = (form or {}).get("fields") or []
        text_fields = [f["name"] for f in fields if f.get("type") in FREE_TEXT_TYPES]
        kept, audited = protect_values(session, petition.id, data, text_fields,
                                       matcher_for(session, petition.id), now,
                                       ref=f"task:{task.id}")
        return kept, audited

    def protect_text(self, uow, instance_id: int, kind: str, text: str,
                     now: datetime) -> tuple[str, Any]:
        """A reason or note typed about a case: ``(copy to show, value for the audit payload)``."""
        petition = petition_of_instance(uow.session, instance_id)
        if petition is None:
            return text, text
        shown, ref_id = protect(uow.session, petition.id, kind, text,
                                matcher_for(uow.session, petition.id), now, ref=kind)
        return shown, ({PROTECTED: ref_id} if ref_id is not None else shown)

    def redact_draft(self, uow, instance_id: int, data: Mapping[str, Any]) -> dict:
        """A draft keeps the redacted copy: its author may not hold the identity right."""
        petition = petition_of_instance(uow.session, instance_id)
        if petition is None:
            return dict(data)
        return matcher_for(uow.session, petition.id).redact_value(dict(data))
