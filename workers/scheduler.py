"""RQ implementation of the engine's TimerScheduler port: one wake-up job per timer row."""
from __future__ import annotations

import logging
import math
from datetime import datetime, timezone

import redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

log = logging.getLogger(__name__)

QUEUE_NAME = "petitions"
FIRE_TIMER = "workers.jobs.fire_timer"


def job_id(timer_id: int) -> str:
    """Deterministic, so rescheduling a moved timer overwrites its earlier wake-up."""
    return f"timer-{timer_id}"


def wake_up_time(due_at: datetime) -> datetime:
    """RQ truncates scheduled times to whole seconds and can fire up to 1 s early: round up."""
    seconds = math.ceil(due_at.timestamp())
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


class RQTimerScheduler:
    def __init__(self, connection: redis.Redis, queue_name: str = QUEUE_NAME):
        self.connection = connection
        self.queue = Queue(queue_name, connection=connection)

    def schedule(self, timer_id: int, due_at: datetime) -> None:
        try:
            self.queue.enqueue_at(wake_up_time(due_at), FIRE_TIMER, timer_id,
                                  job_id=job_id(timer_id), result_ttl=0, failure_ttl=86400,
                                  job_timeout=120)
        except redis.RedisError as err:
            # The timer row is committed; the periodic sweep fires it without this job.
            log.warning("could not schedule wake-up for timer %s (sweep will fire it): %s",
                        timer_id, err)

    def cancel(self, timer_id: int) -> None:
        try:
            Job.fetch(job_id(timer_id), connection=self.connection).delete()
        except NoSuchJobError:
            pass
        except redis.RedisError as err:
            log.warning("could not cancel wake-up for timer %s (it will find nothing to do): %s",
                        timer_id, err)
