"""What happened in a unit of work, told to the subscribers registered at start-up.

The kernel publishes; an application subscribes in its start-up wiring and reacts in
the same unit of work, before the one commit. Handlers never commit (``UnitOfWork.commit`` refuses
while they run); an error in one rolls the whole unit of work back, as inline code would. A
handler's return value goes back to the publisher, which records it (the names told of a
reminder go into its audit line).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.persistence.models import HumanTask, ProcessInstance, Timer
    from engine.persistence.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class TaskCompleted:
    """A person completed a human task; ``data`` holds the values the workflow received."""

    instance: "ProcessInstance"
    task: "HumanTask"
    data: Mapping[str, Any]
    actor: "Actor"
    now: datetime


@dataclass(frozen=True)
class InstanceCompleted:
    instance: "ProcessInstance"
    now: datetime


@dataclass(frozen=True)
class TimerFired:
    instance: "ProcessInstance"
    timer: "Timer"
    now: datetime


@dataclass(frozen=True)
class ReminderDue:
    """A ready task's deadline nears: ``kind`` is ``before`` or ``due_day``."""

    instance: "ProcessInstance"
    task: "HumanTask"
    kind: str
    now: datetime


@dataclass(frozen=True)
class TaskReady:
    """A human task became ready: a new row of ``human_tasks``, someone has new work. Published
    while the step is saved; the row may be finished again before the commit (a step its own
    starter completes at once), which subscribers check when they act."""

    instance: "ProcessInstance"
    task: "HumanTask"
    now: datetime


@dataclass(frozen=True)
class TaskAssigned:
    """A head or administrator gave a ready task to ``task.assignee`` (not a claim)."""

    instance: "ProcessInstance"
    task: "HumanTask"
    actor: "Actor"
    now: datetime


@dataclass(frozen=True)
class DeadlineMissed:
    instance: "ProcessInstance"
    task: "HumanTask"
    now: datetime


Handler = Callable[["UnitOfWork", Any], Any]


class EventBus:
    """Handlers per event type, in the order they were subscribed."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    def wants(self, event_type: type) -> bool:
        """Whether anyone listens: publishers skip building events nobody reads."""
        return bool(self._handlers.get(event_type))

    def publish(self, uow: "UnitOfWork", event) -> list:
        """Run the event's handlers in the publisher's unit of work; their results, in order."""
        handlers = self._handlers.get(type(event))
        if not handlers:
            return []
        uow.publishing = True
        try:
            return [handler(uow, event) for handler in handlers]
        finally:
            uow.publishing = False
