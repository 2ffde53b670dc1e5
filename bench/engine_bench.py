"""Engine benchmark: what the engine costs on top of bare SpiffWorkflow, per backend.

Run from the repository root: ``python -m bench.engine_bench [--backend sqlite|postgresql|both]
[--quick] [--profile]``. One JSON document goes to stdout, progress to stderr. Every time is
wall-clock (``time.perf_counter``) per operation in milliseconds, after a discarded warm-up,
with the garbage collector left on. The diagram is ``tests/fixtures/engine/review_loop.bpmn``.

(a) ``start``: ``instances.start()`` until the first user task waits (one write transaction plus
    the summary read it returns). Baseline: bare SpiffWorkflow, spec parsed once and cached, in
    memory: ``BpmnWorkflow(...)``, ``do_engine_steps()``, ``dump_state`` + ``load_state``.
(b) ``complete``: ``human_tasks.complete()`` until the next user task waits. Completions go
    review(more_info) → provide_info → review(more_info) on fresh instances, so the task tree
    stays small. Floor: bare SpiffWorkflow doing the same step (``load_state`` from a string,
    ``set_data``, ``run``, ``do_engine_steps``, ``dump_state``) plus ``UPDATE bench_floor SET
    state`` of one row and a commit in the same database. Target: median engine/floor ≤ 3.
(c) ``throughput`` (PostgreSQL only): completions per second with 1 and with 2 OS processes
    ('fork', else 'spawn'). Each process builds its own engine context, starts its own
    instances, warms up, waits on a barrier, then completes one Task_review per instance.
    Rate = all completions / (last finish − first start). Target: ≥ 300/s with 2 processes.
(d) ``long_instance``: one instance looping review(more_info) → provide_info for N rounds (100).
    Median completion time in rounds 1-5 vs the last 5 rounds (target: late/early ≤ 2), the
    stored state size in bytes after round 1 and after the last round, and the same growth for
    the floor, which separates the library's share of the slowdown from the engine's.

``--profile`` runs cProfile around the engine calls of (b) and (d) and prints the top 15 functions
by cumulative time (all, then engine/ only) to stderr; the JSON timings are then inflated.
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
import statistics
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import BpmnValidator, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, text

import engine
from engine.accounts.actor import Actor
from engine.context import EngineContext
from engine.definitions import deployment
from engine.persistence.database import make_engine
from engine.persistence.models import ProcessInstance
from engine.persistence.serialization import dump_state, load_state
from engine.running import instances
from engine.scripting.sandbox import build_script_engine
from engine.work import human_tasks
from petitions.upgrade import upgrade
from petitions.wiring import context_for

DIAGRAM = Path(__file__).resolve().parent.parent / "tests/fixtures/engine/review_loop.bpmn"
PROCESS = "review_loop"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MORE_INFO = (Actor("bench_officer", frozenset({"handling_officer"})), {"decision": "more_info"})
PROVIDE_INFO = (Actor("bench_reception", frozenset({"reception_officer"})), {"info": "Bổ sung"})
FRESH_STEPS = [MORE_INFO, PROVIDE_INFO, MORE_INFO]   # (b): three completions per fresh instance
ROUND = [MORE_INFO, PROVIDE_INFO]                    # (d): one round of the loop
COUNTS = {
    "full": {"starts": 300, "completions": 300, "warmup": 10, "per_process": 600, "rounds": 100,
             "edge_rounds": 5},
    "quick": {"starts": 15, "completions": 15, "warmup": 3, "per_process": 20, "rounds": 8,
              "edge_rounds": 2},
}
TARGETS = {"complete_ratio": 3.0, "throughput_2p": 300.0, "long_growth": 2.0}
_T0 = time.perf_counter()


def log(message: str) -> None:
    print(f"[bench {time.perf_counter() - _T0:6.1f}s] {message}", file=sys.stderr, flush=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def compare(engine_s: list[float], baseline_s: list[float], target: float | None = None) -> dict:
    med, base_med = statistics.median(engine_s), statistics.median(baseline_s)
    p99, base_p99 = percentile(engine_s, 0.99), percentile(baseline_s, 0.99)
    out = {"n": len(engine_s), "median_ms": ms(med), "p99_ms": ms(p99),
           "baseline_median_ms": ms(base_med), "baseline_p99_ms": ms(base_p99),
           "ratio_median": round(med / base_med, 2), "ratio_p99": round(p99 / base_p99, 2)}
    if target is not None:
        out.update(target=f"ratio_median <= {target}", meets_target=med / base_med <= target)
    return out


def timed(fn, *args, profiler: cProfile.Profile | None = None, **kwargs):
    start = time.perf_counter()
    result = profiler.runcall(fn, *args, **kwargs) if profiler else fn(*args, **kwargs)
    return time.perf_counter() - start, result


# --- bare SpiffWorkflow and the floor table ----------------------------------------------------

class Bare:
    """Bare SpiffWorkflow with the spec parsed once, the engine's serializer and script engine."""

    def __init__(self):
        parser = SpiffBpmnParser(validator=BpmnValidator())
        parser.add_bpmn_xml(etree.fromstring(DIAGRAM.read_bytes()), filename=DIAGRAM.name)
        self.spec, self.subs = parser.get_spec(PROCESS), parser.get_subprocess_specs(PROCESS)
        self.scripts = build_script_engine()

    def start(self) -> str:
        workflow = BpmnWorkflow(self.spec, self.subs, script_engine=self.scripts)
        workflow.do_engine_steps()
        return dump_state(workflow)

    def start_roundtrip(self) -> BpmnWorkflow:
        workflow = load_state(self.start(), self.spec, self.subs)
        workflow.script_engine = self.scripts
        return workflow

    def step(self, state: str, data: dict) -> str:
        workflow = load_state(state, self.spec, self.subs)
        workflow.script_engine = self.scripts
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(**data)
        task.run()
        workflow.do_engine_steps()
        return dump_state(workflow)


class Floor:
    """``bench_floor(id, state)`` in the benchmark database: one connection, a commit a step."""

    def __init__(self, url: str, bare: Bare):
        self.bare, self.db = bare, make_engine(url)  # same SQLite pragmas as the engine's
        metadata = MetaData()
        self.table = Table("bench_floor", metadata, Column("id", Integer, primary_key=True),
                           Column("state", Text))
        metadata.create_all(self.db)
        self.conn = self.db.connect()

    def new(self, row_id: int) -> str:
        state = self.bare.start()
        self.conn.execute(self.table.insert().values(id=row_id, state=state))
        self.conn.commit()
        return state

    def step(self, row_id: int, state: str, data: dict) -> str:
        state = self.bare.step(state, data)
        self.conn.execute(self.table.update().where(self.table.c.id == row_id).values(state=state))
        self.conn.commit()
        return state

    def close(self) -> None:
        self.conn.close()
        self.db.dispose()


# --- databases and contexts ----------------------------------------------------------------------

def pg_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG_URL)


def make_ctx(url: str) -> EngineContext:
    return context_for(url)


def dispose(ctx: EngineContext) -> None:
    ctx.session_factory.kw["bind"].dispose()


def postgres_unreachable(url: str) -> str | None:
    try:
        probe = create_engine(url, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        probe.dispose()
        return None
    except Exception as err:  # any failure: skip the backend, loudly
        return f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"


@contextmanager
def database(backend: str):
    """A migrated throwaway database: a temp SQLite file, or a PostgreSQL schema dropped after."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="engine-bench-") as folder:
            url = f"sqlite:///{folder}/bench.sqlite3"
            upgrade(url)
            yield url
        return
    base = pg_url()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def next_task(ctx: EngineContext, instance_id: int) -> int:
    return human_tasks.list_tasks(ctx, instance_id=instance_id)[0]["id"]


def state_bytes(ctx: EngineContext, instance_id: int) -> int:
    with ctx.uow(write=False) as uow:
        return len(uow.session.get(ProcessInstance, instance_id).state.encode("utf-8"))


# --- the four figures ----------------------------------------------------------------------------

def bench_start(ctx, bare: Bare, n: int, warmup: int) -> tuple[dict, list[tuple[int, int]]]:
    """(a) Engine start vs bare start + serialize/deserialize; returns the instances it made."""
    engine_t, bare_t, made = [], [], []
    for _ in range(n + warmup):
        elapsed, result = timed(instances.start, ctx, PROCESS, actor="bench")
        made.append((result["instance_id"], result["tasks"][0]["id"]))
        engine_t.append(elapsed)
        bare_t.append(timed(bare.start_roundtrip)[0])
    return compare(engine_t[warmup:], bare_t[warmup:]), made


def bench_complete(ctx, floor: Floor, ready: list[tuple[int, int]], n: int, warmup: int,
                   profiler=None) -> dict:
    """(b) Engine completion vs the floor, three steps per fresh instance."""
    engine_t, floor_t = [], []
    for row_id, (instance_id, task_id) in enumerate(ready[:math.ceil((n + warmup) / 3)]):
        state = floor.new(row_id)
        for actor, data in FRESH_STEPS:
            engine_t.append(timed(human_tasks.complete, ctx, task_id, actor, data,
                                  profiler=profiler)[0])
            elapsed, state = timed(floor.step, row_id, state, data)
            floor_t.append(elapsed)
            task_id = next_task(ctx, instance_id)
    measured = slice(warmup, n + warmup)
    return compare(engine_t[measured], floor_t[measured], TARGETS["complete_ratio"])


def bench_long(ctx, floor: Floor, rounds: int, edge: int, profiler=None) -> dict:
    """(d) One instance through ``rounds`` loops: early vs late completion time and state size."""
    instance_id = instances.start(ctx, PROCESS, actor="bench")["instance_id"]
    task_id, state = next_task(ctx, instance_id), floor.new(-1)
    engine_t, floor_t, sizes = [], [], {}
    for number in range(1, rounds + 1):
        for actor, data in ROUND:
            engine_t.append(timed(human_tasks.complete, ctx, task_id, actor, data,
                                  profiler=profiler)[0])
            elapsed, state = timed(floor.step, -1, state, data)
            floor_t.append(elapsed)
            task_id = next_task(ctx, instance_id)
        if number in (1, rounds):
            sizes[number] = (state_bytes(ctx, instance_id), len(state.encode("utf-8")))
    cut = edge * len(ROUND)
    early, late = statistics.median(engine_t[:cut]), statistics.median(engine_t[-cut:])
    floor_early, floor_late = statistics.median(floor_t[:cut]), statistics.median(floor_t[-cut:])
    return {"rounds": rounds, "completions": len(engine_t),
            f"median_ms_rounds_1_{edge}": ms(early),
            f"median_ms_rounds_{rounds - edge + 1}_{rounds}": ms(late),
            "ratio_late_early": round(late / early, 2),
            "floor_median_ms_early": ms(floor_early), "floor_median_ms_late": ms(floor_late),
            "floor_ratio_late_early": round(floor_late / floor_early, 2),
            "engine_floor_ratio_late": round(late / floor_late, 2),
            "state_bytes_round_1": sizes[1][0], f"state_bytes_round_{rounds}": sizes[rounds][0],
            "floor_state_bytes_round_1": sizes[1][1],
            f"floor_state_bytes_round_{rounds}": sizes[rounds][1],
            "target": f"ratio_late_early <= {TARGETS['long_growth']}",
            "meets_target": late / early <= TARGETS["long_growth"]}


def throughput_worker(url: str, count: int, warmup: int, barrier, results) -> None:
    """(c) One process: own context, own instances, warm-up, barrier, then timed completions."""
    try:
        ctx = make_ctx(url)
        tasks = [instances.start(ctx, PROCESS, actor="bench")["tasks"][0]["id"]
                 for _ in range(count + warmup)]
        for task_id in tasks[:warmup]:
            human_tasks.complete(ctx, task_id, *MORE_INFO)
        barrier.wait(timeout=300)
        cpu, start = time.process_time(), time.perf_counter()  # CLOCK_MONOTONIC: system-wide
        for task_id in tasks[warmup:]:
            human_tasks.complete(ctx, task_id, *MORE_INFO)
        results.put((count, start, time.perf_counter(), time.process_time() - cpu))
        dispose(ctx)
    except BaseException as err:
        barrier.abort()
        results.put(("error", f"{type(err).__name__}: {err}", 0.0, 0.0))
        raise


def cpu_ticks() -> tuple[int, int] | None:
    """(all, idle) jiffies of the whole machine (Linux): shows whether a run is CPU-bound."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return sum(values), values[3] + values[4]
    except (OSError, ValueError, IndexError):
        return None


def run_processes(url: str, procs: int, per_process: int, warmup: int) -> dict:
    # fork where available (no re-import); each child builds its own engine and never touches ours
    mpc = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    barrier, results = mpc.Barrier(procs + 1), mpc.Queue()  # + this process, for the CPU probe
    workers = [mpc.Process(target=throughput_worker,
                           args=(url, per_process, warmup, barrier, results))
               for _ in range(procs)]
    for worker in workers:
        worker.start()
    try:
        barrier.wait(timeout=300)
    except threading.BrokenBarrierError:
        pass  # a worker failed: its error is in the queue
    before = cpu_ticks()
    rows = [results.get(timeout=600) for _ in workers]
    after = cpu_ticks()
    for worker in workers:
        worker.join()
    errors = [row[1] for row in rows if row[0] == "error"]
    if errors:
        raise RuntimeError(f"throughput worker failed: {errors[0]}")
    wall, total = max(r[2] for r in rows) - min(r[1] for r in rows), sum(r[0] for r in rows)
    out = {"completions": total, "wall_s": round(wall, 3),
           "completions_per_s": round(total / wall, 1),
           "per_process_wall_s": [round(r[2] - r[1], 3) for r in rows],
           "client_cpu_ms_per_completion": [ms(r[3] / r[0]) for r in rows]}
    if before and after and after[0] > before[0]:
        out["machine_cpu_busy_pct"] = round(100 - 100 * (after[1] - before[1])
                                            / (after[0] - before[0]), 1)
    log(f"  throughput {procs} process(es): {total / wall:.0f}/s")
    return out


def bench_throughput(url: str, per_process: int, warmup: int) -> dict:
    """(c) Completions per second with 1 and 2 worker processes."""
    out = {f"processes_{n}": run_processes(url, n, per_process, warmup) for n in (1, 2)}
    rate = out["processes_2"]["completions_per_s"]
    return {**out, "scaling_2_over_1": round(rate / out["processes_1"]["completions_per_s"], 2),
            "target": f"processes_2 >= {TARGETS['throughput_2p']}/s",
            "meets_target": rate >= TARGETS["throughput_2p"]}


# --- driver --------------------------------------------------------------------------------------

def print_profile(name: str, profiler: cProfile.Profile) -> None:
    """Top 15 by cumulative time overall, then the top 15 of the engine's own functions."""
    engine_dir = re.escape(str(Path(engine.__file__).resolve().parent) + os.sep)
    for title, restriction in (("all functions", ()), ("engine/ functions", (engine_dir,))):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(*restriction, 15)
        print(f"\n===== cProfile {name}, {title}: top 15 by cumulative time =====\n"
              f"{buffer.getvalue()}", file=sys.stderr, flush=True)


def run_backend(backend: str, counts: dict, profile: bool) -> dict:
    bare = Bare()
    with database(backend) as url:
        ctx, floor = make_ctx(url), Floor(url, bare)
        profilers = {"b": cProfile.Profile(), "d": cProfile.Profile()} if profile else {}
        try:
            deployment.deploy(ctx, {DIAGRAM.name: DIAGRAM.read_bytes()}, actor="bench")
            result = {}
            log(f"{backend}: (a) {counts['starts']} starts")
            result["a_start"], ready = bench_start(ctx, bare, counts["starts"], counts["warmup"])
            log(f"{backend}: (b) {counts['completions']} completions")
            result["b_complete"] = bench_complete(ctx, floor, ready, counts["completions"],
                                                  counts["warmup"], profilers.get("b"))
            if backend == "postgresql":
                log(f"{backend}: (c) throughput, {counts['per_process']} completions per process")
                result["c_throughput"] = bench_throughput(url, counts["per_process"],
                                                          counts["warmup"])
            log(f"{backend}: (d) long instance, {counts['rounds']} rounds")
            result["d_long_instance"] = bench_long(ctx, floor, counts["rounds"],
                                                   counts["edge_rounds"], profilers.get("d"))
        finally:
            floor.close()
            dispose(ctx)
    for name, profiler in profilers.items():
        print_profile(f"{backend} ({name})", profiler)
    return result


def cpu_calibration_ms() -> float:
    """CPU milliseconds of a fixed pure-Python loop. This machine's speed drifts (a shared
    virtual machine: the same code measured 4.9 and 8.3 ms of client CPU per completion an hour
    apart), so runs compare only at a similar calibration."""
    best = math.inf
    for _ in range(3):
        start = time.process_time()
        sum(i * i for i in range(1_000_000))
        best = min(best, time.process_time() - start)
    return round(best * 1000, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="small counts (smoke run, < 20 s)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the engine calls of (b) and (d); top 15 to stderr")
    args = parser.parse_args(argv)
    counts = COUNTS["quick" if args.quick else "full"]
    report = {"meta": {"python": platform.python_version(),
                       "spiffworkflow": version("spiffworkflow"),
                       "sqlalchemy": version("SQLAlchemy"), "cpus": os.cpu_count(),
                       "quick": args.quick, "profiled": args.profile, "counts": counts,
                       "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
                       "cpu_calibration_ms_at_start": cpu_calibration_ms()}}
    began = time.perf_counter()
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        if backend == "postgresql":
            reason = postgres_unreachable(pg_url())
            if reason:
                log("!" * 72)
                log(f"!!! PostgreSQL UNREACHABLE, its figures are SKIPPED: {reason}")
                log("!" * 72)
                report["postgresql"] = {"skipped": reason}
                continue
        report[backend] = run_backend(backend, counts, args.profile)
    report["meta"]["elapsed_s"] = round(time.perf_counter() - began, 1)
    report["meta"]["cpu_calibration_ms_at_end"] = cpu_calibration_ms()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
