"""Ports: what the engine needs from the outside, implemented by webapp/ and workers/.

The engine does no I/O that its caller did not hand in: time comes from a Clock and timer wake-ups
go to a TimerScheduler (RQ in workers/, nothing in the CLI and unit tests).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, offset-aware UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class TimerScheduler(Protocol):
    def schedule(self, timer_id: int, due_at: datetime) -> None:
        """Arrange a wake-up at ``due_at``; called only after the commit that wrote the timer."""

    def cancel(self, timer_id: int) -> None:
        """The timer was cancelled (its row says so): drop its wake-up if it has one of its own.
        A scheduler whose wake-ups are shared may do nothing; they re-read the rows anyway."""


class NoScheduler:
    """Used where no worker runs (CLI, tests): ``fire_due_timers`` sweeps instead."""

    def schedule(self, timer_id: int, due_at: datetime) -> None:
        pass

    def cancel(self, timer_id: int) -> None:
        pass


class TaskDataGuard(Protocol):
    """Decides what of a completed form enters the workflow data and the audit payload.

    A domain whose forms may quote protected people (whistle-blowers, say) returns
    redacted copies for the workflow and references for the audit; the kernel stores what it gets.
    """

    def __call__(self, uow, instance, task, data: dict, form: dict | None, actor,
                 now: datetime) -> tuple[dict, dict]:
        """``(workflow values, audit values)`` for the completion of ``task`` with ``data``."""

    def protect_text(self, uow, instance_id: int, kind: str, text: str,
                     now: datetime) -> tuple[str, object]:
        """A reason typed about a case: ``(copy to show, value for the audit payload)``."""

    def redact_draft(self, uow, instance_id: int, data: dict) -> dict:
        """What a saved draft of that form keeps."""


class PassThroughGuard:
    """No protected data: the form's values go to the workflow and the audit as they are."""

    def __call__(self, uow, instance, task, data, form, actor, now):
        return dict(data), dict(data)

    def protect_text(self, uow, instance_id, kind, text, now):
        return text, text

    def redact_draft(self, uow, instance_id, data):
        return dict(data)
