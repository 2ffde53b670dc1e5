"""RQ job functions. They take ids, build nothing per call, and call the engine's handlers."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select

from engine.persistence.models import Timer
from engine.work.timers import fire_due_timers, fire_instance_timers
from workers.context import worker_context
from workers.sweeper import log_failed_timers, sweep_once

log = logging.getLogger(__name__)
BATCH_INSTANCES = 1000


def fire_due_timers_at(due_second: int) -> int:
    """Shared wake-up for the timers due in one second (workers.scheduler): fire every pending
    timer due now. Returns how many fired; idempotent, so racing sweepers and duplicate
    deliveries are harmless (on PostgreSQL they skip the instances another worker holds).

    Woken before its second (RQ's scheduler on a host whose clock runs ahead, a job run by hand),
    it only logs: whatever is already due by then is fired by the sweep, which runs anyway.
    """
    ctx = worker_context()
    now = ctx.clock.now()
    early_s = due_second - now.timestamp()
    if early_s > 0:
        log.info("wake-up for timers due at %s woke %.3fs early; the sweep will fire them",
                 datetime.fromtimestamp(due_second, tz=timezone.utc).isoformat(), early_s)
        return 0
    fired = 0
    while True:
        # A full batch means more may be due: keep draining while progress is made (a batch the
        # sweepers hold entirely fires nothing here, and they are on it).
        result = fire_due_timers(ctx, now, limit=BATCH_INSTANCES, live_clock=True)
        fired += result["fired"]
        log_failed_timers(result)
        if result["instances"] < BATCH_INSTANCES or not result["fired"]:
            return fired


def fire_timer(timer_id: int) -> int:
    """Wake-up for one timer: fire its instance's due timers. Idempotent; a no-op when early or done.

    Kept for the per-timer jobs (``timer-<id>``) that earlier versions left in Redis; new timers
    share ``fire_due_timers_at`` jobs. The job is only a hint: the row is re-read under the
    instance lock, and a timer already fired by the sweep or by another worker does nothing.
    """
    ctx = worker_context()
    with ctx.uow(write=False) as uow:
        row = uow.session.scalars(select(Timer).where(Timer.id == timer_id)).first()
        if row is None or row.status != "pending":
            return 0
        instance_id, due_at = row.instance_id, row.due_at
    now = ctx.clock.now()
    if due_at > now:
        log.info("timer %s woke %.3fs early; the sweep will fire it", timer_id,
                 (due_at - now).total_seconds())
        return 0
    return fire_instance_timers(ctx, instance_id, now)


def sweep() -> dict:
    """One sweep round (timers, deadlines, outbox), for callers that prefer a job to the thread."""
    return sweep_once(worker_context(), datetime.now(timezone.utc))
