"""Inbox benchmark: every view of ``petitions.tasks.inbox`` on 100,000 open tasks in PostgreSQL.

Run from the repository root: ``python -m bench.inbox_bench [--tasks 100000] [--runs 20]``.
One JSON document goes to stdout, progress to stderr.

A throwaway schema ``bench_inbox_<random>`` on the test server (``BENCH_POSTGRES_URL``, else
``TEST_POSTGRES_URL``, else ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) is migrated to
head with ``petitions.upgrade.upgrade`` and dropped at the end, also on error. Rows are inserted in
bulk with SQLAlchemy Core (not through the engine, for setup speed), then ``VACUUM ANALYZE`` (``--no-vacuum``: ``ANALYZE`` only, see ``populate``):

- 20 units, 500 officers (roles spread like the lanes), one definition;
- 80,000 instances, each with its petition (number, type, field, folded summary);
- ``--tasks`` (100,000) READY human tasks: role handling 50 % / head 20 % / verification 15 % /
  publication 10 % / reception 5 %; 60 % in one of the units, 40 % in no unit; 40 % assigned;
  85 % with a due date spread over [now − 20 days, now + 45 days] (end of a Vietnamese day),
  15 % without; the measured officer holds 3,000 of them (so that page 50 of "mine" exists);
- 20,000 completed tasks, 3,000 of them by the measured officer ("done").

For each view, page 1 and page 50 (clamped to the last page when the view is shorter): ``runs``
timed calls of ``petitions.tasks.inbox.list_view`` (count query + page query + due badges, i.e. what the
web page pays) after 2 warm-ups; median and p95 in ms. Also timed: ``view_counts`` (the tabs) and
two filtered queue pages (free text, petition type). ``plans`` gives, for the unit queue and the
due-soon page queries, the top node of ``EXPLAIN (ANALYZE, FORMAT JSON)`` and every index used.
Target: every view's median < 100 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import create_engine, insert, text

from engine.accounts.actor import Actor
from engine.accounts.models import Unit, User, UserRole
from engine.context import EngineContext
from engine.persistence.database import make_engine, make_session_factory
from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.text_search import fold
from petitions.persistence.models import Petition
from petitions.tasks import inbox
from petitions.upgrade import upgrade

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)     # Monday 08:00 in Hà Nội
UNITS = [f"unit-{i:02d}" for i in range(1, 21)]
ROLE_WEIGHTS = [("handling_officer", 50), ("head_of_unit", 20), ("verification_team", 15),
                ("publication_officer", 10), ("reception_officer", 5)]
TYPES = ["complaint", "denunciation", "recommendation", "feedback", "mixed"]
FIELDS = ["land_housing", "policy", "civil_service", "justice", "party_mass", "corruption", "other"]
SUBJECTS = ["Khiếu nại quyết định thu hồi đất đai", "Tố cáo cán bộ địa chính nhận tiền",
            "Kiến nghị sửa đường liên xã", "Phản ánh ô nhiễm môi trường từ cơ sở chăn nuôi",
            "Khiếu nại về bồi thường giải phóng mặt bằng", "Đề nghị xem xét chế độ người có công",
            "Tố cáo hành vi lấn chiếm hành lang giao thông", "Phản ánh việc cấp giấy chứng nhận chậm",
            "Kiến nghị về học phí trường tiểu học", "Khiếu nại xử phạt vi phạm hành chính"]
STEPS = [("Task_classify", "Phân loại, đề xuất xử lý đơn", "Lane_handling"),
         ("Task_approve_route", "Duyệt đề xuất xử lý đơn", "Lane_head"),
         ("Task_verify", "Xác minh nội dung", "Lane_verification"),
         ("Task_publish", "Công khai kết quả", "Lane_publication"),
         ("Task_register", "Vào sổ, tiếp nhận đơn", "Lane_reception")]
ME = Actor(username="bench_officer", roles=frozenset({"handling_officer"}), unit="unit-01")
HEAD = Actor(username="bench_head", roles=frozenset({"head_of_unit"}), unit="unit-01")
BATCH = 10_000


def log(message: str) -> None:
    print(f"[inbox_bench] {message}", file=sys.stderr, flush=True)


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def _due(rng: random.Random) -> datetime | None:
    if rng.random() < 0.15:
        return None
    day = (NOW + timedelta(days=rng.randint(-20, 45))).date()
    return datetime(day.year, day.month, day.day, 16, 59, 59, tzinfo=timezone.utc)


def _insert(conn, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(table), rows[start:start + BATCH])


def populate(engine, n_tasks: int, n_instances: int, n_done: int, *, vacuum: bool = True,
             seed: int = 2026) -> dict:
    rng = random.Random(seed)
    roles = [r for r, _ in ROLE_WEIGHTS]
    weights = [w for _, w in ROLE_WEIGHTS]
    started = time.perf_counter()
    with engine.begin() as conn:
        _insert(conn, Unit.__table__, [{"id": i + 1, "code": code, "name": code, "parent_id": None}
                                       for i, code in enumerate(UNITS)])
        people: dict[str, list[str]] = {r: [] for r in roles}
        users, user_roles = [], []
        for i in range(500):
            role = rng.choices(roles, weights)[0]
            name = f"officer{i:03d}"
            people[role].append(name)
            users.append({"id": i + 1, "username": name, "display_name": f"Cán bộ {i:03d}",
                          "unit_id": rng.randint(1, len(UNITS)), "active": True,
                          "created_at": NOW, "password_hash": None, "email": None})
            user_roles.append({"user_id": i + 1, "role": role})
        for j, actor in enumerate((ME, HEAD)):
            users.append({"id": 501 + j, "username": actor.username, "display_name": actor.username,
                          "unit_id": 1, "active": True, "created_at": NOW, "password_hash": None,
                          "email": None})
            user_roles.append({"user_id": 501 + j, "role": next(iter(actor.roles))})
        _insert(conn, User.__table__, users)
        _insert(conn, UserRole.__table__, user_roles)
        conn.execute(insert(ProcessDefinition.__table__), [{
            "id": 1, "process_key": "petition_intake", "version": 1, "name": "bench",
            "sha256": "0" * 64, "tag": None, "deployed_by": "bench", "deployed_at": NOW,
            "files": {}, "spec_json": "{}", "forms": {}, "lane_roles": {}, "task_units": {}}])
        instances, petitions = [], []
        for i in range(1, n_instances + 1):
            number = f"2026-{i:06d}"
            summary = f"{rng.choice(SUBJECTS)} tại thôn {rng.randint(1, 40)}, hồ sơ {i}"
            instances.append({"id": i, "definition_id": 1, "process_key": "petition_intake",
                              "business_key": number,
                              "status": "suspended" if rng.random() < 0.02 else "waiting",
                              "state": "", "started_by": "bench", "created_at": NOW,
                              "updated_at": NOW, "audit_seq": 0, "audit_head": "",
                              "row_version": 1})
            petitions.append({"id": i, "number": number, "tracking_code": f"B{i:010d}",
                              "instance_id": i, "received_on": (NOW - timedelta(days=rng.randint(0, 60))).date(),
                              "channel": "direct", "forwarder_kind": "none",
                              "petition_type": rng.choice(TYPES), "field": rng.choice(FIELDS),
                              "summary": summary, "location": None, "priority_markers": [],
                              "signers": 1, "remote_area": False, "identity_sealed": False,
                              "unit_code": rng.choice(UNITS), "search_text": fold(summary),
                              "created_by": "bench", "created_at": NOW})
        _insert(conn, ProcessInstance.__table__, instances)
        _insert(conn, Petition.__table__, petitions)
        log(f"instances and petitions: {time.perf_counter() - started:.1f}s")
        tasks = []
        mine_left = 3000
        for i in range(n_tasks):
            role = rng.choices(roles, weights)[0]
            step = STEPS[roles.index(role)]
            unit = rng.choice(UNITS) if rng.random() < 0.6 else None
            assignee = None
            if role == "handling_officer" and mine_left and rng.random() < 0.12:
                assignee, unit, mine_left = ME.username, rng.choice([None, "unit-01"]), mine_left - 1
            elif rng.random() < 0.4:
                assignee = rng.choice(people[role] or ["officer000"])
            due = _due(rng)
            tasks.append({"instance_id": i % n_instances + 1, "task_guid": f"t{i}",
                          "bpmn_id": step[0], "name": step[1], "lane": step[2],
                          "candidate_role": role, "candidate_unit": unit, "assignee": assignee,
                          "priority": 0, "status": "ready", "created_at": NOW, "due_at": due,
                          "completed_by": None, "completed_at": None, "overdue_since": None,
                          "next_reminder_at": due})
        for i in range(n_done):
            role = rng.choices(roles, weights)[0]
            step = STEPS[roles.index(role)]
            who = ME.username if i < 3000 else rng.choice(people[role] or ["officer000"])
            tasks.append({"instance_id": i % n_instances + 1, "task_guid": f"d{i}",
                          "bpmn_id": step[0], "name": step[1], "lane": step[2],
                          "candidate_role": role, "candidate_unit": None, "assignee": who,
                          "priority": 0, "status": "completed", "created_at": NOW,
                          "due_at": _due(rng), "completed_by": who,
                          "completed_at": NOW - timedelta(minutes=rng.randint(1, 90 * 24 * 60)),
                          "overdue_since": None, "next_reminder_at": None})
        rng.shuffle(tasks)
        _insert(conn, HumanTask.__table__, tasks)
    insert_s = time.perf_counter() - started
    log(f"inserted {n_tasks} open + {n_done} completed tasks in {insert_s:.1f}s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # VACUUM sets the visibility map that index-only scans rely on: the state autovacuum keeps a
        # live table in (PostgreSQL >= 13 also vacuums after inserts). --no-vacuum: ANALYZE only.
        conn.execute(text("VACUUM ANALYZE" if vacuum else "ANALYZE"))
    return {"insert_s": round(insert_s, 1), "mine_open": 3000 - mine_left,
            "after_insert": "VACUUM ANALYZE" if vacuum else "ANALYZE"}


class FixedClock:
    def now(self) -> datetime:
        return NOW


def timed(fn, runs: int) -> dict:
    for _ in range(2):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
    out = {"median_ms": round(statistics.median(samples), 2), "p95_ms": round(p95, 2),
           "max_ms": round(samples[-1], 2)}
    if isinstance(result, dict) and "rows" in result:
        out.update(page=result["page"], pages=result["pages"], total=result["total"],
                   rows=len(result["rows"]))
    return out


def _walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def _driver_sql(ctx: EngineContext, stmt) -> tuple[str, object]:
    """The statement and parameters exactly as the driver receives them (one real execution)."""
    from sqlalchemy import event
    captured: list = []
    engine = ctx.session_factory.kw["bind"]

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with ctx.session_factory() as session:
            session.execute(stmt).all()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return captured[-1]


def explain(ctx: EngineContext, view: str, actor: Actor) -> dict:
    """Top node and the scans of the page query's plan (EXPLAIN ANALYZE), plus the plain plan."""
    stmt = inbox.page_statement(view, actor, NOW, ctx.calendar())
    sql, params = _driver_sql(ctx, stmt)
    with ctx.session_factory() as session:
        conn = session.connection()
        raw = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params).scalar()
        plain = [row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql, params)]
    plan = (raw if isinstance(raw, list) else json.loads(raw))[0]
    scans = [{"node": n["Node Type"], "index": n.get("Index Name"),
              "relation": n.get("Relation Name")}
             for n in _walk(plan["Plan"]) if "Scan" in n["Node Type"]]
    return {"top_node": plan["Plan"]["Node Type"], "scans": scans,
            "uses_index_on_human_tasks": any(s["index"] for s in scans
                                             if s["relation"] == "human_tasks"),
            "seq_scan_on_human_tasks": any(s["node"] == "Seq Scan"
                                           and s["relation"] == "human_tasks" for s in scans),
            "execution_ms": plan.get("Execution Time"), "text": plain}


def run(url: str, n_tasks: int, runs: int, *, keep: bool = False, reuse: str | None = None,
        vacuum: bool = True) -> dict:
    schema = reuse or f"bench_inbox_{uuid.uuid4().hex[:8]}"
    load_at_start = os.getloadavg()
    admin = create_engine(url)
    if not reuse:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    log(f"schema {schema}")
    try:
        schema_url = _with_search_path(url, schema)
        upgrade(schema_url)
        engine = make_engine(schema_url)
        meta = {"reused_schema": True} if reuse else populate(
            engine, n_tasks, n_instances=80_000, n_done=20_000, vacuum=vacuum)
        ctx = EngineContext(session_factory=make_session_factory(engine), clock=FixedClock())
        views: dict = {}
        for view in inbox.VIEWS:
            actor = HEAD if view == "unit" else ME
            for page in (1, 50):
                views[f"{view}.page{page}"] = timed(
                    lambda v=view, a=actor, p=page: inbox.list_view(ctx, a, v, page=p), runs)
                log(f"{view} page {page}: {views[f'{view}.page{page}']}")
        extra = {
            "view_counts(tabs)": timed(lambda: inbox.view_counts(ctx, ME), runs),
            "queue.text('dat dai').page1": timed(lambda: inbox.list_view(
                ctx, ME, "queue", inbox.Filters(text="đất đai")), runs),
            "queue.petition_type=denunciation.page1": timed(lambda: inbox.list_view(
                ctx, ME, "queue", inbox.Filters(petition_type="denunciation")), runs),
            "overdue.due_range.page1": timed(lambda: inbox.list_view(
                ctx, ME, "overdue", inbox.Filters(due_from=date(2026, 11, 10),
                                                  due_to=date(2026, 11, 20))), runs),
        }
        for key, value in extra.items():
            log(f"{key}: {value}")
        plans = {view: explain(ctx, view, ME) for view in ("queue", "due_soon")}
        medians = [v["median_ms"] for v in views.values()]
        engine.dispose()
        return {
            "meta": {"postgres_url": url.split("@")[-1], "schema": schema, "now": NOW.isoformat(),
                     "open_tasks": n_tasks, "completed_tasks": 20_000, "instances": 80_000,
                     "runs": runs, "python": platform.python_version(),
                     "loadavg_at_start": load_at_start, **meta},
            "views": views, "extra": extra,
            "plans": {k: {kk: vv for kk, vv in v.items() if kk != "text"} for k, v in plans.items()},
            "plan_text": {k: v["text"] for k, v in plans.items()},
            "target": {"median_ms_below": 100, "worst_view_median_ms": max(medians),
                       "met": max(medians) < 100, "loadavg_at_end": os.getloadavg(),
                       "cpus": os.cpu_count()},
        }
    finally:
        if keep:
            log(f"kept {schema} (drop it with: DROP SCHEMA \"{schema}\" CASCADE)")
        else:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            log(f"dropped {schema}")
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the schema (for EXPLAIN work)")
    parser.add_argument("--reuse", metavar="SCHEMA", help="measure a kept schema again")
    parser.add_argument("--no-vacuum", action="store_true", help="ANALYZE only after the inserts")
    args = parser.parse_args()
    url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_URL
    print(json.dumps(run(url, args.tasks, args.runs, keep=args.keep, reuse=args.reuse,
                         vacuum=not args.no_vacuum),
                     ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
