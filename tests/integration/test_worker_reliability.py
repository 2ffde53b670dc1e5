"""Timers against a real Redis and real worker processes: never lost, never fired twice."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from engine.audit import chain as audit
from engine.definitions import deployment
from engine.persistence.models import AuditEvent, ProcessInstance, Timer
from engine.running import instances
from tests.support import FIXTURES, make_context
from workers.redis_connection import connect
from workers.scheduler import RQTimerScheduler, due_second, job_id

TIMER_ONCE = FIXTURES / "engine" / "timer_once.bpmn"
UTC = timezone.utc


@pytest.fixture
def rq_ctx(db_url):
    """An engine context whose timer wake-ups go to RQ on the given Redis; closed after the test."""
    made = []

    def build(redis_url):
        connection = connect(redis_url)
        ctx = make_context(db_url, clock=_RealClock(), scheduler=RQTimerScheduler(connection))
        deployment.deploy(ctx, {TIMER_ONCE.name: TIMER_ONCE.read_bytes()}, actor="admin")
        made.append((ctx, connection))
        return ctx
    yield build
    for ctx, connection in made:
        ctx.close()
        connection.close()


class _RealClock:
    def now(self):
        return datetime.now(UTC)


START_BUDGET_S = 0.04  # upper bound of one start on either backend here: keep every timer future


def _start_timers(ctx, count: int, first_in_s: float, spread_s: float) -> list[int]:
    """``count`` instances whose timers are due from ``first_in_s`` after the last is created."""
    lead = first_in_s + (count * START_BUDGET_S if first_in_s > 0 else 0)
    base = datetime.now(UTC) + timedelta(seconds=lead)
    ids = []
    for i in range(count):
        fire_at = base + timedelta(seconds=spread_s * i / max(1, count - 1))
        ids.append(instances.start(ctx, "timer_once", actor="test",
                                   data={"hits": 0, "fire_at": fire_at.isoformat()})["instance_id"])
    return ids


def _spawn_worker(db_url, redis_url, tmp_path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url,
           "PETITIONS_DATA_DIR": str(tmp_path), "SWEEP_INTERVAL_S": "0.5"}
    # Own session: kill -9 of the group takes the worker and its scheduler child together.
    return subprocess.Popen([sys.executable, "-m", "petitions_cli.main", "worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def _wait_all_fired(ctx, ids, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while True:
        with ctx.uow(write=False) as uow:
            pending = uow.session.scalar(select(func.count()).select_from(Timer).where(
                Timer.instance_id.in_(ids), Timer.status == "pending"))
        if pending == 0 or time.monotonic() > deadline:
            return pending
        time.sleep(0.2)


def _assert_exactly_once(ctx, ids) -> None:
    with ctx.uow(write=False) as uow:
        statuses = set(uow.session.scalars(select(ProcessInstance.status)
                                           .where(ProcessInstance.id.in_(ids))))
        fired_events = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id.in_(ids), AuditEvent.event_type == "timer_fired"))
        assert statuses == {"completed"}
        assert fired_events == len(ids)
        assert audit.verify(uow.session).ok
    hits = {instances.details(ctx, i)["data"]["hits"] for i in ids}
    assert hits == {1}


def test_kill_9_workers_while_firing(db_url, redis_url, redis_conn, rq_ctx, tmp_path):
    ctx = rq_ctx(redis_url)
    ids = _start_timers(ctx, 120, first_in_s=2, spread_s=12)
    workers = [_spawn_worker(db_url, redis_url, tmp_path) for _ in range(2)]
    kills = 0
    try:
        end = time.monotonic() + 14
        while time.monotonic() < end or kills < 20:
            time.sleep(0.4)
            victim = kills % 2
            _kill(workers[victim])
            workers[victim] = _spawn_worker(db_url, redis_url, tmp_path)
            kills += 1
        assert _wait_all_fired(ctx, ids, 60) == 0
    finally:
        for proc in workers:
            _kill(proc)
    assert kills >= 20
    _assert_exactly_once(ctx, ids)


def test_flushall_with_500_pending_timers(db_url, redis_url, redis_conn, rq_ctx, tmp_path):
    ctx = rq_ctx(redis_url)
    ids = _start_timers(ctx, 500, first_in_s=4, spread_s=1)
    from rq import Queue
    registry = Queue("petitions", connection=redis_conn).scheduled_job_registry
    with ctx.uow(write=False) as uow:
        seconds = {due_second(due) for due in uow.session.scalars(
            select(Timer.due_at).where(Timer.instance_id.in_(ids)))}
    # One shared wake-up per due second (1 s of spread: one or two), not 500.
    assert len(seconds) <= 2
    assert sorted(redis_conn.zrange(registry.key, 0, -1)) == sorted(
        job_id(second).encode() for second in seconds)
    redis_conn.flushall()
    worker = _spawn_worker(db_url, redis_url, tmp_path)
    try:
        assert _wait_all_fired(ctx, ids, 90) == 0
    finally:
        _kill(worker)
    _assert_exactly_once(ctx, ids)


def test_redis_stopped_then_back(db_url, rq_ctx, tmp_path):
    from workers.embedded_redis import start
    process, url = start(tmp_path / "redis")
    ctx = rq_ctx(url)
    process.terminate()
    process.wait(timeout=10)
    began = time.monotonic()
    ids = _start_timers(ctx, 10, first_in_s=1, spread_s=1)  # the "web" keeps working
    assert time.monotonic() - began < 10
    worker = _spawn_worker(db_url, url, tmp_path)
    try:
        time.sleep(1)
        process, url = start(tmp_path / "redis")  # Redis comes back on the same socket
        ids += _start_timers(ctx, 10, first_in_s=1, spread_s=1)
        assert _wait_all_fired(ctx, ids, 60) == 0
        assert worker.poll() is None  # the worker survived the outage
    finally:
        _kill(worker)
        process.terminate()
        process.wait(timeout=10)
    _assert_exactly_once(ctx, ids)


def _fire_racer(db_url, barrier, timer_ids, results):
    from workers.context import set_worker_context
    from workers.jobs import fire_timer
    ctx = make_context(db_url, clock=_RealClock())
    set_worker_context(ctx)
    for timer_id in timer_ids:
        barrier.wait()
        results.put((timer_id, fire_timer(timer_id)))
    ctx.close()


def test_two_workers_racing_on_one_instance(db_url, redis_url, redis_conn, rq_ctx):
    """The per-timer ``fire_timer`` jobs that earlier versions left in Redis still fire once."""
    ctx = rq_ctx(redis_url)
    ids = _start_timers(ctx, 40, first_in_s=0.5, spread_s=0.5)
    with ctx.uow(write=False) as uow:
        timer_ids = list(uow.session.scalars(select(Timer.id).where(Timer.instance_id.in_(ids))))
        last_due = uow.session.scalar(select(func.max(Timer.due_at)))
    assert len(timer_ids) == 40
    time.sleep(max(0.0, (last_due - datetime.now(UTC)).total_seconds()) + 0.1)  # all due now
    outcomes: dict[int, list[int]] = {}
    for timer_id, fired in _race(_fire_racer, db_url, timer_ids):
        outcomes.setdefault(timer_id, []).append(fired)
    assert all(sorted(v) == [0, 1] for v in outcomes.values()), outcomes
    _assert_exactly_once(ctx, ids)


def _race(racer, db_url, items) -> list:
    """Two forked processes run ``racer`` over the same items in step; one result per item each."""
    mp_ctx = mp.get_context("fork")
    barrier, results = mp_ctx.Barrier(2), mp_ctx.Queue()
    procs = [mp_ctx.Process(target=racer, args=(db_url, barrier, items, results))
             for _ in range(2)]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=60) for _ in range(2 * len(items))]
    for proc in procs:
        proc.join(timeout=30)
    return outcomes


def _wake_up_racer(db_url, barrier, seconds, results):
    from workers.context import set_worker_context
    from workers.jobs import fire_due_timers_at
    ctx = make_context(db_url, clock=_RealClock())
    set_worker_context(ctx)
    for second in seconds:
        barrier.wait()
        time.sleep(max(0.0, second - time.time()) + 0.01)  # RQ moves the job at its second
        results.put((second, fire_due_timers_at(second)))
    ctx.close()


def test_two_workers_racing_on_shared_wake_ups(db_url, redis_url, redis_conn, rq_ctx):
    """Two workers run each second's wake-up at the same moment (a duplicate delivery, or one
    racing a sweep) as the timers fall due: every timer fires once, never twice."""
    ctx = rq_ctx(redis_url)
    ids = _start_timers(ctx, 40, first_in_s=0.5, spread_s=3)
    with ctx.uow(write=False) as uow:
        dues = list(uow.session.scalars(select(Timer.due_at).where(Timer.instance_id.in_(ids))))
    seconds = sorted({due_second(due) for due in dues})
    assert len(seconds) >= 3 and len(dues) == 40 and seconds[0] > time.time()
    fired = _race(_wake_up_racer, db_url, seconds)
    assert sum(count for _, count in fired) == 40
    assert len({second for second, count in fired if count}) >= 2  # raced second by second
    _assert_exactly_once(ctx, ids)
