"""Timer wake-ups on a real Redis: one shared RQ job per due second, run by a real SimpleWorker."""
from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta, timezone

import pytest
import redis
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from engine.audit import chain as audit
from engine.definitions import deployment
from engine.persistence.models import AuditEvent, ProcessInstance, Timer
from engine.running import instances
from tests.support import FIXTURES, FakeClock, make_context
from workers.context import set_worker_context
from workers.jobs import fire_due_timers_at
from workers.scheduler import FIRE_DUE_TIMERS_AT, QUEUE_NAME, RQTimerScheduler, job_id

TIMER_ONCE = FIXTURES / "engine" / "timer_once.bpmn"
UTC = timezone.utc


@pytest.fixture
def second():
    """A due second an hour ahead of the real clock: SpiffWorkflow (which compares timers with the
    real time) keeps every timer waiting, and RQ's scheduler would not move the job on its own."""
    return math.ceil(datetime.now(UTC).timestamp()) + 3600


@pytest.fixture
def clock():
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def wake_ctx(db_url, clock, redis_conn):
    ctx = make_context(db_url, clock=clock, scheduler=RQTimerScheduler(redis_conn))
    deployment.deploy(ctx, {TIMER_ONCE.name: TIMER_ONCE.read_bytes()}, actor="admin")
    set_worker_context(ctx)  # what the job functions use, as in `petitions worker`
    yield ctx
    set_worker_context(None)
    ctx.close()


@pytest.fixture
def queue(redis_conn):
    return Queue(QUEUE_NAME, connection=redis_conn)


def _start(ctx, fire_at: datetime) -> int:
    return instances.start(ctx, "timer_once", actor="test",
                           data={"hits": 0, "fire_at": fire_at.isoformat()})["instance_id"]


def _scheduled(queue) -> list[tuple[str, int]]:
    entries = queue.connection.zrange(queue.scheduled_job_registry.key, 0, -1, withscores=True)
    return [(name.decode(), int(score)) for name, score in entries]


def _run_now(queue, second: int) -> None:
    """Move the job for ``second`` to the queue (as RQ's scheduler does at that second) and run it
    in a real SimpleWorker in this process, RQ's bookkeeping included."""
    queue.scheduled_job_registry.requeue(job_id(second))
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def _statuses(ctx, ids) -> dict[str, int]:
    with ctx.uow(write=False) as uow:
        rows = uow.session.execute(select(Timer.status, func.count()).where(
            Timer.instance_id.in_(ids)).group_by(Timer.status)).all()
    return dict(rows)


def _fired_events(ctx, ids) -> int:
    with ctx.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id.in_(ids), AuditEvent.event_type == "timer_fired"))


def test_fifty_timers_in_one_second_share_one_job_that_fires_each_once(wake_ctx, clock, queue,
                                                                         second):
    # Due from 0.9 s to 0.165 s before the second: all round up to it.
    ids = [_start(wake_ctx, datetime.fromtimestamp(second - 0.9 + i * 0.015, tz=UTC))
           for i in range(50)]
    assert _scheduled(queue) == [(f"timers-due-{second}", second)]
    job = Job.fetch(f"timers-due-{second}", connection=queue.connection)
    assert job.func_name == FIRE_DUE_TIMERS_AT == "workers.jobs.fire_due_timers_at"
    assert job.args == (second,) and job.result_ttl == 0

    clock.current = datetime.fromtimestamp(second, tz=UTC)  # RQ runs it at that second
    _run_now(queue, second)

    assert _statuses(wake_ctx, ids) == {"fired": 50}
    assert _fired_events(wake_ctx, ids) == 50
    assert {instances.details(wake_ctx, i)["data"]["hits"] for i in ids} == {1}
    assert FailedJobRegistry(queue=queue).count == 0
    assert not Job.exists(job_id(second), connection=queue.connection)  # result_ttl=0: gone
    assert _scheduled(queue) == [] and queue.count == 0

    # Delivered again (RQ is at-least-once) or raced by a sweep: nothing fires twice.
    clock.advance(seconds=30)
    assert fire_due_timers_at(second) == 0
    assert _fired_events(wake_ctx, ids) == 50
    with wake_ctx.uow(write=False) as uow:
        assert set(uow.session.scalars(select(ProcessInstance.status))) == {"completed"}
        assert audit.verify(uow.session).ok


def test_scheduling_a_second_again_leaves_its_one_job_untouched(wake_ctx, queue, second):
    """Every process has its own scheduler (web, CLI, workers): another one scheduling the same
    second neither adds an entry nor rewrites the job, wherever it is in its life."""
    due = datetime.fromtimestamp(second - 0.5, tz=UTC)
    RQTimerScheduler(queue.connection).schedule(1, due)
    key = Job.key_for(job_id(second))
    created = queue.connection.hget(key, "created_at")
    RQTimerScheduler(queue.connection).schedule(2, due)
    assert _scheduled(queue) == [(job_id(second), second)]
    assert queue.connection.hget(key, "created_at") == created

    # Once RQ has moved it to the queue, scheduling the second again must not put it back in the
    # schedule (it would run twice).
    queue.scheduled_job_registry.requeue(job_id(second))
    RQTimerScheduler(queue.connection).schedule(3, due)
    assert _scheduled(queue) == [] and queue.job_ids == [job_id(second)]


def test_timers_in_different_seconds_get_different_jobs(queue, second):
    scheduler = RQTimerScheduler(queue.connection)
    base = datetime.fromtimestamp(second, tz=UTC)
    for timer_id, offset_s in enumerate([0, 0.001, 0.5, 1.0, 1.000001, 7.25]):
        scheduler.schedule(timer_id, base + timedelta(seconds=offset_s))
    scheduler.schedule(99, (base + timedelta(seconds=3.5)).replace(tzinfo=None))  # naive = UTC
    assert _scheduled(queue) == [(job_id(second), second), (job_id(second + 1), second + 1),
                                 (job_id(second + 2), second + 2), (job_id(second + 4), second + 4),
                                 (job_id(second + 8), second + 8)]


def _script_runs(connection) -> int:
    """Scheduling scripts Redis ran (a first NOSCRIPT miss, retried by redis-py, is not one)."""
    stats = connection.info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0)
               - stats.get(f"cmdstat_{name}", {}).get("failed_calls", 0)
               for name in ("evalsha", "eval"))


def test_one_scheduler_asks_redis_once_per_future_second(wake_ctx, queue, second):
    scheduler = RQTimerScheduler(queue.connection)
    due = datetime.fromtimestamp(second - 0.5, tz=UTC)
    queue.connection.config_resetstat()
    for timer_id in range(50):
        scheduler.schedule(timer_id, due)
    assert _script_runs(queue.connection) == 1
    # A second already at hand may have had its job run and deleted: always asked again, so a
    # timer created late (already due) still gets a wake-up.
    now_second = math.ceil(datetime.now(UTC).timestamp())
    for timer_id in range(2):
        scheduler.schedule(timer_id, datetime.fromtimestamp(now_second, tz=UTC))
    assert _script_runs(queue.connection) == 3
    queue.scheduled_job_registry.requeue(job_id(now_second))
    SimpleWorker([queue], connection=queue.connection).work(burst=True)  # no timers: fires 0
    scheduler.schedule(2, datetime.fromtimestamp(now_second, tz=UTC))
    assert _scheduled(queue) == [(job_id(now_second), now_second), (job_id(second), second)]


def test_a_job_woken_early_fires_nothing(wake_ctx, clock, queue, second, caplog):
    ids = [_start(wake_ctx, datetime.fromtimestamp(second - 0.8, tz=UTC)) for _ in range(3)]
    # Due by the clock already, but the job for their second runs 0.1 s before it: not its turn.
    clock.current = datetime.fromtimestamp(second - 0.1, tz=UTC)
    with caplog.at_level(logging.INFO, logger="workers.jobs"):
        _run_now(queue, second)
    assert _statuses(wake_ctx, ids) == {"pending": 3}
    assert _fired_events(wake_ctx, ids) == 0
    assert FailedJobRegistry(queue=queue).count == 0
    assert any("woke 0.100s early" in r.getMessage() for r in caplog.records
               if r.name == "workers.jobs")


def test_cancel_is_harmless(wake_ctx, clock, queue, second, caplog):
    kept, ended = (_start(wake_ctx, datetime.fromtimestamp(second - 0.5, tz=UTC)) for _ in range(2))
    instances.terminate(wake_ctx, ended, actor="admin", reason="rút đơn")  # cancels its timer
    assert _statuses(wake_ctx, [ended]) == {"cancelled": 1}
    assert _scheduled(queue) == [(job_id(second), second)]  # still needed by the other timer

    clock.current = datetime.fromtimestamp(second, tz=UTC)
    _run_now(queue, second)
    assert _statuses(wake_ctx, [kept]) == {"fired": 1}
    assert _statuses(wake_ctx, [ended]) == {"cancelled": 1}
    assert _fired_events(wake_ctx, [kept, ended]) == 1

    # It needs no Redis at all: nothing raised, nothing logged with Redis gone.
    gone = redis.Redis(unix_socket_path="/nonexistent/redis.sock", socket_connect_timeout=0.2)
    with caplog.at_level(logging.DEBUG, logger="workers.scheduler"):
        RQTimerScheduler(gone).cancel(1)
    assert [r for r in caplog.records if r.name == "workers.scheduler"] == []
