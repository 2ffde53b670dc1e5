"""Timer benchmark: how late timers fire with real worker processes, PostgreSQL and Redis.

Run from the repository root: ``python -m bench.timer_bench [--quick] [--cases spread1k,spread10k,
burst] [--workers 1,2] [--profile]``. One JSON document goes to stdout, progress to stderr.

Each case runs on a fresh throwaway PostgreSQL schema (``bench_timers_<random>``, migrated with
``petitions.upgrade.upgrade``, dropped at the end even on error) and a flushed throwaway Redis
(``workers.embedded_redis``, unix socket), with 1 and with 2 ``petitions worker`` processes
(``SWEEP_INTERVAL_S=2``): each is an RQ SimpleWorker with its scheduler plus the sweep thread, as
in production. Timers come from ``tests/fixtures/engine/timer_once.bpmn`` (start → timer catch on
``fire_at`` → script ``hits += 1`` → end), created through the engine BEFORE the measured window
(batched ``instances.start_in`` units of work, from 2 processes for large counts), so that the
window starts after creation ends plus a margin. Cases:

- ``spread1k``: 1,000 timers due evenly over 60 s (target: p99 lateness < 1 s);
- ``spread10k``: 10,000 timers due evenly over 60 s (target: p99 lateness < 5 s);
- ``burst``: 1,000 timers due within one whole second S (evenly in [S, S+1)); ``drain_s`` is the
  time from S until the last one fired.

``lateness`` = ``timers.fired_at`` − ``due_at`` (``fired_at`` is the ``now`` the engine gives the
fire transaction). Because a sweep round passes one ``now`` to every instance it fires, that
figure can understate lateness under a backlog, so the benchmark also installs a trigger on the
throwaway ``timers`` table that logs ``clock_timestamp()`` when a row turns ``fired``:
``observed_lateness`` = that moment − ``due_at`` (what a citizen would see). Both must never be
negative (``early_count``). ``fired_by`` splits fires between the sweep (its log lines
"sweep fired N timer(s)") and the RQ wake-up jobs (the rest); see ``split_fires`` for when that
split is exact.

``--profile`` adds an in-process phase without workers: the cost of one fire through the sweep
and through the RQ job, an empty sweep round, and cProfile's top functions (to stderr).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import multiprocessing as mp
import os
import platform
import pstats
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parent.parent
DIAGRAM = REPO / "tests" / "fixtures" / "engine" / "timer_once.bpmn"
PROCESS = "timer_once"
ACTOR = "bench"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
UTC = timezone.utc
SWEEP_INTERVAL_S = "2"
DRAIN_TIMEOUT_S = {"full": 120.0, "quick": 20.0}   # after the last due time
BATCH = 25                       # instances per unit of work while creating
PARALLEL_FROM = 500              # create with 2 processes from this many timers up
COUNTS = {
    "full": {"spread1k": (1000, 60.0), "spread10k": (10000, 60.0), "burst": (1000, 1.0)},
    "quick": {"spread1k": (100, 10.0), "spread10k": (1000, 10.0), "burst": (100, 1.0)},
}
TARGET_P99_S = {"spread1k": 1.0, "spread10k": 5.0}
PROFILE_TIMERS = {"full": 200, "quick": 50}


def log(message: str) -> None:
    print(f"[timer-bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default) on sorted data."""
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarize(values: list[float]) -> dict | None:
    if not values:
        return None
    ordered = sorted(values)
    return {"n": len(ordered), "min": round(ordered[0], 4),
            "median": round(percentile(ordered, 0.5), 4),
            "p99": round(percentile(ordered, 0.99), 4), "max": round(ordered[-1], 4),
            "mean": round(statistics.fmean(ordered), 4)}


def pg_base() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG_URL)


def with_search_path(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


# --- throwaway database and Redis ---------------------------------------------------------------

FIRE_LOG_SQL = [
    """CREATE TABLE "{s}".bench_fire_log (
           timer_id integer NOT NULL, backend_pid integer NOT NULL,
           at timestamptz NOT NULL DEFAULT clock_timestamp())""",
    """CREATE FUNCTION "{s}".bench_log_fire() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           INSERT INTO "{s}".bench_fire_log (timer_id, backend_pid)
           VALUES (NEW.id, pg_backend_pid());
           RETURN NULL;
       END $$""",
    """CREATE TRIGGER bench_fire AFTER UPDATE OF status ON "{s}".timers FOR EACH ROW
       WHEN (NEW.status = 'fired' AND OLD.status IS DISTINCT FROM 'fired')
       EXECUTE FUNCTION "{s}".bench_log_fire()""",
]


@contextmanager
def throwaway_schema(admin):
    """A migrated schema with the fire-log trigger; dropped at the end, also on error.

    The migration runs in a fresh interpreter: a full run lasts long enough for the code base to
    change under it, and Alembic re-reads ``env.py`` from disk while this process keeps the
    engine modules it imported at start."""
    schema = f"bench_timers_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = with_search_path(pg_base(), schema)
        migrated = subprocess.run(
            [sys.executable, "-c",
             "import sys; from petitions.upgrade import upgrade; upgrade(sys.argv[1])", url],
            cwd=REPO, capture_output=True, text=True)
        if migrated.returncode != 0:
            raise RuntimeError(f"migration failed: {migrated.stderr.strip()[-1500:]}")
        with admin.begin() as conn:
            for statement in FIRE_LOG_SQL:
                conn.execute(text(statement.format(s=schema)))
        yield schema, url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def make_ctx(url: str, redis_url: str | None):
    from engine.ports import NoScheduler
    from petitions.wiring import context_for
    from workers.redis_connection import connect
    from workers.scheduler import RQTimerScheduler
    scheduler = RQTimerScheduler(connect(redis_url)) if redis_url else NoScheduler()
    return context_for(url, scheduler=scheduler)


def close_ctx(ctx) -> None:
    ctx.close()
    connection = getattr(ctx.scheduler, "connection", None)
    if connection is not None:
        connection.close()


# --- creating timers -----------------------------------------------------------------------------

def create_instances(ctx, dues: list[str], batch: int = BATCH) -> None:
    """One engine start per due time, ``batch`` starts per unit of work (``start_in``) when the
    engine offers it, else one ``instances.start`` each. Wake-ups are scheduled after each
    commit, as in production."""
    from engine.running import instances
    start_in = getattr(instances, "start_in", None)
    if start_in is None:
        for due in dues:
            instances.start(ctx, PROCESS, actor=ACTOR, data={"hits": 0, "fire_at": due})
        return
    for first in range(0, len(dues), batch):
        with ctx.uow() as uow:
            for due in dues[first:first + batch]:
                start_in(ctx, uow, PROCESS, actor=ACTOR, data={"hits": 0, "fire_at": due})
            uow.commit()


def creator_process(url: str, redis_url: str, dues: list[str], results) -> None:
    try:
        ctx = make_ctx(url, redis_url)
        began = time.time()
        create_instances(ctx, dues)
        ended = time.time()
        close_ctx(ctx)
        results.put(("ok", len(dues), began, ended))
    except BaseException as err:  # reported to the parent, which fails the case loudly
        results.put(("error", f"{type(err).__name__}: {err}", 0.0, 0.0))
        raise


def create_all(ctx, url: str, redis_url: str, dues: list[str]) -> dict:
    """Create every instance; returns the setup figures (rate over the creators' own wall time)."""
    began = time.time()
    if len(dues) < PARALLEL_FROM:
        create_instances(ctx, dues)
        procs, first, last = 1, began, time.time()
    else:
        procs = 2
        spawn = mp.get_context("spawn")
        results = spawn.Queue()
        children = [spawn.Process(target=creator_process,
                                  args=(url, redis_url, dues[k::procs], results))
                    for k in range(procs)]
        for child in children:
            child.start()
        rows = [results.get(timeout=1800) for _ in children]
        for child in children:
            child.join(timeout=60)
        errors = [row[1] for row in rows if row[0] == "error"]
        if errors:
            raise RuntimeError(f"creating timers failed: {errors[0]}")
        first, last = min(r[2] for r in rows), max(r[3] for r in rows)
    return {"creator_processes": procs, "creation_s": round(last - first, 2),
            "creation_wall_s": round(time.time() - began, 2),
            "instances_created_per_s": round(len(dues) / max(last - first, 1e-9), 1),
            "ended_at": last}


# --- worker processes ----------------------------------------------------------------------------

def spawn_worker(url: str, redis_url: str, folder: Path,
                 index: int) -> tuple[subprocess.Popen, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / f"worker-{index}.log"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url,
           "PETITIONS_DATA_DIR": str(folder), "SWEEP_INTERVAL_S": SWEEP_INTERVAL_S,
           "MAIL_SINK": "file"}
    with open(log_path, "wb") as out:
        # Own session: killing the group takes the worker and its RQ scheduler child together.
        proc = subprocess.Popen([sys.executable, "-m", "petitions_cli.main", "worker"], env=env,
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=out,
                                start_new_session=True)
    return proc, log_path


def kill_group(proc: subprocess.Popen) -> None:
    if proc.returncode is not None:  # already stopped and reaped: its group id may be reused
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        log(f"worker {proc.pid} did not exit after SIGKILL")


def session_cpu_s(sessions: set[int]) -> float:
    """User+system CPU seconds of every live process whose session id is in ``sessions``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) in sessions:        # field 6 (session) of /proc/<pid>/stat
            total += int(fields[11]) + int(fields[12])   # utime, stime
    return total / tick


def cpu_ticks() -> tuple[int, int] | None:
    """(all, idle) jiffies of the whole machine: shows whether the run was CPU-bound."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return sum(values), values[3] + values[4]
    except (OSError, ValueError, IndexError):
        return None


SWEEP_FIRED = re.compile(r"sweep fired (\d+) timer")


def parse_worker_logs(paths: list[Path]) -> dict:
    """What the workers' logs say: fires counted by the sweep, RQ job outcomes, failures."""
    sweep = rounds = failed_rounds = jobs = raised = early = lines = 0
    samples: list[str] = []
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            lines += 1
            found = SWEEP_FIRED.search(line)
            if found:
                sweep += int(found.group(1))
                rounds += 1
            elif "sweep failed" in line:
                failed_rounds += 1
            elif "Job OK" in line and ("(timers-due-" in line or "(timer-" in line):
                jobs += 1
            elif "exception raised while executing" in line:
                raised += 1
            elif "woke" in line and "early" in line:
                early += 1
            elif line[:1] not in (" ", "2", "") and "Error" in line and len(samples) < 4:
                if line[:300] not in samples:   # exception lines of tracebacks
                    samples.append(line[:300])
    return {"sweep_fired": sweep, "sweep_rounds_logged": rounds,
            "sweep_rounds_failed": failed_rounds, "rq_jobs_ok": jobs,
            "rq_jobs_raised": raised, "rq_woke_early": early, "log_lines": lines,
            "exception_samples": samples}


def split_fires(fired: int, logs: dict) -> dict:
    """Sweep vs RQ wake-up, from the workers' logs. The sweep logs how many each round fired, but
    a round that ends in an exception logs nothing although the batches it committed before did
    fire: its count is exact only when no round failed. Otherwise fall back on the RQ jobs that
    raised (approximate), or give bounds."""
    out = dict(logs)
    out["sweep_fired_logged"] = out.pop("sweep_fired")
    if logs["sweep_rounds_failed"] == 0:
        rq, method = fired - logs["sweep_fired"], "exact: sweep log, no sweep round failed"
    elif logs["rq_jobs_raised"]:
        rq, method = logs["rq_jobs_raised"], "approximate: RQ jobs that raised after firing"
    else:
        rq, method = fired - logs["sweep_fired"], "bounds: sweep >= logged, RQ <= the rest"
    out.update(sweep_fired=fired - rq, rq_wakeup_fired=rq, method=method,
               exact=logs["sweep_rounds_failed"] == 0)
    return out


# --- one case ------------------------------------------------------------------------------------

class Estimator:
    """Seconds per created instance, per number of creator processes; updated from each case."""

    def __init__(self):
        self.per_instance = {1: 0.04, 2: 0.025}
        self.seen_parallel = False

    def creation_s(self, count: int) -> float:
        procs = 1 if count < PARALLEL_FROM else 2
        return count * self.per_instance[procs] + (3.0 if procs == 2 else 0.0)  # + spawn/import

    def update(self, count: int, setup: dict) -> None:
        procs, latest = setup["creator_processes"], setup["creation_s"] / count
        self.per_instance[procs] = latest
        if procs == 1 and not self.seen_parallel:  # until measured: 2 processes ~1.6x faster
            self.per_instance[2] = latest / 1.6
        self.seen_parallel = self.seen_parallel or procs == 2


def due_times(kind: str, count: int, window_s: float, start: datetime) -> list[datetime]:
    if kind == "burst":  # evenly within one whole second
        return [start + timedelta(seconds=i / count) for i in range(count)]
    step = window_s / max(1, count - 1)
    return [start + timedelta(seconds=i * step) for i in range(count)]


def lock_waiters(admin_conn, schema: str) -> int:
    """Backends waiting on a lock while holding a lock on this schema's process_instances."""
    return admin_conn.execute(text(
        "SELECT count(*) FROM pg_stat_activity a WHERE a.wait_event_type = 'Lock' AND EXISTS "
        "(SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.relation = CAST(:rel AS regclass))"),
        {"rel": f'"{schema}".process_instances'}).scalar()


def pending_count(admin_conn, schema: str) -> int:
    return admin_conn.execute(text(
        f"SELECT count(*) FROM \"{schema}\".timers WHERE status = 'pending'")).scalar()


def run_case(name: str, kind: str, count: int, window_s: float, workers: int, *, admin,
             redis_conn, redis_url: str, tmp: Path, estimator: Estimator, quick: bool) -> dict:
    from rq import Queue, Worker

    from engine.definitions import deployment
    from workers.scheduler import QUEUE_NAME
    redis_conn.flushall()
    label = f"{name} × {workers} worker(s)"
    with throwaway_schema(admin) as (schema, url):
        ctx = make_ctx(url, redis_url)
        procs: list[subprocess.Popen] = []
        logs: list[Path] = []
        try:
            deployment.deploy(ctx, {DIAGRAM.name: DIAGRAM.read_bytes()}, actor=ACTOR)
            folder = tmp / f"{name}-{workers}w-{schema}"
            for index in range(workers):  # booting alongside the creation, as in production
                proc, log_path = spawn_worker(url, redis_url, folder, index)
                procs.append(proc)
                logs.append(log_path)
            margin = 2.0 if quick else 5.0
            lead = max(4.0 if quick else 6.0,
                       estimator.creation_s(count) * 1.5 + margin)
            start = datetime.now(UTC) + timedelta(seconds=lead)
            if kind == "burst":
                start = datetime.fromtimestamp(math.ceil(start.timestamp()), tz=UTC)
            dues = due_times(kind, count, window_s, start)
            log(f"{label}: creating {count} timers, window starts in {lead:.1f} s")
            setup = create_all(ctx, url, redis_url, [d.isoformat() for d in dues])
            estimator.update(count, setup)
            setup["window_starts_after_setup_s"] = round(
                start.timestamp() - setup.pop("ended_at"), 2)
            setup["overran"] = setup["window_starts_after_setup_s"] < 0
            registry = Queue(QUEUE_NAME, connection=redis_conn).scheduled_job_registry
            setup["wakeups_scheduled"] = redis_conn.zcard(registry.key)
            log(f"{label}: {setup['instances_created_per_s']}/s, "
                f"{setup['window_starts_after_setup_s']} s before the window")
            while Worker.count(connection=redis_conn) < workers and datetime.now(UTC) < start:
                time.sleep(0.1)
            setup["workers_ready_before_window"] = Worker.count(connection=redis_conn) >= workers
            if any(proc.poll() is not None for proc in procs):
                raise RuntimeError(f"a worker exited early; see {logs}")
            sessions = {proc.pid for proc in procs}
            wait_s = (start - datetime.now(UTC)).total_seconds()
            if wait_s > 0:
                time.sleep(wait_s)
            cpu0, ticks0, t0 = session_cpu_s(sessions), cpu_ticks(), time.time()
            load_at_window = [round(x, 2) for x in os.getloadavg()]
            deadline = dues[-1].timestamp() + DRAIN_TIMEOUT_S["quick" if quick else "full"]
            samples = with_waiters = max_waiters = 0
            timed_out = False
            with admin.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                while True:
                    waiters = lock_waiters(conn, schema)
                    samples += 1
                    with_waiters += waiters > 0
                    max_waiters = max(max_waiters, waiters)
                    now = time.time()
                    if now >= dues[-1].timestamp() and pending_count(conn, schema) == 0:
                        break
                    if now > deadline:
                        log(f"{label}: TIMEOUT, timers still pending")
                        timed_out = True
                        break
                    time.sleep(0.25)
            cpu1, ticks1, t1 = session_cpu_s(sessions), cpu_ticks(), time.time()
            for proc in procs:  # stopped first, so that the figures below are one snapshot
                kill_group(proc)
            result = collect(admin, schema, dues, kind, count)
            result.update(timers=count, window_s=window_s, workers=workers, setup=setup,
                          timed_out=timed_out)
            queue = Queue(QUEUE_NAME, connection=redis_conn)
            result["redis_after"] = {"scheduled_left": redis_conn.zcard(registry.key),
                                     "queued": queue.count,
                                     "failed_jobs": queue.failed_job_registry.count}
            result["fired_by"] = split_fires(result["fired"], parse_worker_logs(logs))
            fires = max(1, result["fired"])
            result["resources"] = {
                "worker_cpu_s": round(cpu1 - cpu0, 2),
                "worker_cpu_ms_per_fire": round(1000 * (cpu1 - cpu0) / fires, 2),
                "measured_wall_s": round(t1 - t0, 2),
                "loadavg_at_window_start": load_at_window,
                "lock_wait_samples": {"samples": samples, "with_waiters": with_waiters,
                                      "max_waiters": max_waiters},
            }
            if ticks0 and ticks1 and ticks1[0] > ticks0[0]:
                result["resources"]["machine_cpu_busy_pct"] = round(
                    100 - 100 * (ticks1[1] - ticks0[1]) / (ticks1[0] - ticks0[0]), 1)
            target = TARGET_P99_S.get(name)
            complete = result["unfired"] == 0 and result["early_count"] == 0
            if target is not None:
                result["target"] = f"p99 lateness < {target} s, none early, none unfired"
                result["meets_target"] = bool(complete and result["lateness_s"]
                                              and result["lateness_s"]["p99"] < target)
                result["meets_target_observed"] = bool(
                    complete and result["observed_lateness_s"]
                    and result["observed_lateness_s"]["p99"] < target)
            else:
                result["ok"] = complete
            late = result["lateness_s"] or {}
            obs = result["observed_lateness_s"] or {}
            log(f"{label}: fired {result['fired']}/{count}, lateness p99 {late.get('p99')} s "
                f"(observed {obs.get('p99')} s), max {late.get('max')} s (observed "
                f"{obs.get('max')} s), sweep {result['fired_by']['sweep_fired']} / rq "
                f"{result['fired_by']['rq_wakeup_fired']}")
            return result
        finally:
            for proc in procs:
                kill_group(proc)
            close_ctx(ctx)


def collect(admin, schema: str, dues: list[datetime], kind: str, count: int) -> dict:
    with admin.connect() as conn:
        rows = conn.execute(text(
            f'SELECT t.id, t.due_at, t.fired_at, t.status, l.at, l.n FROM "{schema}".timers t '
            f'LEFT JOIN (SELECT timer_id, min(at) AS at, count(*) AS n '
            f'FROM "{schema}".bench_fire_log GROUP BY timer_id) l ON l.timer_id = t.id')).all()
        audit_fired = conn.execute(text(
            f"SELECT count(*) FROM \"{schema}\".audit_events "
            f"WHERE event_type = 'timer_fired'")).scalar()
        completed = conn.execute(text(
            f"SELECT count(*) FROM \"{schema}\".process_instances "
            f"WHERE status = 'completed'")).scalar()
        backends = conn.execute(text(
            f'SELECT count(DISTINCT backend_pid) FROM "{schema}".bench_fire_log')).scalar()
    fired = [r for r in rows if r.status == "fired" and r.fired_at is not None]
    lateness = [(r.fired_at - r.due_at).total_seconds() for r in fired]
    observed = [(r.at - r.due_at).total_seconds() for r in fired if r.at is not None]
    out = {
        "fired": len(fired), "unfired": len(rows) - len(fired), "rows": len(rows),
        "early_count": sum(1 for x in lateness if x < 0),
        "observed_early_count": sum(1 for x in observed if x < 0),
        "lateness_s": summarize(lateness),
        "observed_lateness_s": summarize(observed),
        "fired_at_understates_by_s": summarize([(r.at - r.fired_at).total_seconds()
                                                for r in fired if r.at is not None]),
        "timer_fired_audit_events": audit_fired, "instances_completed": completed,
        "double_fires": sum(1 for r in rows if (r.n or 0) > 1),
        "firing_db_backends": backends,
    }
    if fired:
        if kind == "burst":
            second = dues[0].replace(microsecond=0)
            out["drain_s"] = round(
                max(r.fired_at for r in fired).timestamp() - second.timestamp(), 3)
            out["observed_drain_s"] = round(
                max(r.at for r in fired if r.at).timestamp() - second.timestamp(), 3)
        moments = sorted(r.at.timestamp() for r in fired if r.at is not None)
        if len(moments) > 1 and moments[-1] > moments[0]:
            out["fire_rate_per_s"] = round(len(moments) / (moments[-1] - moments[0]), 1)
        if kind != "burst":  # how lateness evolves across the window (backlog growth)
            tenths: list[list[float]] = [[] for _ in range(10)]
            first, span = dues[0].timestamp(), max(1e-9, dues[-1].timestamp() - dues[0].timestamp())
            for r in fired:
                if r.at is not None:
                    index = min(9, int(10 * (r.due_at.timestamp() - first) / span))
                    tenths[index].append((r.at - r.due_at).total_seconds())
            out["observed_median_by_tenth_of_window_s"] = [
                round(statistics.median(t), 3) if t else None for t in tenths]
    return out


# --- profile phase (no workers) ------------------------------------------------------------------

def print_profile(name: str, profiler: cProfile.Profile) -> None:
    own = f"{REPO}/(engine|workers)/"
    for title, restriction in (("all functions", ()), ("engine/ + workers/", (own,))):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(*restriction, 20)
        print(f"\n===== cProfile {name}, {title}: top 20 by cumulative time =====\n"
              f"{buffer.getvalue()}", file=sys.stderr, flush=True)


@contextmanager
def worker_logging(folder: Path):
    """The worker's logging set-up (``logging.basicConfig(level=INFO)`` to a file) for a while."""
    import logging
    root = logging.getLogger()
    handler = logging.FileHandler(folder / "profile-worker.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def timed_fires(ctx, instance_ids: list[int],
                profiler: cProfile.Profile | None = None) -> list[float]:
    from engine.work.timers import fire_instance_timers
    times = []
    for instance_id in instance_ids:
        now = datetime.now(UTC)
        t = time.perf_counter()
        if profiler is not None:
            profiler.runcall(fire_instance_timers, ctx, instance_id, now, skip_locked=True)
        else:
            fire_instance_timers(ctx, instance_id, now, skip_locked=True)
        times.append(1000 * (time.perf_counter() - t))
    return times


@contextmanager
def instrumented(ctx):
    """Time the steps of the real firing code in this process by wrapping the functions it calls
    (``locks.lock_instances``, ``loading.load_workflow``, ``stepping.advance``, ``saving.save``,
    ``timer_mirror.read_pending`` and
    ``UnitOfWork.commit``); restored on exit. Whatever the engine's firing code becomes, these
    are the steps it is built from."""
    from engine.persistence.unit_of_work import UnitOfWork
    from engine.running import loading, locks, saving, stepping, timer_mirror
    spent: dict[str, float] = {}
    restore = []

    def wrap(owner, name: str, key: str, *, instance: bool = False) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - began
        setattr(owner, name, timed)
        restore.append((owner, name, None if instance else original))

    wrap(locks, "lock_instances", "lock_instance")
    wrap(timer_mirror, "read_pending", "read_pending")
    wrap(loading, "load_workflow", "load_workflow")
    wrap(stepping, "advance", "advance")
    wrap(saving, "save", "save")
    wrap(UnitOfWork, "commit", "commit")
    try:
        yield spent
    finally:
        for owner, name, original in reversed(restore):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


def phase_split(ctx, instance_ids: list[int]) -> dict:
    """Mean milliseconds per fire of each step of ``fire_instance_timers``; ``other`` is the rest
    (opening the unit of work, the snapshot, events); ``client_cpu_ms`` is this process's CPU
    per fire."""
    with instrumented(ctx) as spent:
        cpu = time.process_time()
        total = sum(timed_fires(ctx, instance_ids)) / 1000
        cpu = time.process_time() - cpu
    n = max(1, len(instance_ids))
    out = {f"{key}_ms": round(1000 * value / n, 2) for key, value in spent.items()}
    out["other_ms"] = round(1000 * (total - sum(spent.values())) / n, 2)
    out["total_ms"] = round(1000 * total / n, 2)
    out["client_cpu_ms"] = round(1000 * cpu / n, 2)  # this process's CPU, of total_ms
    return out


def compare_variants(ctx, async_ctx, instance_ids: list[int], tmp: Path) -> dict:
    """One fire each, round-robin (so the machine's changing load hits every variant alike):
    ``as_is`` (no log handler), ``worker_logging`` (the worker's INFO logging to a file) and
    ``synchronous_commit_off`` (what if the fire transaction did not wait for the WAL flush)."""
    variants = ("as_is", "worker_logging", "synchronous_commit_off")
    times: dict[str, list[float]] = {v: [] for v in variants}
    for k in range(0, len(instance_ids) - len(variants) + 1, len(variants)):
        for variant, instance_id in zip(variants, instance_ids[k:k + len(variants)]):
            if variant == "worker_logging":
                with worker_logging(tmp):
                    times[variant] += timed_fires(ctx, [instance_id])
            elif variant == "synchronous_commit_off":
                times[variant] += timed_fires(async_ctx, [instance_id])
            else:
                times[variant] += timed_fires(ctx, [instance_id])
    return {variant: summarize(values) for variant, values in times.items()}


def rq_worker_noop_jobs(ctx, redis_conn, timer_ids: list[int], tmp: Path) -> dict:
    """What a wake-up costs once the sweep fired its timers: one shared ``fire_due_timers_at``
    job per (past) second with nothing left to fire, run by a real RQ SimpleWorker (burst mode,
    the worker's logging) in this process, so RQ's own per-job Redis bookkeeping counts too.
    Wall and CPU ms per job (one job now stands for every timer due in its second)."""
    from rq import Queue, SimpleWorker

    from workers.context import set_worker_context
    from workers.scheduler import FIRE_DUE_TIMERS_AT
    queue = Queue("bench-noop", connection=redis_conn)
    past = int(time.time()) - 10 * len(timer_ids)
    for offset in range(len(timer_ids)):
        queue.enqueue(FIRE_DUE_TIMERS_AT, past + offset, result_ttl=0)
    set_worker_context(ctx)
    try:
        with worker_logging(tmp):
            wall, cpu = time.perf_counter(), time.process_time()
            SimpleWorker([queue], connection=redis_conn).work(burst=True, logging_level="INFO")
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        set_worker_context(None)
    n = max(1, len(timer_ids))
    return {"jobs": len(timer_ids), "left_in_queue": queue.count,
            "wall_ms_per_job": round(1000 * wall / n, 2),
            "cpu_ms_per_job": round(1000 * cpu / n, 2)}


def run_profile(count: int, *, admin, redis_conn, redis_url: str, tmp: Path) -> dict:
    """In-process cost of firing, without worker processes (the machine's other load still counts):
    the phases of one sweep-path fire; one fire as is and in three what-if variants
    (``compare_variants``); one RQ ``fire_timer`` job (and the same job again once fired: a no-op);
    a sweep round firing ``count`` timers; an empty sweep round. cProfile tops go to stderr."""
    from sqlalchemy import select

    from engine.definitions import deployment
    from engine.persistence.models import Timer
    from engine.work.timers import fire_due_timers, next_due
    from workers.context import set_worker_context
    from workers.jobs import fire_timer
    from workers.mailer import FileSender
    from workers.sweeper import sweep_once
    redis_conn.flushall()
    groups = 8  # phases, 4 compared variants, RQ jobs, cProfile, one sweep round
    out: dict = {"timers_per_measure": count}
    with throwaway_schema(admin) as (schema, url):
        ctx = make_ctx(url, redis_url)
        async_ctx = make_ctx(url + "%20-csynchronous_commit%3Doff", redis_url)
        try:
            deployment.deploy(ctx, {DIAGRAM.name: DIAGRAM.read_bytes()}, actor=ACTOR)
            began = time.perf_counter()
            for _ in range(groups * count // BATCH):
                # due 5 s after its own batch is created: never already past due at creation
                due = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
                create_instances(ctx, [due] * BATCH)
            out["create_ms_per_instance_batched"] = round(
                1000 * (time.perf_counter() - began) / (groups * count), 2)
            time.sleep(5.1)
            with ctx.uow(write=False) as uow:
                rows = list(uow.session.execute(
                    select(Timer.id, Timer.instance_id).order_by(Timer.id)).all())
            if len(rows) != groups * count // BATCH * BATCH:
                raise RuntimeError(f"profile: {len(rows)} pending timers, expected "
                                   f"{groups * count // BATCH * BATCH}")
            split, compared = rows[:count], rows[count:5 * count]
            jobs, profiled = rows[5 * count:6 * count], rows[6 * count:7 * count]
            # rows[7 * count:] stay pending for the sweep round below
            out["sweep_fire_phases_mean_ms"] = phase_split(ctx, [i for _, i in split])
            out["sweep_fire_ms"] = compare_variants(ctx, async_ctx, [i for _, i in compared], tmp)
            profiler = cProfile.Profile()
            with worker_logging(tmp):
                set_worker_context(ctx)
                try:
                    for label in ("rq_job_fire_ms", "rq_job_noop_ms"):
                        times = []
                        for timer_id, _ in jobs:
                            t = time.perf_counter()
                            fire_timer(timer_id)
                            times.append(1000 * (time.perf_counter() - t))
                        out[label] = summarize(times)
                finally:
                    set_worker_context(None)
                timed_fires(ctx, [i for _, i in profiled], profiler)
            print_profile("fire_instance_timers with the worker's logging", profiler)
            with open(tmp / "profile-worker.log", errors="replace") as lines:
                out["worker_log_lines_per_fire"] = round(sum(1 for _ in lines) / (3 * count), 1)
            sender = FileSender(tmp / "mail")
            t = time.perf_counter()
            fired = sweep_once(ctx, datetime.now(UTC), sender)["timers"]["fired"]
            elapsed = time.perf_counter() - t
            out["sweep_round_firing"] = {"fired": fired, "ms_per_fire": round(
                1000 * elapsed / max(1, fired), 2), "fires_per_s": round(fired / elapsed, 1)}
            times = []
            for _ in range(30):
                t = time.perf_counter()
                sweep_once(ctx, datetime.now(UTC), sender)
                next_due(ctx)
                times.append(1000 * (time.perf_counter() - t))
            out["empty_sweep_round_ms"] = summarize(times)
            out["left_pending"] = fire_due_timers(ctx)["fired"]
            # Last: a shared wake-up fires whatever is due when it runs, so with nothing left
            # pending it is the no-op it is once the sweep got there first.
            out["rq_worker_noop_job"] = rq_worker_noop_jobs(ctx, redis_conn, [t for t, _ in jobs],
                                                            tmp)
        finally:
            set_worker_context(None)
            close_ctx(ctx)
            close_ctx(async_ctx)
    return out


# --- driver --------------------------------------------------------------------------------------

def postgres_unreachable(base: str) -> str | None:
    try:
        engine = create_engine(base, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as err:
        return f"{type(err).__name__}: {str(err).splitlines()[0]}"


def git_head() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True,
                              capture_output=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="100 and 1,000 timers over 10 s, burst of 100 (smoke run, < 90 s)")
    parser.add_argument("--cases", default="spread1k,spread10k,burst",
                        help="comma-separated subset of spread1k,spread10k,burst")
    parser.add_argument("--workers", default=None,
                        help="worker process counts, e.g. 1,2 (default 1,2; with --quick: 2)")
    parser.add_argument("--profile", action="store_true",
                        help="add the in-process firing cost phase; cProfile tops to stderr")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in COUNTS[mode]]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    worker_counts = [int(w) for w in (args.workers or ("2" if args.quick else "1,2")).split(",")
                     if w.strip()]
    report: dict = {"meta": {
        "python": platform.python_version(), "spiffworkflow": version("spiffworkflow"),
        "rq": version("rq"), "redis_py": version("redis"), "sqlalchemy": version("SQLAlchemy"),
        "cpus": os.cpu_count(), "quick": args.quick, "sweep_interval_s": float(SWEEP_INTERVAL_S),
        "drain_timeout_after_last_due_s": DRAIN_TIMEOUT_S[mode],
        "counts": {c: {"timers": COUNTS[mode][c][0], "window_s": COUNTS[mode][c][1]}
                   for c in cases},
        "workers": worker_counts, "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()], "git_head": git_head()}}
    reason = postgres_unreachable(pg_base())
    if reason:
        log("!" * 72)
        log(f"!!! PostgreSQL UNREACHABLE, nothing measured: {reason}")
        log("!" * 72)
        report["skipped"] = reason
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 1
    import redis

    from workers import embedded_redis

    # SIGTERM unwinds like Ctrl-C, so workers are killed and schemas dropped on the way out
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="timer-bench-"))
    admin = create_engine(pg_base())
    redis_proc = None
    failed = False
    try:
        redis_proc, redis_url = embedded_redis.start(tmp / "redis")
        redis_conn = redis.Redis(unix_socket_path=redis_url.removeprefix("unix://"))
        with admin.connect() as conn:
            report["meta"]["postgresql"] = conn.execute(text("show server_version")).scalar()
            report["meta"]["synchronous_commit"] = conn.execute(
                text("show synchronous_commit")).scalar()
        report["meta"]["redis"] = redis_conn.info("server").get("redis_version")
        estimator = Estimator()
        results: dict = {}
        report["cases"] = results
        for case in cases:
            count, window_s = COUNTS[mode][case]
            kind = "burst" if case == "burst" else "spread"
            for workers in worker_counts:
                key = f"workers_{workers}"
                try:
                    results.setdefault(case, {})[key] = run_case(
                        case, kind, count, window_s, workers, admin=admin, redis_conn=redis_conn,
                        redis_url=redis_url, tmp=tmp, estimator=estimator, quick=args.quick)
                except Exception as err:  # one broken case must not hide the others
                    log(f"{case} × {workers}: FAILED: {type(err).__name__}: {err}")
                    results.setdefault(case, {})[key] = {"error": f"{type(err).__name__}: {err}"}
                    failed = True
        report["cases"] = results
        report["summary"] = summary_rows(results)
        if args.profile:
            log("profile: in-process firing cost, no workers")
            try:
                report["profile"] = run_profile(PROFILE_TIMERS[mode], admin=admin,
                                                redis_conn=redis_conn, redis_url=redis_url,
                                                tmp=tmp)
            except Exception as err:
                log(f"profile: FAILED: {type(err).__name__}: {err}")
                report["profile"] = {"error": f"{type(err).__name__}: {err}"}
                failed = True
    except Exception as err:  # still print what was measured
        log(f"FAILED: {type(err).__name__}: {err}")
        report["error"] = f"{type(err).__name__}: {err}"
        failed = True
    finally:
        if redis_proc is not None:
            redis_proc.terminate()
            try:
                redis_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                redis_proc.kill()
        admin.dispose()
        if os.environ.get("BENCH_KEEP_TMP"):
            log(f"kept {tmp} (worker logs)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report["meta"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["meta"]["git_head_at_end"] = git_head()  # the code may change during a long run
    report["meta"]["elapsed_s"] = round(time.perf_counter() - began, 1)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if failed else 0


def summary_rows(results: dict) -> list[dict]:
    rows = []
    for case, by_workers in results.items():
        for key, r in by_workers.items():
            if "error" in r:
                rows.append({"case": case, "workers": key, "error": r["error"]})
                continue
            late, obs = r["lateness_s"] or {}, r["observed_lateness_s"] or {}
            rows.append({
                "case": case, "workers": r["workers"], "timers": r["timers"],
                "fired": r["fired"], "unfired": r["unfired"], "early": r["early_count"],
                "median_s": late.get("median"), "p99_s": late.get("p99"),
                "max_s": late.get("max"), "min_s": late.get("min"),
                "observed_p99_s": obs.get("p99"), "observed_max_s": obs.get("max"),
                "drain_s": r.get("drain_s"), "observed_drain_s": r.get("observed_drain_s"),
                "sweep_fired": r["fired_by"]["sweep_fired"],
                "rq_fired": r["fired_by"]["rq_wakeup_fired"],
                "split_exact": r["fired_by"]["exact"],
                "sweep_rounds_failed": r["fired_by"]["sweep_rounds_failed"],
                "rq_failed_jobs_left": r["redis_after"]["failed_jobs"],
                "created_per_s": r["setup"]["instances_created_per_s"],
                "complete": r["unfired"] == 0 and r["early_count"] == 0,
                "meets_target": r.get("meets_target"),
            })
    return rows


if __name__ == "__main__":
    sys.exit(main())
