"""The periodic sweep: fires due timers, sends reminders/escalations, empties the email outbox.

The sweep is what makes timers self-healing: whatever happened to a scheduled wake-up (lost job,
flushed or stopped Redis), the database row is still pending and the next sweep fires it. Every
step is idempotent, so several workers sweeping at once are harmless. Between rounds the sweeper
sleeps until the next timer is due (at most ``interval_s``), so timers fire within a fraction of
a second even without the RQ wake-up.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from engine.audit.verification import AuditSchedule
from engine.context import EngineContext
from engine.work.deadlines import check_deadlines
from engine.work.timers import fire_due_timers, next_due
from petitions.settings import Settings
from workers.mailer import EmailSender, deliver_pending

log = logging.getLogger(__name__)
MIN_SLEEP_S = 0.02
# A round that fails as a whole (database unreachable) is retried later and later, up to this.
MAX_FAILED_ROUND_WAIT_S = 60.0


def log_failed_timers(fired: dict) -> None:
    """An instance whose timers cannot fire is reported at each attempt; the attempts back off
    (engine.work.timers) and stop with the instance in error."""
    for failure in fired["failed"]:
        outcome = "instance put in error" if failure.get("stopped") else "retried after a back-off"
        log.error("timers of instance %s could not fire (%s): %s",
                  failure["instance_id"], outcome, failure["error"])


def sweep_once(ctx: EngineContext, now: datetime, sender: EmailSender | None = None,
               mail_from: str = "don-thu@localhost") -> dict:
    result = {"timers": fire_due_timers(ctx, now, live_clock=True),
              "deadlines": check_deadlines(ctx, now)}
    if sender is not None:
        result["mail"] = deliver_pending(ctx, sender, now, mail_from=mail_from)
    return result


def run_sweeper(ctx: EngineContext, interval_s: float = 2.0, stop: threading.Event | None = None,
                sender: EmailSender | None = None, mail_from: str = "don-thu@localhost",
                audit: AuditSchedule | None = None) -> None:
    """Sweep until ``stop`` is set; a failed round is logged and retried after a back-off."""
    stop = stop or threading.Event()
    failed_rounds = 0
    audit = audit or AuditSchedule(Settings.from_env())  # signed audit checkpoints (§6)
    while not stop.is_set():
        audit.tick(ctx, datetime.now(timezone.utc))  # background thread; never raises
        wait = interval_s
        try:
            result = sweep_once(ctx, datetime.now(timezone.utc), sender, mail_from)
            if result["timers"]["fired"]:
                log.info("sweep fired %s timer(s)", result["timers"]["fired"])
            log_failed_timers(result["timers"])
            upcoming = next_due(ctx)
            if upcoming is not None:
                until = (upcoming - datetime.now(timezone.utc)).total_seconds()
                wait = min(interval_s, max(MIN_SLEEP_S, until))
            failed_rounds = 0
        except Exception:
            failed_rounds += 1
            wait = min(MAX_FAILED_ROUND_WAIT_S, interval_s * 2 ** (failed_rounds - 1))
            log.exception("sweep failed; retrying in %ss", wait)
        stop.wait(wait)
