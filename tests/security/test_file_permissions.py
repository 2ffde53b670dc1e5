"""Data files and folders are private: nothing in the data folder is readable by group or others."""
from __future__ import annotations

import os
import stat
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from petitions.persistence import vault as identity_vault
from petitions.register.documents import store_for
from petitions.settings import Settings
from petitions.wiring import build_context
from petitions_cli.main import cli
from webapp.reception.staging import UploadStaging
from workers.mailer import FileSender

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def open_umask():
    """Start from the usual 022, as a shell would: the code under test must close it itself.
    The process keyring is put back too (a start installs its own)."""
    umask, keyring = os.umask(0o022), identity_vault.active()
    yield
    os.umask(umask)
    if keyring is not None:
        identity_vault.install(keyring)


def _open_to_others(folder: Path) -> list[str]:
    found = []
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            found.append(f"{path.relative_to(folder.parent)} {oct(mode)}")
    return found


def test_a_fresh_start_leaves_no_group_or_other_bits(tmp_path):
    data = tmp_path / "var"
    env = {"PETITIONS_DATA_DIR": str(data)}  # SQLite in the data folder, the default
    result = CliRunner().invoke(cli, ["db", "upgrade", "--json"], env=env)
    assert result.exit_code == 0, result.output
    os.umask(0o022)  # the web app is another process, started from a shell again
    from webapp import create_app
    app = create_app({**env, "SECURE_COOKIES": False, "RATELIMIT_ENABLED": "0"})
    settings = app.config["PETITIONS_SETTINGS"]
    with app.extensions["petitions"].uow() as uow:  # a write: the WAL and SHM files appear
        uow.session.execute(text("CREATE TABLE probe (x)"))
        uow.commit()
    store_for(settings.data_dir).put_all([("đơn.pdf", PDF, "application/pdf")])
    UploadStaging(settings.data_dir).stage([("kèm theo.pdf", PDF, "application/pdf")])
    message = EmailMessage()
    message["To"], message["Subject"] = "a@example.org", "Nhắc hạn"
    message.set_content("x")
    FileSender(settings.mail_dir).send(message)

    names = {p.name for p in data.rglob("*")}  # the database still open: its WAL is there
    assert {"petitions.sqlite3", "petitions.sqlite3-wal", "petitions.sqlite3-shm",
            "identity.keys", "secret_key", "documents", "uploads", "mail", "keys"} <= names
    assert _open_to_others(data) == []
    app.extensions["petitions"].close()


def test_files_left_open_by_an_older_version_are_closed_at_start(tmp_path):
    data = tmp_path / "var"
    (data / "documents").mkdir(parents=True)
    database = data / "petitions.sqlite3"
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"PETITIONS_DATA_DIR": str(data)})
    assert result.exit_code == 0, result.output
    for path, mode in ((data, 0o755), (data / "documents", 0o755), (database, 0o644)):
        os.chmod(path, mode)
    assert _open_to_others(data) != []
    build_context(Settings.from_env({"PETITIONS_DATA_DIR": str(data)})).close()
    assert _open_to_others(data) == []
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
