"""``petitions backup`` / ``restore`` (issue 21, item 4), through the command line, on SQLite and on
a real PostgreSQL with pg_dump/pg_restore (skipped loudly where the tools are missing).

One journey per backend: a backup restores into a fresh database and data folder and ``audit
verify`` passes there with every chain intact; a non-empty target is refused (naming what is not
empty) and ``--force`` restores over it; corrupt and truncated archives are refused with one line
and change nothing; restoring an older backup over the live system (whose checkpoint log signed
events after the backup) is reported by ``audit verify`` as events lost, not as tampering.
"""
from __future__ import annotations

import base64
import json
import shutil
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from engine.persistence.database import make_engine
from engine.persistence.models import AuditEvent
from petitions_cli.main import cli
from tests.support import FIXTURES, postgres_available, postgres_url

KEYS = {"AUDIT_SIGNING_KEY": base64.b64encode(b"s" * 32).decode(),
        "IDENTITY_KEYS": "kbackup:" + base64.b64encode(b"k" * 32).decode(),
        "IDENTITY_INDEX_KEYS": "ibackup:" + base64.b64encode(b"i" * 32).decode()}


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request, tmp_path):
    """Two database URLs (the live system, the fresh restore target), dropped afterwards."""
    if request.param == "sqlite":
        yield [f"sqlite:///{tmp_path / name / 'petitions.sqlite3'}" for name in ("live", "fresh")]
        return
    reason = postgres_available()
    if reason:
        pytest.skip(f"!!! PostgreSQL NOT REACHABLE — skipping backup/restore on it: {reason}")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("!!! pg_dump/pg_restore NOT ON PATH — install postgresql-client matching the "
                    "server to test PostgreSQL backups")
    admin = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    names = [f"backup_{uuid.uuid4().hex[:8]}_{n}" for n in ("live", "fresh")]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = postgres_url().rsplit("/", 1)[0]
    yield [f"{base}/{name}" for name in names]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _runner(url, data_dir):
    runner = CliRunner()

    def run(*args, expect=0):
        result = runner.invoke(cli, list(args), env={
            "DATABASE_URL": url, "PETITIONS_DATA_DIR": str(data_dir), **KEYS})
        assert result.exit_code == expect, (args, result.output)
        assert "Traceback" not in result.output
        return result
    return run


def _events(url) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    finally:
        engine.dispose()


def test_backup_restores_and_verifies(databases, tmp_path):
    live_url, fresh_url = databases
    live_dir, fresh_dir = tmp_path / "live", tmp_path / "fresh"
    live, fresh = _runner(live_url, live_dir), _runner(fresh_url, fresh_dir)
    live("db", "upgrade")
    live("deploy", str(FIXTURES / "engine" / "review_loop.bpmn"))
    live("users", "add", "an", "--role", "handling_officer")
    for n in range(3):
        live("start", "review_loop", "--business-key", f"KN-{n}")
    (live_dir / "documents").mkdir(parents=True, exist_ok=True)
    (live_dir / "documents" / "ab12.pdf").write_bytes(b"%PDF-1.4 thu\n")
    live("audit", "checkpoint")
    archive = tmp_path / "backup.tar.gz"
    at_backup = _events(live_url)  # the backup's own audit event comes after the copy
    made = json.loads(live("backup", "--out", str(archive), "--json").stdout)
    assert _events(live_url) == at_backup + 1
    assert made["audit_checkpoint"] == 1 and made["counts"]["documents"] == 1
    assert made["keys"]["identity"]["keys"] == ["kbackup"]  # ids only
    assert base64.b64encode(b"k" * 32).decode() not in archive.read_bytes().decode("latin-1")
    live("backup", "--out", str(archive), expect=1)  # never overwrites

    # A fresh database and data folder: everything comes back and verifies.
    restored = json.loads(fresh("restore", str(archive), "--json").stdout)
    assert restored["audit_log"] == {"copied": 1} and restored["warnings"] == []
    assert (fresh_dir / "documents" / "ab12.pdf").read_bytes() == b"%PDF-1.4 thu\n"
    report = json.loads(fresh("audit", "verify", "--json").stdout)
    assert report["ok"] and report["break_count"] == 0 and report["checkpoint"] == 1
    assert report["events"] == at_backup + 1  # + the restore's own audit event
    assert report["lost_events"] == 0
    assert report["chains"] >= 4  # three instances and the deployments/users chains

    # Non-empty target: refused, saying which; corrupt archives: refused, nothing changed.
    refused = fresh("restore", str(archive), expect=1).stderr
    assert "cơ sở dữ liệu" in refused and "thư mục dữ liệu" in refused and "--force" in refused
    data = archive.read_bytes()
    truncated, flipped = tmp_path / "cut.tar.gz", tmp_path / "flip.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])
    flipped.write_bytes(data[:2000] + bytes([data[2000] ^ 0xFF]) + data[2001:])
    for bad in (truncated, flipped):
        message = fresh("restore", str(bad), "--force", expect=1).stderr.strip()
        assert "bị hỏng" in message and "không thay đổi gì" in message, message
        assert len(message.splitlines()) == 1
    assert _events(fresh_url) == at_backup + 1
    assert not list(fresh_dir.glob("documents.before-restore-*"))

    # The live system goes on after the backup and signs more; then the backup is restored over it.
    for n in range(3, 5):
        live("start", "review_loop", "--business-key", f"KN-{n}")
    live("audit", "checkpoint")
    lost = _events(live_url) - at_backup
    assert lost > 0
    over = json.loads(live("restore", str(archive), "--force", "--json").stdout)
    point = over["audit_log"]["restore_point"]
    assert point["number"] == 3 and point["checkpoint"] == 1 and point["lost_events"] == lost
    assert len(over["moved_aside"]) == 1  # the old documents folder is kept, not deleted
    report = json.loads(live("audit", "verify", "--json").stdout)
    assert report["ok"] and report["events"] == at_backup + 1 and report["lost_events"] == lost
    shown = live("audit", "verify").stdout
    assert f"{lost} sự kiện" in shown and "không có trong bản sao lưu" in shown
    # The system goes on from the restored state: new events are signed and verify.
    live("start", "review_loop", "--business-key", "KN-after")
    live("audit", "checkpoint")
    assert json.loads(live("audit", "verify", "--json").stdout)["ok"]
