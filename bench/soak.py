"""Soak: several web and worker processes on one PostgreSQL and one Redis, for a bounded time.

Run from the repository root: ``python -m bench.soak [--minutes 20] [--webs 2] [--workers 3]
[--rate 1.0]``. One JSON document goes to stdout, progress to stderr. ``tests/integration/
test_soak_short.py`` runs the same code for about a minute and asserts behaviour only.

What runs, as on several machines (docs/operations.md, "Several machines"): a throwaway migrated
PostgreSQL schema (``bench.timer_bench.throwaway_schema``, with its fire-log trigger), a throwaway
Redis, ``--webs`` gunicorn servers (one worker process each, each its own port: two nodes) and
``--workers`` ``petitions worker`` processes (RQ worker + its scheduler + the timer sweep and audit
checkpoints), all sharing one data directory and one set of keys from the environment.

Traffic, from ``--threads`` driver threads pacing ``--rate`` rounds a second in all; one round:
- a registration through ``POST /api/v1/petitions`` (a reception token);
- a completion of a waiting *Task_classify* through the API as a client does it (read with its
  ETag, claim, read again, ``POST …/complete`` with ``If-Match``); only that POST is timed;
- a short timer: a ``timer_once`` instance (tests/fixtures/engine) due 2–30 s later, started
  through the engine in the driver (the API starts no arbitrary process);
- every fifth round, a monthly report (``GET /api/v1/reports``) and an inbox page.
Tokens are rotated so that no client meets the API's per-token rate limit.

Figures: requests by status (any 5xx is a failure), connection errors, the completion p50/p99,
timers created / fired / lost (still pending after the drain) / fired twice (the trigger's log,
and the ``timer_fired`` audit events per instance), and every process's RSS after the warm-up
(``max(30 s, 20 % of the run)``) and at the end, with the growth in %.
"""
from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.timer_bench import (FIRE_LOG_SQL, REPO, pg_base, percentile, postgres_unreachable,
                               with_search_path)

UNIT = "ubnd-xa-demo"
TIMER_DIAGRAM = REPO / "tests" / "fixtures" / "engine" / "timer_once.bpmn"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FACTS = {"petition_type": "complaint", "in_vietnamese": True, "has_identity": True,
         "anonymous": False, "within_competence": True, "already_sent_to_competent": False,
         "already_guided": False, "already_transferred": False, "resolved_nothing_new": False,
         "crime_signs": False, "party_member": False, "concrete_content": True,
         "proposal_note": "Đề xuất thụ lý", "competent_body": ""}
KEYS = {"AUDIT_SIGNING_KEY": base64.b64encode(b"soak-audit-signing-key-32-bytes!").decode(),
        "IDENTITY_KEYS": "ksoak:" + base64.b64encode(b"soak-identity-key-of-32-bytes!!!").decode(),
        "IDENTITY_INDEX_KEYS": "isoak:" + base64.b64encode(
            b"soak-index-key-of-32-bytes-long!").decode()}


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _letter(n: int) -> dict:
    return {"received_on": date.today().isoformat(), "channel": "direct",
            "petition_type": "complaint", "field": "land_housing",
            "summary": f"Khiếu nại quyết định thu hồi đất số {n}",
            "senders": [{"name": "Đặng Thị Hồng Nhung", "id_number": f"038{n % 10**9:09d}",
                         "phone": f"09{n % 10**8:08d}", "province_code": "1", "ward_code": "4",
                         "address_detail": "Số 42 đường Hoa Sữa", "is_representative": True}],
            "documents": [{"file_name": "don.pdf",
                           "content_base64": base64.b64encode(PDF).decode()}]}


@contextmanager
def throwaway_schema(admin):
    """A migrated schema (in a fresh interpreter, as the operator's ``db upgrade``) with the timer
    fire-log trigger of bench.timer_bench; dropped at the end, also on error."""
    schema = f"soak_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = with_search_path(pg_base(), schema)
        migrated = subprocess.run(
            [sys.executable, "-c", "import sys; from petitions.upgrade import upgrade; "
             "upgrade(sys.argv[1])", url], cwd=REPO, capture_output=True, text=True)
        if migrated.returncode != 0:
            raise RuntimeError(f"migration failed: {migrated.stderr.strip()[-1500:]}")
        with admin.begin() as conn:
            for statement in FIRE_LOG_SQL:
                conn.execute(text(statement.format(s=schema)))
        yield schema, url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


# --- processes ------------------------------------------------------------------------------------

def _tree(pid: int) -> list[int]:
    """``pid`` and every live process below it (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [pid], {pid}
    while frontier:
        frontier = {c for c, p in parents.items() if p in frontier} - set(found)
        found += sorted(frontier)
    return found


def _rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _cmd(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"
    return raw[-70:]


class System:
    """The processes of the run, each in its own session (stopped by group)."""

    def __init__(self, env: dict, folder: Path):
        self.env, self.folder, self.procs = env, folder, []

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        out = open(self.folder / f"{name}.log", "wb")
        proc = subprocess.Popen(argv, env=self.env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        out.close()
        self.procs.append((name, proc))
        return proc

    def rss(self) -> dict:
        sizes = {}
        for name, proc in self.procs:
            for pid in _tree(proc.pid):
                kb = _rss_kb(pid)
                if kb is not None:
                    sizes[f"{name}/{pid}"] = {"rss_kb": kb, "cmd": _cmd(pid)}
        return sizes

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


# --- traffic --------------------------------------------------------------------------------------

class Traffic:
    """The driver threads' shared state: tokens, ports, counters and timings."""

    def __init__(self, ctx, ports: list[int], tokens: dict[str, list[str]],
                 timer_delay_s: tuple[float, float] = (2.0, 30.0)):
        self.ctx, self.ports, self.tokens = ctx, ports, tokens
        self.timer_delay_s = timer_delay_s
        self.cycle = {role: itertools.cycle(values) for role, values in tokens.items()}
        self.port_cycle = itertools.cycle(ports)
        self.lock = threading.Lock()
        self.statuses: dict[str, int] = {}
        self.server_errors: list[str] = []
        self.client_errors: list[str] = []
        self.connection_errors = 0
        self.completion_ms: list[float] = []
        self.registered: list[int] = []
        self.timer_instances: list[int] = []
        self.counter = itertools.count(1)
        self.rounds = self.registrations = 0

    def _next(self, role: str) -> tuple[str, int]:
        with self.lock:
            return next(self.cycle[role]), next(self.port_cycle)

    def request(self, method: str, path: str, role: str, body: dict | None = None,
                headers: dict | None = None, token: str | None = None) -> tuple[int, dict, object]:
        chosen, port = self._next(role)
        token = token or chosen
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                     **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status, head, raw = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as err:
            status, head, raw = err.code, dict(err.headers), err.read()
        except OSError:
            with self.lock:
                self.connection_errors += 1
            return 0, {}, None
        with self.lock:
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
            if status >= 500:
                self.server_errors.append(f"{method} {path} → {status}: {raw[:200]!r}")
            elif status >= 400 and len(self.client_errors) < 5:
                self.client_errors.append(f"{method} {path} → {status}: {raw[:300]!r}")
        try:
            return status, head, json.loads(raw) if raw else None
        except ValueError:
            return status, head, None

    def register(self) -> None:
        status, _h, body = self.request("POST", "/petitions", "reception",
                                        _letter(next(self.counter)))
        if status == 201:
            with self.lock:
                self.registered.append(body["instance_id"])
                self.registrations += 1

    def complete_one(self) -> None:
        from sqlalchemy import select

        from engine.persistence.models import HumanTask
        with self.lock:
            instance_id = self.registered.pop(0) if self.registered else None
        if instance_id is None:
            return
        with self.ctx.uow(write=False) as uow:
            task_id = uow.session.scalar(select(HumanTask.id).where(
                HumanTask.instance_id == instance_id, HumanTask.bpmn_id == "Task_classify",
                HumanTask.status == "ready"))
        if task_id is None:
            return
        token, _port = self._next("handler")  # one officer claims and completes
        status, _h, _b = self.request("POST", f"/tasks/{task_id}/claim", "handler", token=token)
        if status != 200:
            return
        status, head, _b = self.request("GET", f"/tasks/{task_id}", "handler", token=token)
        if status != 200:
            return
        began = time.perf_counter()
        status, _h, _b = self.request("POST", f"/tasks/{task_id}/complete", "handler",
                                      {"data": FACTS}, {"If-Match": head.get("ETag", "")},
                                      token=token)
        if status == 200:
            with self.lock:
                self.completion_ms.append((time.perf_counter() - began) * 1000)

    def start_timer(self) -> None:
        from engine.running import instances
        due = datetime.now(timezone.utc) + timedelta(seconds=random.uniform(*self.timer_delay_s))
        started = instances.start(self.ctx, "timer_once", actor="soak",
                                  data={"hits": 0, "fire_at": due.isoformat()})
        with self.lock:
            self.timer_instances.append(started["instance_id"])

    def report(self) -> None:
        today = date.today()
        self.request("GET", f"/reports?kind=month&year={today.year}&index={today.month}",
                     "supervisor")
        self.request("GET", "/tasks?view=queue", "handler")

    def round(self) -> None:
        with self.lock:
            self.rounds += 1
            number = self.rounds
        self.register()
        self.complete_one()
        self.start_timer()
        if number % 5 == 0:
            self.report()


def _drive(traffic: Traffic, until: float, period_s: float, errors: list) -> None:
    next_at = time.monotonic()
    while time.monotonic() < until:
        try:
            traffic.round()
        except Exception as err:  # the driver's own failure: reported, the run goes on
            errors.append(f"{type(err).__name__}: {err}")
        next_at += period_s
        time.sleep(max(0.0, next_at - time.monotonic()))


# --- the run --------------------------------------------------------------------------------------

def _timer_figures(admin, schema: str, instance_ids: list[int]) -> dict:
    if not instance_ids:
        return {"created": 0, "fired": 0, "lost": 0, "double": 0}
    ids = ",".join(str(i) for i in instance_ids)
    with admin.connect() as conn:
        rows = conn.execute(text(
            f'SELECT t.status, l.n, t.fired_at - t.due_at AS late FROM "{schema}".timers t '
            f'LEFT JOIN (SELECT timer_id, count(*) AS n FROM "{schema}".bench_fire_log '
            f'GROUP BY timer_id) l ON l.timer_id = t.id WHERE t.instance_id IN ({ids})')).all()
        audit_twice = conn.execute(text(
            f"SELECT count(*) FROM (SELECT instance_id FROM \"{schema}\".audit_events "
            f"WHERE event_type = 'timer_fired' AND instance_id IN ({ids}) "
            f"GROUP BY instance_id HAVING count(*) > 1) x")).scalar()
        completed = conn.execute(text(
            f"SELECT count(*) FROM \"{schema}\".process_instances WHERE id IN ({ids}) "
            f"AND status = 'completed'")).scalar()
    late = sorted(r.late.total_seconds() for r in rows if r.late is not None)
    return {"created": len(instance_ids), "timer_rows": len(rows),
            "fired": sum(1 for r in rows if r.status == "fired"),
            "lost": sum(1 for r in rows if r.status != "fired"),
            "double": sum(1 for r in rows if (r.n or 0) > 1) + int(audit_twice),
            "instances_completed": completed,
            "lateness_p99_s": round(percentile(late, 0.99), 3) if late else None}


def _logged_errors(folder: Path) -> dict:
    """The processes' logged errors (the last lines of each traceback), by process."""
    found = {}
    for path in sorted(folder.glob("*.log")):
        lines = path.read_text(errors="replace").splitlines()
        picked = [line for i, line in enumerate(lines)
                  if " ERROR " in line or "Exception" in line or
                  (line and not line.startswith(" ") and i and lines[i - 1].startswith("  "))]
        if picked:
            found[path.stem] = picked[-8:]
    return found


def _growth(start: dict, end: dict) -> list[dict]:
    rows = []
    for key, first in start.items():
        last = end.get(key)
        rows.append({"process": key, "cmd": first["cmd"], "rss_start_kb": first["rss_kb"],
                     "rss_end_kb": last and last["rss_kb"],
                     "growth_pct": round(100 * (last["rss_kb"] - first["rss_kb"])
                                         / first["rss_kb"], 1) if last else None})
    return rows


def run(minutes: float, *, webs: int = 2, workers: int = 3, rate: float = 1.0,
        threads: int = 3, warmup_s: float | None = None, drain_s: float = 90.0,
        timer_delay_s: tuple[float, float] = (2.0, 30.0)) -> dict:
    from petitions.wiring import context_for
    from workers.embedded_redis import start as start_redis
    base = pg_base()
    problem = postgres_unreachable(base)
    if problem:
        raise RuntimeError(f"PostgreSQL unreachable: {problem}")
    duration = minutes * 60
    warmup = warmup_s if warmup_s is not None else max(30.0, 0.2 * duration)
    admin = create_engine(base)
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    redis_proc, redis_url = start_redis(folder / "redis")
    system = None
    load_start = os.getloadavg()
    try:
        with throwaway_schema(admin) as (schema, url):
            env = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_URL", "REDIS_URL", "PETITIONS_DEBUG")}
            env.update(KEYS, DATABASE_URL=url, REDIS_URL=redis_url,
                       PETITIONS_DATA_DIR=str(folder / "data"), SECRET_KEY="soak-" + "x" * 40,
                       SECURE_COOKIES="0", SWEEP_INTERVAL_S="1", MAIL_SINK="file",
                       AUDIT_CHECKPOINT_INTERVAL_S="60", AUDIT_VERIFY_INTERVAL_S="0")
            log("setup: deploy, demo users, tokens")
            from engine.accounts import api_clients
            from engine.definitions import deployment
            from petitions.demo import seed_demo_users
            from petitions.persistence import vault
            from petitions.settings import Settings
            from workers.redis_connection import connect
            from workers.scheduler import RQTimerScheduler
            settings = Settings.from_env(env)
            vault.install(vault.load_keyring(settings))  # the keys every process gets
            ctx = context_for(url, scheduler=RQTimerScheduler(connect(redis_url)))
            deployment.deploy(ctx, deployment.read_paths([str(settings.processes_dir),
                                                          str(TIMER_DIAGRAM)]), actor="system")
            seed_demo_users(ctx)
            roles = {"reception": ("reception_officer", 2), "handler": ("handling_officer", 4),
                     "supervisor": ("supervisor", 1)}
            tokens = {kind: [api_clients.create(ctx, f"soak-{kind}-{i}", UNIT, [role],
                                                actor="soak")["token"] for i in range(count)]
                      for kind, (role, count) in roles.items()}
            system = System(env, folder)
            ports = [_free_port() for _ in range(webs)]
            for i, port in enumerate(ports):
                system.spawn(f"web{i + 1}", [sys.executable, "-m", "gunicorn", "--bind",
                                             f"127.0.0.1:{port}", "--workers", "1",
                                             "--graceful-timeout", "3", "webapp:create_app()"])
            for i in range(workers):
                system.spawn(f"worker{i + 1}", [sys.executable, "-m", "petitions_cli.main",
                                                "worker"])
            deadline = time.monotonic() + 120
            while not all(_healthy(p) for p in ports):
                if time.monotonic() > deadline:
                    raise RuntimeError("web processes did not become healthy in 120 s")
                time.sleep(0.5)
            log(f"running {minutes} min: {webs} web, {workers} workers, {rate} rounds/s")
            traffic, errors = Traffic(ctx, ports, tokens, timer_delay_s), []
            began = time.monotonic()
            until = began + duration
            drivers = [threading.Thread(target=_drive, args=(traffic, until, threads / rate,
                                                             errors), daemon=True)
                       for _ in range(threads)]
            for driver in drivers:
                driver.start()
                time.sleep(1 / rate)
            time.sleep(max(0.0, min(warmup, duration) - (time.monotonic() - began)))
            rss_start = system.rss()
            for driver in drivers:
                driver.join()
            rss_end = system.rss()
            log("traffic over; waiting for the last timers")
            drain_until = time.monotonic() + drain_s
            ids = ",".join(str(i) for i in traffic.timer_instances) or "0"
            while time.monotonic() < drain_until:
                with admin.connect() as conn:
                    left = conn.execute(text(
                        f'SELECT count(*) FROM "{schema}".timers WHERE status = \'pending\' '
                        f'AND instance_id IN ({ids})')).scalar()
                if not left:
                    break
                time.sleep(1)
            timers = _timer_figures(admin, schema, traffic.timer_instances)
            logged = _logged_errors(folder)
            completions = sorted(traffic.completion_ms)
            ctx.close()
            return {
                "meta": {"minutes": minutes, "webs": webs, "workers": workers, "rate": rate,
                         "threads": threads, "warmup_s": warmup, "cpus": os.cpu_count(),
                         "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
                         "at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
                "rounds": traffic.rounds, "registrations": traffic.registrations,
                "requests": traffic.statuses,
                "server_errors": len(traffic.server_errors),
                "server_error_samples": traffic.server_errors[:5],
                "client_error_samples": traffic.client_errors,
                "logged_errors": logged,
                "connection_errors": traffic.connection_errors,
                "driver_errors": errors[:5], "driver_error_count": len(errors),
                "completions": len(completions),
                "completion_ms": {"p50": round(percentile(completions, 0.5), 1),
                                  "p99": round(percentile(completions, 0.99), 1)}
                if completions else None,
                "timers": timers,
                "rss": _growth(rss_start, rss_end),
            }
    finally:
        if system is not None:
            system.stop()
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
        admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rate", type=float, default=1.0, help="rounds per second, all threads")
    parser.add_argument("--threads", type=int, default=3)
    args = parser.parse_args(argv)
    result = run(args.minutes, webs=args.webs, workers=args.workers, rate=args.rate,
                 threads=args.threads)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    ok = (result["server_errors"] == 0 and result["timers"]["lost"] == 0
          and result["timers"]["double"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
