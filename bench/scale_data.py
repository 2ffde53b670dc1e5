"""Scale data: ten years of a large province's petitions, loaded with COPY into PostgreSQL.

Run from the repository root: ``python -m bench.scale_data [--petitions 5000000] [--url URL]
[--jobs 1] [--reset]``. Progress goes to stderr, one JSON summary (rows/s, database size) to stdout.

The database (default ``bench_scale`` on the test server, ``BENCH_SCALE_URL`` to change it) is
created when missing and migrated to head with the project's migrations; the rows are then
written with PostgreSQL ``COPY`` (psycopg's copy API), not through the engine, in batches of
``--batch`` petitions, each batch one transaction that also records its number in
``bench_scale_batches``. A run that is stopped resumes where it left off (same ``--petitions``
and ``--seed``: petition n's rows depend only on n and the seed); ``--reset`` drops the database
first. The secondary indexes are dropped before the first batch (their DDL kept in
``bench_scale_meta``) and rebuilt at the end, then ``VACUUM ANALYZE``.

What one petition n gets (``Province``, ``petition_rows``):

- a received date: petitions are in date order over the ten years before ``NOW``, weighted by
  season (few around Tết, more in spring) and weekday, growing ~5 % a year; its yearly number;
- one of 100 units (the province office, 9 districts, 90 communes; Zipf-like sizes), type
  (complaint, denunciation ~5 %, recommendation, feedback), field, channel, a Vietnamese summary
  and its folded ``search_text``; denunciations are sealed (``identity_sealed``);
- its ``petition_intake`` instance: old cases closed (completed / terminated), recent ones open
  (waiting, a few suspended or in error), the chance of being open falling with age;
- 5 human tasks (register, classify, approve, route, resolve or notify) by the unit's officers,
  the first open one ready (60 % assigned), due dates of which ~10 % were missed;
- its audit chain (~12-14 events: started, registered, each step ready and completed, the
  classification's and the resolution's values), hashed exactly as ``engine.audit.chain`` does
  so ``audit verify`` passes; one petition in 50,000 is a long case of exactly 500 events;
- 1 sender (8 % two), name, ID number, phone and address encrypted and blind-indexed with a
  fixed bench keyring (``bench_keyring``; bench data only); 15 % of senders wrote before.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.scale_rows import PetitionWriter, Province
from petitions.persistence import vault

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale"
TABLES = ("process_instances", "petitions", "petition_senders", "human_tasks", "audit_events")


def log(message: str) -> None:
    print(f"[scale_data] {message}", file=sys.stderr, flush=True)


def bench_keyring() -> vault.Keyring:
    """Fixed keys, derived from a constant: bench data only, so that the generator and the
    benchmark (separate processes, runs days apart) encrypt and find the same identities."""
    return vault.Keyring({"bench": hashlib.sha256(b"scale-bench-enc").digest()},
                         {"benchi": hashlib.sha256(b"scale-bench-idx").digest()})


def scale_url() -> str:
    return os.environ.get("BENCH_SCALE_URL", DEFAULT_URL)


def libpq(url: str) -> str:
    """The SQLAlchemy URL as a libpq connection string (psycopg.connect)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_database(url: str, *, reset: bool) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                             {"n": parsed.database})
        if exists and reset:
            conn.execute(text(f'DROP DATABASE "{parsed.database}" WITH (FORCE)'))
            exists = False
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
            log(f"created database {parsed.database}")
    admin.dispose()


@dataclass
class Plan:
    petitions: int
    seed: int
    batch: int


def prepare(url: str, plan: Plan) -> None:
    """Migrate, check the plan against an earlier run, drop the secondary indexes once."""
    from petitions.upgrade import upgrade
    upgrade(url)
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_scale_meta (key text PRIMARY KEY, "
                     "value text NOT NULL)")
        conn.execute("CREATE TABLE IF NOT EXISTS bench_scale_batches (batch int PRIMARY KEY, "
                     "rows bigint NOT NULL, done_at timestamptz NOT NULL DEFAULT now())")
        meta = dict(conn.execute("SELECT key, value FROM bench_scale_meta").fetchall())
        wanted = {"petitions": str(plan.petitions), "seed": str(plan.seed),
                  "batch": str(plan.batch)}
        if meta.get("petitions") and any(meta.get(k) != v for k, v in wanted.items()):
            raise SystemExit(f"bench_scale holds a run of {meta}; rerun with the same "
                             "--petitions/--seed/--batch to resume, or --reset")
        for key, value in wanted.items():
            conn.execute("INSERT INTO bench_scale_meta VALUES (%s, %s) ON CONFLICT DO NOTHING",
                         (key, value))
        if "index_ddl" not in meta:
            found = conn.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c "
                "ON c.relname = i.indexname AND c.relnamespace = current_schema()::regnamespace "
                "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.schemaname = current_schema() "
                "AND i.tablename = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary",
                (list(TABLES),)).fetchall()
            conn.execute("INSERT INTO bench_scale_meta VALUES ('index_ddl', %s)",
                         (json.dumps([ddl for _, ddl in found]),))
            for name, _ in found:
                conn.execute(f'DROP INDEX IF EXISTS "{name}"')
            log(f"dropped {len(found)} secondary indexes for the load")
        conn.execute("DELETE FROM bench_scale_meta WHERE key = 'finalized'")
    if intake_definition(url) is None:
        deploy_processes(url)


def deploy_processes(url: str) -> None:
    """The project's processes, deployed through the engine (a few rows: forms and labels)."""
    from engine.definitions import deployment
    from petitions.wiring import context_for
    ctx = context_for(url)
    try:
        deployment.deploy(ctx, deployment.read_paths([PROCESSES]), actor="admin")
    finally:
        ctx.close()


def intake_definition(url: str) -> tuple[int, int] | None:
    with psycopg.connect(libpq(url)) as conn:
        return conn.execute("SELECT id, version FROM process_definitions WHERE process_key = "
                            "'petition_intake' ORDER BY version DESC LIMIT 1").fetchone()


def province_of(url: str, plan: Plan) -> Province:
    found = intake_definition(url)
    return Province(plan.petitions, plan.seed, *(found or (1, 1)))


def load_batch(url: str, plan: Plan, batch: int, province: Province | None = None) -> int:
    """One batch of petitions in one transaction (all tables and its progress row)."""
    province = province or province_of(url, plan)
    first = batch * plan.batch + 1
    last = min(plan.petitions, first + plan.batch - 1)
    writer = PetitionWriter(province, random.Random(plan.seed * 1_000_003 + batch))
    for n in range(first, last + 1):
        writer.petition(n)
    rows = 0
    with psycopg.connect(libpq(url)) as conn:
        # The rows are consistent by construction: skip the foreign-key triggers of the load.
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        with conn.cursor() as cur:
            for table, (columns, values) in writer.tables().items():
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
                rows += len(values)
            cur.execute("INSERT INTO bench_scale_batches (batch, rows) VALUES (%s, %s)",
                        (batch, rows))
        conn.commit()
    return rows


def _worker(args: tuple) -> tuple[int, int]:
    url, plan, batches = args
    vault.install(bench_keyring())
    province = province_of(url, plan)
    done = 0
    for batch in batches:
        done += load_batch(url, plan, batch, province)
        log(f"batch {batch} loaded ({(batch + 1) * plan.batch:,} petitions mark)")
    return len(batches), done


def finalize(url: str, plan: Plan) -> dict:
    """Reference rows (units, users, counters), sequences, indexes, VACUUM ANALYZE."""
    province = province_of(url, plan)
    started = time.perf_counter()
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        if not conn.execute("SELECT 1 FROM units LIMIT 1").fetchone():
            with conn.cursor() as cur:
                for table, (columns, values) in province.reference_rows().items():
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in values:
                            copy.write_row(row)
        conn.execute("DELETE FROM petition_counters")
        conn.execute("INSERT INTO petition_counters (year, last) SELECT "
                     "split_part(number, '-', 1)::int, max(split_part(number, '-', 2)::int) "
                     "FROM petitions GROUP BY 1")
        for table in TABLES + ("units", "users"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
        ddl = json.loads(conn.execute(
            "SELECT value FROM bench_scale_meta WHERE key = 'index_ddl'").fetchone()[0])
        for statement in ddl:
            log(f"index: {statement[:90]}")
            conn.execute(statement.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        index_s = time.perf_counter() - started
        for table in TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")
        conn.execute("INSERT INTO bench_scale_meta VALUES ('finalized', now()::text) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        sizes = {t: conn.execute(f"SELECT pg_total_relation_size('{t}')").fetchone()[0]
                 for t in TABLES}
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        db_size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {"index_s": round(index_s, 1),
            "finalize_s": round(time.perf_counter() - started, 1), "rows": counts,
            "table_mb": {t: round(s / 2 ** 20) for t, s in sizes.items()},
            "database_mb": round(db_size / 2 ** 20)}


def generate(url: str, plan: Plan, *, jobs: int = 1, reset: bool = False,
             create: bool = True) -> dict:
    if create:
        ensure_database(url, reset=reset)
    vault.install(bench_keyring())
    prepare(url, plan)
    with psycopg.connect(libpq(url)) as conn:
        done = {b for (b,) in conn.execute("SELECT batch FROM bench_scale_batches")}
    todo = [b for b in range(math.ceil(plan.petitions / plan.batch)) if b not in done]
    log(f"{len(done)} batches already loaded, {len(todo)} to go ({jobs} process(es))")
    started = time.perf_counter()
    rows = 0
    if jobs <= 1 or len(todo) < 2:
        rows = _worker((url, plan, todo))[1]
    else:
        shares = [todo[i::jobs] for i in range(jobs)]
        with get_context("fork").Pool(jobs) as pool:
            rows = sum(r for _, r in pool.map(_worker, [(url, plan, s) for s in shares if s]))
    load_s = time.perf_counter() - started
    result = {"petitions": plan.petitions, "batches_loaded_now": len(todo),
              "load_s": round(load_s, 1), "rows_loaded_now": rows,
              "rows_per_s": round(rows / load_s) if load_s and rows else None,
              "petitions_per_s": round(len(todo) * plan.batch / load_s) if load_s and rows
              else None, "jobs": jobs, "loadavg": os.getloadavg()}
    result.update(finalize(url, plan))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--petitions", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=1, help="loading processes")
    parser.add_argument("--url", default=scale_url())
    parser.add_argument("--reset", action="store_true", help="drop the database first")
    args = parser.parse_args(argv)
    plan = Plan(args.petitions, args.seed, args.batch)
    result = generate(args.url, plan, jobs=args.jobs, reset=args.reset)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
