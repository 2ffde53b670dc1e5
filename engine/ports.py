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
