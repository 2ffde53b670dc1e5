"""What every handler is given: the session factory, clock, scheduler, spec cache, scripts."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine.accounts.roles import KERNEL_ROLES
from engine.events import EventBus
from engine.persistence.models import CalendarOverride
from engine.persistence.serialization import BoundedCache
from engine.persistence.unit_of_work import UnitOfWork
from engine.ports import (Clock, NoScheduler, PassThroughGuard, SystemClock, TaskDataGuard,
                          TimerScheduler)
from engine.scripting.budget import DEFAULT_CPU_BUDGET_S, DEFAULT_STEP_BUDGET
from engine.scripting.helpers import calendar_helpers
from engine.scripting.sandbox import build_script_engine
from engine.working_days import WorkingDayCalendar

# Calendar overrides change a few times a year; re-reading them once a minute keeps every process
# of a deployment in step without a query per workflow step.
CALENDAR_TTL_S = 60.0


@dataclass
class EngineContext:
    session_factory: sessionmaker
    clock: Clock = field(default_factory=SystemClock)
    scheduler: TimerScheduler = field(default_factory=NoScheduler)
    specs: BoundedCache = field(default_factory=BoundedCache)        # definition id → spec
    definitions: BoundedCache = field(default_factory=BoundedCache)  # id → DefinitionView
    script_cpu_budget_s: float = DEFAULT_CPU_BUDGET_S                # per unit of work
    step_budget: int = DEFAULT_STEP_BUDGET                            # engine steps, per unit of work
    # What an application plugs in at start-up: what enters the workflow of a completed
    # form, who reacts to what happened, and the role codes lanes and accounts may use.
    data_guard: TaskDataGuard = field(default_factory=PassThroughGuard)
    events: EventBus = field(default_factory=EventBus)
    roles: Mapping[str, str] = field(default_factory=lambda: dict(KERNEL_ROLES))
    _calendar: WorkingDayCalendar | None = None
    _calendar_loaded_at: float = 0.0
    _script_engine: object = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def close(self) -> None:
        """Release the database connections (the CLI and tests build short-lived contexts)."""
        self.session_factory.kw["bind"].dispose()

    def uow(self, *, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self.session_factory, write=write)

    def calendar(self) -> WorkingDayCalendar:
        with self._lock:
            fresh = time.monotonic() - self._calendar_loaded_at < CALENDAR_TTL_S
            if self._calendar is not None and fresh:
                return self._calendar
        with self.uow(write=False) as uow:
            overrides = {row.day: row.kind for row in uow.session.scalars(select(CalendarOverride))}
        with self._lock:
            self._calendar = WorkingDayCalendar(overrides)
            self._calendar_loaded_at = time.monotonic()
            self._script_engine = None
            return self._calendar

    def invalidate_calendar(self) -> None:
        with self._lock:
            self._calendar_loaded_at = 0.0

    def script_engine(self):
        calendar = self.calendar()
        with self._lock:
            if self._script_engine is None:
                self._script_engine = build_script_engine(calendar_helpers(calendar, self.clock.now))
            return self._script_engine
