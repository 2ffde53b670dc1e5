"""RQ implementation of the engine's TimerScheduler port: one shared wake-up job per due second.

The sweep thread of every worker fires almost every timer itself; the RQ job is the backup for
when the sweep is late (say, the web process created a timer due sooner than the sweeper's current
sleep). With one job per timer, ~99 % of the jobs ran as no-ops at ~7.5 ms of RQ bookkeeping
each (bench/README.md). One job per due second keeps that cost at most one job per second,
however many timers fall in it: the job fires every timer that is due when it runs.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from datetime import datetime, timezone

import redis
from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.job import JobStatus

log = logging.getLogger(__name__)

QUEUE_NAME = "petitions"
FIRE_DUE_TIMERS_AT = "workers.jobs.fire_due_timers_at"
FIRE_TIMER = "workers.jobs.fire_timer"  # the per-timer job of earlier versions, still runnable
JOB_TIMEOUT_S = 600  # one job may drain a backlog of many instances (workers.jobs)
FAILURE_TTL_S = 86400  # failed wake-ups stay on the /jobs/ page for a day
REMEMBERED_SECONDS = 4096
# A remembered second is skipped only while its job surely has not run yet (RQ moves it at that
# second); the margin covers clock skew between this host and the one running RQ's scheduler.
SKIP_MARGIN_S = 5.0


def due_second(due_at: datetime) -> int:
    """RQ truncates scheduled times to whole seconds and can fire up to 1 s early: round up."""
    if due_at.tzinfo is None:  # naive means UTC here (engine.persistence.database); .timestamp() reads local
        due_at = due_at.replace(tzinfo=timezone.utc)
    return math.ceil(due_at.timestamp())


def job_id(second: int) -> str:
    """Deterministic: every timer due in the same second maps to the same job."""
    return f"timers-due-{second}"


class RQTimerScheduler:
    def __init__(self, connection: redis.Redis, queue_name: str = QUEUE_NAME):
        self.connection = connection
        self.queue = Queue(queue_name, connection=connection)
        # Seconds this object already scheduled: saves a Redis round trip per timer when many
        # share a second. Only an optimisation: a job lost anyway (FLUSHALL) is healed by the
        # sweep.
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._lock = threading.Lock()  # the web app schedules from several request threads

    def schedule(self, timer_id: int, due_at: datetime) -> None:
        second = due_second(due_at)
        if self._recently_scheduled(second):
            return
        job = self.queue.create_job(FIRE_DUE_TIMERS_AT, args=(second,), job_id=job_id(second),
                                    status=JobStatus.SCHEDULED, result_ttl=0,
                                    failure_ttl=FAILURE_TTL_S, timeout=JOB_TIMEOUT_S)
        try:
            # unique: a job that already exists for this second (scheduled, queued or running) is
            # left untouched. Overwriting it would put a queued job back in the schedule (it would
            # run twice) or be discarded when a running one completes; a timer that a running job
            # read too early to see is fired by the sweep.
            self.queue.schedule_job(job, datetime.fromtimestamp(second, tz=timezone.utc),
                                    unique=True)
        except DuplicateJobError:
            pass
        except redis.RedisError as err:
            # The timer row is committed; the periodic sweep fires it without this job.
            log.warning("could not schedule wake-up for timer %s (sweep will fire it): %s",
                        timer_id, err)
            return
        self._remember(second)

    def cancel(self, timer_id: int) -> None:
        """Nothing to drop: the wake-up is shared by every timer due in the same second, and when
        it runs it re-reads the database, where this timer is no longer pending."""

    def _recently_scheduled(self, second: int) -> bool:
        with self._lock:
            return second in self._recent and second > time.time() + SKIP_MARGIN_S

    def _remember(self, second: int) -> None:
        with self._lock:
            self._recent[second] = None
            self._recent.move_to_end(second)
            while len(self._recent) > REMEMBERED_SECONDS:
                self._recent.popitem(last=False)
