"""Start-up wiring: the kernel's context with this application's parts plugged in.

The one place that creates the database engine from Settings, installs the identity keys, and
hands the kernel the petition domain's task-data guard, its role codes and its event
subscribers (sealing on classification; new work, assignment, reminder and escalation
messages).
"""
from __future__ import annotations

from engine.context import EngineContext
from engine.events import (DeadlineMissed, EventBus, ReminderDue, TaskAssigned, TaskCompleted,
                           TaskReady)
from engine.persistence.database import (make_engine, make_private, make_session_factory,
                                         private_umask, secure_sqlite_files)
from engine.ports import Clock, NoScheduler, SystemClock, TimerScheduler
from petitions.citizens import notices as citizen_notices, publications
from petitions.identity import flows as identity_flows
from petitions.identity.guard import PetitionDataGuard
from petitions.notifications import flows as notification_flows, new_work
from petitions.persistence import key_rotation, vault as identity_vault
from petitions.register import checked as register_check
from petitions.roles import ROLES
from petitions.settings import Settings
from petitions.transfers import local as unit_transfers

# Folders of the data directory that hold personal data (documents, staged uploads, mail copies,
# modeler drafts, keys); made private at start in case an older version created them open.
PRIVATE_FOLDERS = ("documents", "uploads", "mail", "drafts", "keys")


def petition_events() -> EventBus:
    """The domain's reactions to what the kernel did, in the kernel's unit of work."""
    bus = EventBus()
    bus.subscribe(TaskCompleted, identity_flows.seal_on_classification)
    bus.subscribe(TaskCompleted, register_check.apply_register_check)
    bus.subscribe(ReminderDue, notification_flows.remind)
    bus.subscribe(DeadlineMissed, notification_flows.escalate)
    bus.subscribe(TaskReady, new_work.note_ready)
    bus.subscribe(TaskAssigned, new_work.assigned)
    bus.subscribe(TaskCompleted, publications.publish_on_completion)  # issue 18: /cong-khai
    bus.subscribe(TaskCompleted, citizen_notices.notify_citizen)
    return bus


def context_for(database_url: str, *, clock: Clock | None = None,
                scheduler: TimerScheduler | None = None, **options) -> EngineContext:
    """A context on ``database_url`` with the petition domain plugged in (no keys installed,
    no files touched: tests, benchmarks and maintenance commands)."""
    ctx = EngineContext(session_factory=make_session_factory(make_engine(database_url)),
                        clock=clock or SystemClock(), scheduler=scheduler or NoScheduler(),
                        data_guard=PetitionDataGuard(), events=petition_events(), roles=ROLES,
                        **options)
    # A transfer to a unit of this system starts the receiving unit's intake: it needs the context.
    ctx.events.subscribe(TaskCompleted, unit_transfers.make_subscriber(ctx))
    return ctx


def build_context(settings: Settings, *, clock: Clock | None = None,
                  scheduler: TimerScheduler | None = None) -> EngineContext:
    private_umask()
    secure_data_dir(settings)
    identity_vault.install(identity_vault.load_keyring(settings))
    ctx = context_for(settings.database_url, clock=clock, scheduler=scheduler,
                      script_cpu_budget_s=settings.script_cpu_budget_s,
                      step_budget=settings.step_budget)
    try:
        key_rotation.verify(ctx)
    except BaseException:
        ctx.close()
        raise
    return ctx


def secure_data_dir(settings: Settings) -> None:
    """The data folder 0700 (created so when missing), its known sub-folders 0700, the SQLite
    files and the key file 0600. The files inside the sub-folders are covered by the folders:
    nobody else can traverse them."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    make_private(settings.data_dir)
    for name in PRIVATE_FOLDERS + ("secret_key",):
        make_private(settings.data_dir / name)
    make_private(settings.identity_key_path)
    secure_sqlite_files(settings.database_url)
