"""RQ job functions. They take ids, build nothing per call, and call the engine's handlers."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select

from engine.models import Timer
from engine.timers import fire_instance_timers
from workers.context import worker_context

log = logging.getLogger(__name__)


def fire_timer(timer_id: int) -> int:
    """Wake-up for one timer: fire its instance's due timers. Idempotent; a no-op when early or done.

    The job is only a hint: the row is re-read under the instance lock, and a timer already fired
    by the sweep or by another worker does nothing.
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
    from workers.sweeper import sweep_once
    return sweep_once(worker_context(), datetime.now(timezone.utc))
