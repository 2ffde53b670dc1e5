"""Search benchmark: the supervisors' search (petitions/supervision/search.py) over a million petitions.

Run from the repository root: ``python -m bench.search_bench [--rows 1000000] [--repeat 25]
[--keep]``. One JSON document goes to stdout, progress to stderr.

A throwaway schema ``bench_search_<random>`` on PostgreSQL (``BENCH_POSTGRES_URL``, default the
test server) is migrated to head, so it carries exactly the migrations' indexes (0006's trigram
and covering ones among them); its secondary indexes are dropped, the rows bulk-loaded with COPY,
the same indexes rebuilt and the tables vacuumed and analysed. Loaded: ``--rows`` petitions over
five years, 200 units, the four types and seven fields, a Vietnamese summary of 10-25 words with
its folded ``search_text``; one process instance per petition (55 % completed, 38 % waiting, a
few suspended, terminated, in error; 10 % escalated once); one open step for each open instance
(70 % assigned to one of 300 officers, due dates of which about a fifth have passed) and one
completed step for half of the instances.

Each query kind is a real ``petitions.supervision.search.search`` call (page query, capped count, open steps of
the page, labels), with different parameters on each run (random tracking codes, units,
officers, months, words), after one discarded warm-up; median and p95 in milliseconds. The
target is a median under 200 ms for the common filters and the first page. The schema is dropped
at the end unless ``--keep``.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import create_engine, text

from engine.accounts.actor import Actor
from engine.context import EngineContext
from engine.persistence.database import make_engine, make_session_factory
from engine.text_search import fold
from petitions.supervision import search
from petitions.upgrade import upgrade

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_MS = 200.0
UTC = timezone.utc
TYPES = [("complaint", 35), ("denunciation", 15), ("recommendation", 25), ("feedback", 22),
         ("mixed", 3)]
FIELDS = [("land_housing", 40), ("policy", 18), ("civil_service", 12), ("justice", 8),
          ("party_mass", 3), ("corruption", 7), ("other", 12)]
STATUSES = [("completed", 55), ("waiting", 38), ("suspended", 2), ("terminated", 2),
            ("running", 2.5), ("error", 0.5)]
CHANNELS = ["direct", "post", "online", "forwarded", "reception_session", "suggestion_box"]
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SUBJECTS = [
    "Khiếu nại quyết định thu hồi đất", "Tố cáo cán bộ địa chính nhận tiền",
    "Kiến nghị sửa chữa đường giao thông", "Phản ánh ô nhiễm môi trường",
    "Đề nghị cấp giấy chứng nhận quyền sử dụng đất",
    "Khiếu nại việc bồi thường giải phóng mặt bằng", "Tố cáo hành vi lấn chiếm đất công",
    "Phản ánh tiếng ồn của cơ sở sản xuất", "Kiến nghị về chế độ chính sách người có công",
    "Khiếu nại quyết định xử phạt hành chính", "Đề nghị giải quyết tranh chấp ranh giới thửa đất",
    "Phản ánh việc thu phí không đúng quy định"]
PLACES = ["thôn Nà Sản", "bản Nậm Loỏng", "xóm Đông", "tổ dân phố số 5", "thôn Thượng",
          "ấp Bình An", "khu phố 3", "thôn Hạ Long", "bản Pá Khoang", "xóm Chùa", "thôn Yên Sở",
          "làng Vạn Phúc"]
DETAILS = ["diện tích 120 mét vuông", "từ năm 2019 đến nay", "đã gửi đơn nhiều lần",
           "chưa được trả lời bằng văn bản", "có biên bản làm việc kèm theo",
           "ảnh hưởng nhiều hộ dân", "đề nghị xem xét lại", "giá bồi thường thấp hơn thị trường",
           "gây mất an ninh trật tự", "trong thời gian dài", "có dấu hiệu tiêu cực",
           "người dân bức xúc"]
# Kept rare on purpose: one letter in ~2 000 mentions it.
RARE = "giếng khoan tập thể bị bỏ hoang"


def log(message: str) -> None:
    print(f"[search_bench] {message}", file=sys.stderr, flush=True)


def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


def tracking_code(n: int) -> str:
    # An odd multiplier is a bijection modulo 32**10: unique codes, no lookups.
    value = (n * 0x9E3779B97F4A7C15 + 12345) % (32 ** 10)
    chars = []
    for _ in range(10):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    raw = "".join(chars)
    return f"{raw[:5]}-{raw[5:]}"


class Vocabulary:
    """Summary pieces with their folded forms computed once."""

    def __init__(self):
        self.pieces = {name: [(p, fold(p)) for p in group] for name, group in
                       (("subject", SUBJECTS), ("place", PLACES), ("detail", DETAILS))}
        self.rare = (RARE, fold(RARE))

    def summary(self, rng: random.Random) -> tuple[str, str]:
        parts = [rng.choice(self.pieces["subject"]), rng.choice(self.pieces["place"])]
        parts += rng.sample(self.pieces["detail"], rng.randint(1, 3))
        if rng.random() < 0.0005:
            parts.append(self.rare)
        return ", ".join(p for p, _ in parts), " ".join(f for _, f in parts)


def load(url: str, rows: int, seed: int) -> dict:
    rng = random.Random(seed)
    vocabulary = Vocabulary()
    bind = create_engine(url)
    start_day, days = date(2022, 1, 1), (date(2026, 11, 20) - date(2022, 1, 1)).days
    now = datetime.now(UTC)
    counters: dict[int, int] = {}
    stats = {"open_tasks": 0, "done_tasks": 0}
    with bind.begin() as conn:
        definition = conn.execute(text(
            "INSERT INTO process_definitions (process_key, version, name, sha256, deployed_by, "
            "deployed_at, files, spec_json, forms, lane_roles, task_units) VALUES "
            "('petition_intake', 1, 'Tiếp nhận', '', 'bench', now(), '{}', '{}', '{}', '{}', '{}') "
            "RETURNING id")).scalar()
    raw = bind.raw_connection()
    try:
        cursor = raw.cursor()
        inst_cols = ("id, definition_id, process_key, business_key, status, state, started_by, "
                     "created_at, updated_at, audit_seq, audit_head, overdue_since, row_version")
        pet_cols = ("id, number, tracking_code, instance_id, received_on, channel, forwarder_kind, "
                    "petition_type, field, summary, priority_markers, signers, remote_area, "
                    "identity_sealed, unit_code, search_text, created_by, created_at")
        task_cols = ("id, instance_id, task_guid, bpmn_id, name, candidate_role, candidate_unit, "
                     "assignee, priority, status, created_at, due_at, completed_by, completed_at")
        petitions_rows, instance_rows, task_rows = [], [], []
        task_id = 0
        for n in range(1, rows + 1):
            received = start_day + timedelta(days=rng.randrange(days))
            created = datetime(received.year, received.month, received.day, 2, tzinfo=UTC)
            counters[received.year] = counters.get(received.year, 0) + 1
            number = f"{received.year}-{counters[received.year]:06d}"
            kind = weighted(rng, TYPES)
            status = weighted(rng, STATUSES)
            summary, folded = vocabulary.summary(rng)
            unit = f"xa-{rng.randrange(200):03d}"
            updated = created + timedelta(days=rng.randrange(1, 60))
            overdue = updated if rng.random() < 0.10 else None
            instance_rows.append((n, definition, "petition_intake", number, status, "", "tiepdan",
                                  created, updated, 0, "", overdue, 1))
            petitions_rows.append((n, number, tracking_code(n), n, received, rng.choice(CHANNELS),
                                   "none", kind, weighted(rng, FIELDS), summary, "[]",
                                   1 if rng.random() < 0.9 else rng.randint(2, 12), False,
                                   kind == "denunciation", unit, folded, "tiepdan", created))
            if status not in ("completed", "terminated"):
                task_id += 1
                assignee = f"canbo{rng.randrange(300):03d}" if rng.random() < 0.7 else None
                due = now + timedelta(days=rng.randint(-15, 60))
                task_rows.append((task_id, n, str(uuid.UUID(int=n)), "Task_classify", "Phân loại",
                                  "handling_officer", unit, assignee, 0, "ready", created, due,
                                  None, None))
                stats["open_tasks"] += 1
            if rng.random() < 0.5:
                task_id += 1
                due = created + timedelta(days=10)
                done = created + timedelta(days=rng.randint(1, 14))
                task_rows.append((task_id, n, str(uuid.UUID(int=rows + n)), "Task_register",
                                  "Vào sổ", "reception_officer", unit, "tiepdan", 0, "completed",
                                  created, due, "tiepdan", done))
                stats["done_tasks"] += 1
            if n % 50_000 == 0 or n == rows:
                _copy(cursor, "process_instances", inst_cols, instance_rows)
                _copy(cursor, "petitions", pet_cols, petitions_rows)
                _copy(cursor, "human_tasks", task_cols, task_rows)
                petitions_rows, instance_rows, task_rows = [], [], []
                raw.commit()
                log(f"loaded {n:,} petitions")
        for table, column in (("process_instances", "id"), ("petitions", "id"),
                              ("human_tasks", "id")):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                           f"(SELECT max({column}) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
        bind.dispose()
    return stats


def _copy(cursor, table: str, columns: str, rows: list[tuple]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


SECONDARY = ("petitions", "process_instances", "human_tasks")


def drop_secondary_indexes(url: str) -> list[str]:
    """Drop the non-unique indexes of the loaded tables; returns their DDL to rebuild them."""
    bind = create_engine(url)
    with bind.begin() as conn:
        found = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname "
            "AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) "
            "JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
            "AND NOT x.indisunique AND NOT x.indisprimary"), {"tables": list(SECONDARY)}).all()
        for name, _ in found:
            conn.execute(text(f'DROP INDEX "{name}"'))
    bind.dispose()
    return [ddl for _, ddl in found]


def rebuild(url: str, ddl: list[str]) -> None:
    bind = create_engine(url)
    with bind.begin() as conn:
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for statement in ddl:
            conn.execute(text(statement))
    # As autovacuum leaves a settled table: statistics, and the visibility map that index-only
    # scans need.
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in SECONDARY:
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    bind.dispose()


def kinds(rng: random.Random, rows: int) -> dict:
    """Query kind -> a function returning fresh SearchFilters for each run."""
    def month() -> tuple[date, date]:
        first = date(rng.randint(2022, 2026), rng.randint(1, 10), 1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)

    def unit() -> str:
        return f"xa-{rng.randrange(200):03d}"

    def ranged(**extra):
        start, end = month()
        return search.SearchFilters(received_from=start, received_to=end, **extra)

    common = {
        "first_page": lambda: search.SearchFilters(),
        "tracking_code": lambda: search.SearchFilters(q=tracking_code(rng.randint(1, rows))),
        "number": lambda: search.SearchFilters(
            q=f"{rng.randint(2022, 2026)}-{rng.randint(1, rows // 6):06d}"),
        "type": lambda: search.SearchFilters(petition_type=rng.choice(["complaint", "denunciation",
                                                                        "recommendation"])),
        "type_field": lambda: search.SearchFilters(petition_type="complaint",
                                                   field=rng.choice(["land_housing", "policy"])),
        "unit": lambda: search.SearchFilters(unit_code=unit()),
        "status_waiting": lambda: search.SearchFilters(status="waiting"),
        "status_error": lambda: search.SearchFilters(status="error"),
        "assignee": lambda: search.SearchFilters(assignee=f"canbo{rng.randrange(300):03d}"),
        "received_month": ranged,
        "unit_and_month": lambda: ranged(unit_code=unit()),
        "overdue_now": lambda: search.SearchFilters(overdue="now"),
        "overdue_ever": lambda: search.SearchFilters(overdue="ever"),
        "text_common": lambda: search.SearchFilters(q=rng.choice(["thu hồi đất", "bồi thường",
                                                                  "ô nhiễm môi trường"])),
        "text_place": lambda: search.SearchFilters(
            q=rng.choice(["Nà Sản", "Vạn Phúc", "Pá Khoang"])),
        "text_rare": lambda: search.SearchFilters(q="giếng khoan bỏ hoang"),
        "text_and_type": lambda: search.SearchFilters(q="lấn chiếm đất công",
                                                      petition_type="denunciation"),
    }
    heavier = {
        "page_20_of_type": lambda: search.SearchFilters(petition_type="complaint", page=20),
        "text_and_unit": lambda: search.SearchFilters(q="đất", unit_code=unit()),
    }
    return {"common": common, "other": heavier}


# A province supervisor overseeing every generated commune: search filters by the actor's units.
SUPERVISOR = Actor("bench_supervisor", frozenset({"supervisor"}), unit="tinh",
                   supervised=frozenset(f"xa-{i:03d}" for i in range(200)))


def measure(ctx: EngineContext, make, repeat: int) -> dict:
    search.search(ctx, make(), SUPERVISOR)  # warm-up, discarded
    times = []
    totals = []
    for _ in range(repeat):
        filters = make()
        started = time.perf_counter()
        result = search.search(ctx, filters, SUPERVISOR)
        times.append((time.perf_counter() - started) * 1000)
        totals.append(result["total"])
    times.sort()
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
            "max_ms": round(times[-1], 1), "runs": repeat,
            "median_total": int(statistics.median(totals))}


def with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--keep", action="store_true", help="keep the schema (for EXPLAIN)")
    args = parser.parse_args(argv)
    base = os.environ.get("BENCH_POSTGRES_URL", os.environ.get("TEST_POSTGRES_URL", DEFAULT_URL))
    schema = f"bench_search_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as err:  # noqa: BLE001 - any failure means the server is not usable
        log(f"!!! PostgreSQL not reachable ({err}); nothing measured")
        print(json.dumps({"skipped": str(err).splitlines()[0]}))
        return 1
    url = with_schema(base, schema)
    result: dict = {"rows": args.rows, "schema": schema, "loadavg_at_start": os.getloadavg()}
    try:
        started = time.perf_counter()
        upgrade(url)
        ddl = drop_secondary_indexes(url)
        result["load"] = load(url, args.rows, args.seed)
        result["load_s"] = round(time.perf_counter() - started, 1)
        log(f"rebuilding {len(ddl)} indexes")
        started = time.perf_counter()
        rebuild(url, ddl)
        result["index_s"] = round(time.perf_counter() - started, 1)
        result["trigram_index"] = any("gin_trgm_ops" in statement for statement in ddl)
        bind = make_engine(url)
        with bind.connect() as conn:
            result["postgres"] = conn.execute(text("show server_version")).scalar()
        ctx = EngineContext(session_factory=make_session_factory(bind))
        rng = random.Random(args.seed)
        for group, queries in kinds(rng, args.rows).items():
            result[group] = {}
            for name, make in queries.items():
                result[group][name] = measure(ctx, make, args.repeat)
                log(f"{group}/{name}: {result[group][name]}")
        bind.dispose()
        medians = {k: v["median_ms"] for k, v in result["common"].items()}
        result["target_ms"] = TARGET_MS
        result["common_all_under_target"] = all(m < TARGET_MS for m in medians.values())
        result["slowest_common"] = max(medians, key=medians.get)
    finally:
        if not args.keep:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
