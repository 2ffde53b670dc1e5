"""`petitions worker`: an RQ worker with its scheduler, plus the sweep thread.

Flags follow the measured behaviour of RQ 2.12 (docs/operations.md): a 35 s worker TTL and a 15 s
maintenance interval make a killed worker's scheduler lock and jobs recover in about a minute
instead of ~13. Jobs run in-process (SimpleWorker): they are short database transactions and a
fork per job would cap throughput at ~60 jobs/s. When Redis is unreachable the worker keeps
sweeping from the database and reconnects with backoff.
"""
from __future__ import annotations

import logging
import resource
import signal
import threading
import time

import redis
from rq import Queue, SimpleWorker

from engine.persistence.database import private_umask
from petitions.settings import Settings
from petitions.wiring import build_context
from workers.context import set_worker_context
from workers.mailer import sender_from_settings
from workers.redis_connection import connect
from workers.scheduler import QUEUE_NAME, RQTimerScheduler
from workers.sweeper import run_sweeper

log = logging.getLogger(__name__)
WORKER_TTL_S = 35
MAINTENANCE_INTERVAL_S = 15
RECONNECT_MAX_S = 30
STARTUP_WAIT_S = 10  # a Redis started at the same moment is waited for quietly this long


def _stop_on_signal(stop: threading.Event) -> None:
    def handler(_signum, _frame):
        stop.set()
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


class _Worker(SimpleWorker):
    """RQ installs its signal handlers only after connecting and starting its scheduler. A stop
    asked before that (the supervisor stopping a system that is still starting) is kept in
    ``stop`` by our handlers and honoured as soon as RQ's loop begins: a clean warm shutdown,
    scheduler included, instead of a signal lost."""

    stop: threading.Event | None = None

    def _install_signal_handlers(self):
        super()._install_signal_handlers()
        if self.stop is not None and self.stop.is_set():
            self._stop_requested = True


def apply_memory_limit(limit_mb: int) -> None:
    """Cap this process's address space (``MEMORY_LIMIT_MB``; 0 = off): a diagram's memory bomb
    then fails its own step with MemoryError instead of starving the machine."""
    if limit_mb <= 0:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = limit_mb * 2 ** 20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def run_worker(settings: Settings, *, burst: bool = False, sweep: bool = True) -> None:
    apply_memory_limit(settings.memory_limit_mb)
    private_umask()  # mail copies and anything else written: 0600/0700
    connection = connect(settings.redis_url)
    ctx = build_context(settings, scheduler=RQTimerScheduler(connection))
    set_worker_context(ctx)
    stop = threading.Event()
    sweeper = None
    if sweep:
        sweeper = threading.Thread(target=run_sweeper, name="sweeper", daemon=True, kwargs={
            "ctx": ctx, "interval_s": settings.sweep_interval_s, "stop": stop,
            "sender": sender_from_settings(settings), "mail_from": settings.mail_from})
        sweeper.start()
    backoff = 1.0
    started = time.monotonic()
    _stop_on_signal(stop)  # until RQ's own handlers take over (_Worker)
    try:
        while not stop.is_set():
            worker = None
            try:
                worker = _Worker([Queue(QUEUE_NAME, connection=connection)],
                                 connection=connection, worker_ttl=WORKER_TTL_S,
                                 maintenance_interval=MAINTENANCE_INTERVAL_S)
                worker.stop = stop
                worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
                return  # stopped by a signal (RQ handles SIGTERM/SIGINT) or burst finished
            except redis.ConnectionError as err:
                if stop.is_set() or (worker is not None and worker._stop_requested):
                    # Asked to stop and Redis is gone already: nothing left to tell it.
                    log.info("stopped (Redis unreachable during the warm shutdown)")
                    return
                # RQ's signal handlers belong to the loop that just failed: a stop asked during
                # the wait must end it, not be lost.
                _stop_on_signal(stop)
                if time.monotonic() - started < STARTUP_WAIT_S:  # Redis starting with us (Procfile)
                    log.info("waiting for Redis (%s)", err)
                    backoff = 0.25
                else:
                    log.error("Redis unreachable (%s); sweeping from the database, retrying in "
                              "%.0fs", err, backoff)
                if stop.wait(backoff):
                    return
                backoff = min(RECONNECT_MAX_S, backoff * 2)
    finally:
        stop.set()
        if sweeper is not None:
            sweeper.join(timeout=10)
        ctx.close()
