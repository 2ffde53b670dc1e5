"""Copying a whole database to one file and back, for the backup and restore commands.

SQLite: the online backup API (``sqlite3.Connection.backup``), page by page, so writers keep
working and the copy is one consistent snapshot. PostgreSQL: ``pg_dump`` in its custom format
(one consistent snapshot, compressed) and ``pg_restore``; both must be on PATH, from a client at
least as new as the server. Neither ever holds a table in memory.

The password of a PostgreSQL URL goes to the tools through ``PGPASSWORD``, never on their command
line (where ``ps`` shows it to every user of the machine).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from engine.errors import EngineError
from engine.persistence.database import make_engine

PAGES_PER_STEP = 1024  # SQLite backup step: a writer waits at most one step's copy


class BackupError(EngineError):
    """A database cannot be copied or restored; the message is one Vietnamese line."""


def backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def dump_suffix(url: str) -> str:
    return ".sqlite3" if backend(url) == "sqlite" else ".pgdump"


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được")
    return Path(database).resolve()


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"Không tìm thấy lệnh {name}: cài gói postgresql-client cùng phiên bản "
                          "với máy chủ PostgreSQL (Debian: apt-get install postgresql-client)")
    return found


def _pg_target(url: str) -> tuple[str, dict]:
    """The libpq URL (no driver, no password) and the environment carrying the password."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict, what: str) -> None:
    done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["(không có thông báo)"])[-1]
        raise BackupError(f"{what} thất bại: {detail}")


def dump(url: str, target: Path) -> None:
    """Write a consistent copy of the database at ``url`` to ``target`` (a new file)."""
    if backend(url) == "sqlite":
        source_file = _sqlite_file(url)
        if not source_file.exists():
            raise BackupError(f"Không có tệp cơ sở dữ liệu {source_file}")
        source = sqlite3.connect(source_file, timeout=30)  # read only by backup()
        copy = sqlite3.connect(target)
        try:
            source.backup(copy, pages=PAGES_PER_STEP)
        finally:
            copy.close()
            source.close()
        return
    libpq, env = _pg_target(url)
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          "--file", str(target), "--dbname", libpq], env, "pg_dump")


def nonempty_tables(url: str) -> list[str]:
    """Tables of the database that hold rows (``alembic_version`` aside); [] for a database that
    does not exist yet (a missing SQLite file) or has only empty tables."""
    if backend(url) == "sqlite" and not _sqlite_file(url).exists():
        return []
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
            preparer = engine.dialect.identifier_preparer
            return [n for n in names if conn.execute(
                text(f"SELECT 1 FROM {preparer.quote(n)} LIMIT 1")).first() is not None]
    finally:
        engine.dispose()


def has_tables(url: str) -> bool:
    if backend(url) == "sqlite" and not _sqlite_file(url).exists():
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return bool(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` by the copy in ``source`` (made by ``dump``). The caller
    has checked that the target may be overwritten. SQLite: the file is swapped in one rename,
    so a failure leaves the old file as it was."""
    if backend(url) == "sqlite":
        target = _sqlite_file(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(target.name + ".restoring")
        shutil.copyfile(source, staged)
        check = sqlite3.connect(staged)
        try:
            ok = check.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            check.close()
        if not ok:
            staged.unlink()
            raise BackupError("Bản sao cơ sở dữ liệu SQLite trong tệp sao lưu bị hỏng")
        for suffix in ("-wal", "-shm", "-journal"):  # the old file's log must not replay on the new
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(staged, target)
        return
    libpq, env = _pg_target(url)
    command = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
               "--exit-on-error", "--dbname", libpq]
    if has_tables(url):  # an empty schema made by `db upgrade`, or --force: replace its objects
        command += ["--clean", "--if-exists"]
    _run(command + [str(source)], env, "pg_restore")
