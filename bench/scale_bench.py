"""Scale benchmark: the targets of issue 21 on the data of ``bench.scale_data``.

Run from the repository root, after the generator: ``python -m bench.scale_bench [--runs 40]
[--only inbox,search,...] [--verify-max-events 3000000]``. One JSON document goes to stdout,
progress to stderr. The database is ``BENCH_SCALE_URL`` (default ``bench_scale`` on the test
server); nothing is written to it.

Each figure is a real call of the domain function the web page calls (``petitions.tasks.inbox
.list_view`` / ``view_counts``, ``petitions.supervision.search.search`` / ``identity_search``,
``history.history``, ``reports.build``, ``dashboard.dashboard``, ``engine.audit.chain.verify``),
with the clock fixed at the data's ``NOW``, after one discarded warm-up, with different
parameters on each run where the page has any. For each target: p50 and p99 (nearest rank) in
ms, the runs, the rows returned, and the slowest SQL statement seen in one instrumented run. The
slowest statement of the target furthest above its goal (or closest to it) is then run again
under ``EXPLAIN (ANALYZE, BUFFERS)``, after the ``SET LOCAL`` statements that preceded it in the
same transaction. ``meta`` has the row counts, the load average and the CPU calibration of
``bench.engine_bench`` at the start and the end.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import date, timedelta

from sqlalchemy import event, select, text

from bench.engine_bench import cpu_calibration_ms
from bench.scale_data import bench_keyring, scale_url
from bench.scale_rows import LONG_EVERY, NOW
from bench.search_bench import tracking_code
from engine.accounts.actor import Actor
from engine.audit import chain as audit_chain
from petitions.persistence import vault
from petitions.persistence.models import PetitionSender

TARGETS_MS = {"floor": None, "inbox": 50, "search": 150, "identity": 50, "history": 100, "report_unit": 1000,
              "report_province": 5000, "dashboard": 300}
UNITS = ["tinh"] + [f"huyen-{i:02d}" for i in range(1, 10)] + [f"xa-{i:03d}" for i in range(1, 91)]


def log(message: str) -> None:
    print(f"[scale_bench] {message}", file=sys.stderr, flush=True)


class FixedClock:
    def now(self):
        return NOW


class Recorder:
    """Every statement the driver runs while on: text, parameters, duration."""

    def __init__(self, engine):
        self.engine, self.on, self.seen = engine, False, []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.seen.append((statement, parameters, (time.perf_counter() - conn.info["t0"]) * 1000))

    def run(self, fn):
        self.seen, self.on = [], True
        try:
            fn()
        finally:
            self.on = False
        return self.seen


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


def rows_of(result) -> int | None:
    if isinstance(result, dict):
        if "rows" in result:
            return len(result["rows"])
        if "events" in result:
            return len(result["events"])
        if "sections" in result:
            return sum(len(s.rows) for s in result["sections"])
        if "total" in result:
            return result["total"]
    return None


def measure(recorder: Recorder, name: str, goal: float | None, makers: list, runs: int) -> dict:
    """``makers``: functions returning a zero-argument call (fresh parameters each run)."""
    makers[0]()()  # warm-up
    samples, totals, rows = [], [], []
    for i in range(runs):
        call = makers[i % len(makers)]()
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
        rows.append(rows_of(result))
        if isinstance(result, dict) and "total" in result:
            totals.append(result["total"])
    statements = recorder.run(makers[0]())
    slowest = max(statements, key=lambda s: s[2]) if statements else None
    out = {"target_ms": goal, "runs": runs, "p50_ms": round(percentile(samples, 0.5), 1),
           "p99_ms": round(percentile(samples, 0.99), 1), "max_ms": round(max(samples), 1),
           "rows_returned": rows[-1], "statements": len(statements),
           "slowest_statement_ms": round(slowest[2], 1) if slowest else None}
    if totals:
        out["total_median"] = sorted(totals)[len(totals) // 2]
    if goal is not None:
        out["met"] = out["p99_ms"] < goal
    out["_slowest"] = (slowest, statements)
    log(f"{name}: p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms (goal {goal}), rows "
        f"{out['rows_returned']}")
    return out


def explain(engine, statements: list, slowest) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of ``slowest`` after the SET LOCALs that preceded it."""
    sql, params, _ = slowest
    with engine.connect() as conn:
        with conn.begin():
            for other, other_params, _ in statements:
                if other is sql:
                    break
                if other.lstrip().upper().startswith("SET LOCAL"):
                    conn.exec_driver_sql(other, other_params)
            plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)]
            conn.rollback()
    return plan


def _actors() -> dict[str, Actor]:
    others = frozenset(UNITS[1:])
    return {
        "officer": Actor("tinh.canbo1", frozenset({"handling_officer"}), unit="tinh"),
        "officer_commune": Actor("xa-001.canbo1", frozenset({"handling_officer"}), unit="xa-001"),
        "head": Actor("tinh.truong", frozenset({"head_of_unit"}), unit="tinh"),
        "head_commune": Actor("xa-001.truong", frozenset({"head_of_unit"}), unit="xa-001"),
        "supervisor": Actor("giamsat.tinh", frozenset({"supervisor"}), unit="tinh",
                            supervised=others),
        "reception": Actor("tinh.tiepdan", frozenset({"reception_officer"}), unit="tinh"),
    }


def inbox_targets(ctx, a, runs) -> dict:
    from petitions.tasks import inbox
    out = {}
    for who in ("officer", "officer_commune"):
        for view in ("mine", "queue", "due_soon", "overdue", "done"):
            out[f"inbox.{who}.{view}"] = [lambda v=view, w=who: lambda: inbox.list_view(
                ctx, a[w], v)]
            out[f"inbox.{who}.{view}.page5"] = [lambda v=view, w=who: lambda: inbox.list_view(
                ctx, a[w], v, page=5)]
        out[f"inbox.{who}.tabs"] = [lambda w=who: lambda: inbox.view_counts(ctx, a[w])]
        out[f"inbox.{who}.queue.text"] = [lambda w=who: lambda: inbox.list_view(
            ctx, a[w], "queue", inbox.Filters(text="đất đai"))]
    for who in ("head", "head_commune"):
        out[f"inbox.{who}.unit"] = [lambda w=who: lambda: inbox.list_view(ctx, a[w], "unit")]
        out[f"inbox.{who}.unit.page5"] = [lambda w=who: lambda: inbox.list_view(
            ctx, a[w], "unit", page=5)]
        out[f"inbox.{who}.tabs"] = [lambda w=who: lambda: inbox.view_counts(ctx, a[w])]
    return {k: ("inbox", v) for k, v in out.items()}


def search_targets(ctx, a, rng, total) -> dict:
    from petitions.supervision import search as s
    sup = a["supervisor"]
    years = range(NOW.year - 9, NOW.year + 1)

    def month():
        first = date(rng.choice(list(years)[:-1]), rng.randint(1, 12), 1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)

    def run(**kw):
        return lambda: lambda: s.search(ctx, s.SearchFilters(**{k: v() if callable(v) else v
                                                                for k, v in kw.items()}), sup)
    unit = lambda: rng.choice(UNITS)  # noqa: E731
    kinds = {
        "first_page": run(), "page_20": run(page=20),
        "tracking_code": run(q=lambda: tracking_code(rng.randint(1, total))),
        "number": run(q=lambda: f"{rng.choice(list(years)[1:])}-{rng.randint(1, total // 12):06d}"),
        "type": run(petition_type=lambda: rng.choice(["complaint", "denunciation", "feedback"])),
        "field": run(field=lambda: rng.choice(["land_housing", "justice", "corruption"])),
        "unit": run(unit_code=unit), "status_waiting": run(status="waiting"),
        "status_error": run(status="error"), "status_terminated": run(status="terminated"),
        "assignee": run(assignee=lambda: f"{rng.choice(UNITS)}.canbo{rng.randint(1, 3)}"),
        "active_month": run(active_from=lambda: date(NOW.year - 1, rng.randint(1, 12), 1),
                            active_to=lambda: date(NOW.year - 1, 12, 31)),
        "overdue_now": run(overdue="now"), "overdue_ever": run(overdue="ever"),
        "text_common": run(q=lambda: rng.choice(["thu hồi đất", "bồi thường", "ô nhiễm"])),
        "text_place": run(q=lambda: rng.choice(["Nà Sản", "Vạn Phúc", "Pá Khoang"])),
        "text_rare": run(q="giếng khoan bỏ hoang"),
        "text_short_words": run(q="đất ở"),
        "text_label": run(q="đất đai"),
        "text_and_type": run(q="lấn chiếm đất công", petition_type="denunciation"),
        "text_and_unit": run(q="đất", unit_code=unit),
        "all_filters": run(q="đất", petition_type="complaint", field="land_housing",
                           unit_code=unit, status="completed"),
    }

    def month_filters():
        start, end = month()
        return lambda: s.search(ctx, s.SearchFilters(received_from=start, received_to=end), sup)

    def unit_month():
        start, end = month()
        u = unit()
        return lambda: s.search(ctx, s.SearchFilters(received_from=start, received_to=end,
                                                     unit_code=u), sup)
    kinds["received_month"] = month_filters
    kinds["unit_and_month"] = unit_month
    return {f"search.{k}": ("search", [v]) for k, v in kinds.items()}


def identity_targets(ctx, a, rng, total) -> dict:
    from petitions.supervision import search as s
    with ctx.uow(write=False) as uow:
        ids = [rng.randint(1, total) for _ in range(60)]
        senders = uow.session.scalars(select(PetitionSender).where(
            PetitionSender.petition_id.in_(ids))).all()
        sealed = [p for (p,) in uow.session.execute(text(
            "SELECT s.id FROM petition_senders s JOIN petitions p ON p.id = s.petition_id "
            "WHERE p.identity_sealed LIMIT 40"))]
        sealed_senders = uow.session.scalars(select(PetitionSender).where(
            PetitionSender.id.in_(sealed))).all()
        values = [(x.id_number, x.phone) for x in senders]
        sealed_values = [(x.id_number, x.phone) for x in sealed_senders]
    out = {}
    for who in ("supervisor", "reception"):
        for kind, index in (("id_number", 0), ("phone", 1)):
            out[f"identity.{who}.{kind}"] = ("identity", [
                lambda w=who, k=kind, i=index: (lambda v=rng.choice(values)[i]:
                                                lambda: s.identity_search(ctx, k, v, a[w]))()])
        out[f"identity.{who}.sealed_id_number"] = ("identity", [
            lambda w=who: (lambda v=rng.choice(sealed_values)[0]:
                           lambda: s.identity_search(ctx, "id_number", v, a[w]))()])
        out[f"identity.{who}.typed_in_main_box"] = ("identity", [
            lambda w=who: (lambda v=rng.choice(values)[1]:
                           lambda: s.typed_identity_search(ctx, v, a[w]))()])
    return out


def other_targets(ctx, a, total, year) -> dict:
    from petitions.supervision import dashboard, history, reports
    from petitions.supervision.report_letters import period
    with ctx.uow(write=False) as uow:  # the long case (500 events), or the longest there is
        long_id = uow.session.scalar(text("SELECT id FROM process_instances WHERE audit_seq = "
                                          "(SELECT max(audit_seq) FROM process_instances) LIMIT 1"))
    every = frozenset(UNITS)
    return {
        "history.500_events": ("history", [lambda: lambda: history.history(
            ctx, long_id, a["supervisor"])]),
        "report.year.unit_commune": ("report_unit", [lambda: lambda: reports.build(
            ctx, period("year", year), "xa-001", units=every)]),
        "report.year.unit_province_office": ("report_unit", [lambda: lambda: reports.build(
            ctx, period("year", year), "tinh", units=every)]),
        "report.year.whole_province": ("report_province", [lambda: lambda: reports.build(
            ctx, period("year", year), None, units=every)]),
        "dashboard.province_supervisor": ("dashboard", [lambda: lambda: dashboard.dashboard(
            ctx, a["supervisor"])]),
        "dashboard.commune_head": ("dashboard", [lambda: lambda: dashboard.dashboard(
            ctx, a["head_commune"])]),
    }


def verify_figure(ctx, events: int, limit: int) -> dict:
    """``engine.audit.chain.verify`` of every chain (what ``audit verify`` walks), when the
    table is not larger than ``limit`` events; else of a sample of whole chains."""
    import resource
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    cpu = time.process_time()
    if events <= limit:
        with ctx.uow(write=False) as uow:
            result = audit_chain.verify(uow.session)
        scope = "everything"
    else:
        from engine.audit.chain import Verification
        result = Verification()
        with ctx.uow(write=False) as uow:
            for n in range(LONG_EVERY // 2, LONG_EVERY // 2 + 2000):
                one = audit_chain.verify(uow.session, n)
                result.events += one.events
                result.break_count += one.break_count
        scope = "2,000 chains one by one (the table is larger than --verify-max-events)"
    wall = time.perf_counter() - started
    return {"scope": scope, "events": result.events, "ok": result.ok,
            "break_count": result.break_count, "wall_s": round(wall, 1),
            "client_cpu_s": round(time.process_time() - cpu, 1),
            "events_per_s": round(result.events / wall), "target_events_per_s": 200_000,
            "met": result.events / wall >= 200_000,
            "max_rss_growth_mb": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                        - rss_before) / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--heavy-runs", type=int, default=5, help="reports")
    parser.add_argument("--only", default="inbox,search,identity,other,verify")
    parser.add_argument("--verify-max-events", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url", default=scale_url())
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    vault.install(bench_keyring())
    from petitions.wiring import context_for
    ctx = context_for(args.url, clock=FixedClock())
    engine = ctx.session_factory.kw["bind"]
    recorder = Recorder(engine)
    rng = random.Random(args.seed)
    with engine.connect() as conn:
        counts = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in
                  ("petitions", "process_instances", "human_tasks", "audit_events",
                   "petition_senders")}
        counts["ready_tasks"] = conn.scalar(text(
            "SELECT count(*) FROM human_tasks WHERE status = 'ready'"))
        meta = {"postgres": conn.scalar(text("show server_version")),
                "shared_buffers": conn.scalar(text("show shared_buffers")),
                "work_mem": conn.scalar(text("show work_mem")),
                "database_mb": round(conn.scalar(text(
                    "SELECT pg_database_size(current_database())")) / 2 ** 20)}
    meta.update(rows=counts, loadavg_at_start=[round(x, 2) for x in os.getloadavg()],
                cpu_calibration_ms_at_start=cpu_calibration_ms(), cpus=os.cpu_count(),
                now=NOW.isoformat())
    log(f"rows: {counts}")
    total, a = counts["petitions"], _actors()
    plan: dict = {}
    if "inbox" in only:
        plan.update(inbox_targets(ctx, a, args.runs))
    if "search" in only:
        plan.update(search_targets(ctx, a, rng, total))
    if "identity" in only:
        plan.update(identity_targets(ctx, a, rng, total))
    if "other" in only:
        plan.update(other_targets(ctx, a, total, NOW.year - 1))
    def floor():
        with ctx.uow(write=False) as uow:
            return uow.session.execute(text("SELECT 1")).scalar()
    # What any page pays on this machine now: one read unit of work with one round trip. Under
    # load (other jobs on the cores) this floor rises, and every figure with it.
    plan = {"floor.select_1": ("floor", [lambda: floor]), **plan}
    figures = {}
    for name, (group, makers) in plan.items():
        runs = args.heavy_runs if group.startswith("report") else \
            max(10, args.runs // 2) if group in ("dashboard", "history") else args.runs
        figures[name] = measure(recorder, name, TARGETS_MS[group], makers, runs)
        figures[name]["group"] = group
    report: dict = {"meta": meta, "figures": {}}
    worst = max((k for k in figures if figures[k]["target_ms"]),
                key=lambda k: figures[k]["p50_ms"] / figures[k]["target_ms"], default=None)
    # The worst figure's slowest statement, and the slowest statement of any figure (the worst
    # figure may spend its time in Python, not in one query).
    longest = max((k for k in figures if figures[k]["_slowest"][0]),
                  key=lambda k: figures[k]["_slowest"][0][2], default=None)
    for name, fig in figures.items():
        slowest, statements = fig.pop("_slowest")
        for key, chosen in (("slowest", worst), ("slowest_statement", longest)):
            if name == chosen and slowest:
                report[key] = {"figure": name, "statement": slowest[0],
                               "statement_ms": round(slowest[2], 1),
                               "explain_analyze_buffers": explain(engine, statements, slowest)}
        report["figures"][name] = fig
    summary = {}
    for name, fig in figures.items():
        group = summary.setdefault(fig["group"], {"target_ms": fig["target_ms"], "worst_p99_ms": 0,
                                                  "worst": None, "met": True})
        if fig["p99_ms"] >= group["worst_p99_ms"]:
            group["worst_p99_ms"], group["worst"] = fig["p99_ms"], name
        group["met"] = group["met"] and fig.get("met", True)
    if "verify" in only:
        log("audit verify ...")
        summary["audit_verify"] = verify_figure(ctx, counts["audit_events"],
                                                args.verify_max_events)
        log(f"audit verify: {summary['audit_verify']}")
    report["summary"] = summary
    meta.update(loadavg_at_end=[round(x, 2) for x in os.getloadavg()],
                cpu_calibration_ms_at_end=cpu_calibration_ms())
    ctx.close()
    print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
