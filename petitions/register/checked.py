"""The register line follows the reception officer's check at ``Task_register``.

A letter sent online is stored as the citizen typed it (field "other", no priority markers) and
waits at the intake's first step, where a reception officer checks it and corrects what the
citizen could not know. The register, the search and the reports read the ``petitions`` row, so
the corrections must reach it, in the same unit of work as the step (a subscriber of the kernel's
``TaskCompleted``). At the desk the same step is completed with the row's own values: a no-op.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from engine.events import TaskCompleted
from engine.text_search import fold
from petitions.identity.guard import INTAKE_PROCESS
from petitions.identity.protection import matcher_for, petition_of_instance
from petitions.register.registration import REGISTER_TASK

if TYPE_CHECKING:
    from engine.persistence.unit_of_work import UnitOfWork

# Register columns the step's form can correct; the received date, channel and senders are the
# letter's facts (the senders' identities live in their own protected rows).
_PLAIN = ("field", "forwarder_kind", "signers", "remote_area")


def apply_register_check(uow: "UnitOfWork", event: TaskCompleted) -> None:
    if event.task.bpmn_id != REGISTER_TASK or event.instance.process_key != INTAKE_PROCESS:
        return
    petition = petition_of_instance(uow.session, event.instance.id)
    if petition is None:
        return
    data = event.data
    for name in _PLAIN:
        if name in data and data[name] is not None and getattr(petition, name) != data[name]:
            setattr(petition, name, data[name])
    if isinstance(data.get("priority_markers"), list):
        markers = list(dict.fromkeys(data["priority_markers"]))
        if markers != list(petition.priority_markers or []):
            petition.priority_markers = markers
    matcher = None
    for name in ("summary", "forwarded_by"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        # Every letter's register line is cut of its senders' identities (registration.py);
        # an officer's correction keeps to that rule.
        matcher = matcher or matcher_for(uow.session, petition.id)
        shown = matcher.redact(value.strip())
        if getattr(petition, name) != shown:
            setattr(petition, name, shown)
            if name == "summary":
                petition.search_text = fold(shown)
