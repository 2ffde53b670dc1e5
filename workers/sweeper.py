"""The periodic timer sweep: fires every pending timer that is past due.

The sweep is what makes timers self-healing: whatever happened to a scheduled wake-up (lost job,
restarted queue), the database row is still pending and the next sweep fires it. Firing is
idempotent, so overlapping sweeps are harmless.
"""
from __future__ import annotations

import logging
import signal
import threading

from engine.context import EngineContext
from engine.timers import fire_due_timers

log = logging.getLogger(__name__)


def run_sweeper(ctx: EngineContext, interval_s: float = 5.0,
                stop: threading.Event | None = None) -> None:
    """Sweep every ``interval_s`` seconds until ``stop`` is set or SIGTERM/SIGINT arrives."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    while not stop.is_set():
        try:
            result = fire_due_timers(ctx)
            if result["fired"]:
                log.info("timer sweep fired %s timer(s) on %s instance(s)",
                         result["fired"], result["instances"])
        except Exception:  # keep sweeping: a failed round is retried on the next tick
            log.exception("timer sweep failed; retrying in %ss", interval_s)
        stop.wait(interval_s)
