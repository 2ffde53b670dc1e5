"""``petitions restore``: put a backup (petitions.backups.archive) back, or change nothing.

Order: check the whole archive against its manifest; check the targets (an empty database and
empty data folders, unless ``force``; a checkpoint log that is empty or the backup's own; the key
that signs that log); unpack into a staging folder inside the data folder, checking every member
again; only then replace the database and move the folders into place. With ``force``, data
folders that held files are moved aside (``<name>.before-restore-<time>``), never deleted.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from engine.audit.checkpoints import checkpoint_files, replace_file
from engine.audit.restore_points import log_position, make_restore_point, same_log
from engine.persistence import backup as database
from engine.persistence.backup import BackupError
from petitions.backups.archive import DATA_FOLDERS, files_under, read_members, check, key_ids
from petitions.documents.catalogue import FORMS_FOLDER
from petitions.settings import Settings
from petitions.wiring import context_for


def _non_empty(settings: Settings) -> list[str]:
    found = []
    tables = database.nonempty_tables(settings.database_url)
    if tables:
        found.append(f"cơ sở dữ liệu ({len(tables)} bảng có dữ liệu, ví dụ {tables[0]})")
    folders = [f for f in DATA_FOLDERS if next(files_under(settings.data_dir / f), None)]
    if folders:
        found.append(f"thư mục dữ liệu {settings.data_dir} (có tệp trong {', '.join(folders)})")
    return found


def _log_plan(settings: Settings, manifest: dict) -> str:
    """``copy`` (empty log folder), ``extend`` (the backup's own log) or ``none``; BackupError
    when the folder holds another log or the key to sign a restore point is not the log's."""
    folder = settings.audit_checkpoint_path
    here, archived = log_position(folder), manifest.get("audit_log")
    if here is None:
        return "copy" if archived else "none"
    if archived is None or not same_log(folder, archived):
        raise BackupError(f"Thư mục điểm mốc {folder} chứa nhật ký đã ký khác với nhật ký của bản "
                          "sao lưu: chuyển thư mục đó đi chỗ khác rồi chạy lại (nhật ký đã ký "
                          "không bao giờ bị ghi đè); không thay đổi gì")
    if here["number"] > archived["number"]:
        wanted = (manifest.get("keys") or {}).get("audit_signing")
        if key_ids(settings)["audit_signing"] != wanted or wanted is None:
            raise BackupError("Cần đúng khóa ký nhật ký đã ký các điểm mốc (mã khóa "
                              f"{wanted}) để ký điểm mốc khôi phục; đặt AUDIT_SIGNING_KEY hoặc "
                              "tệp khóa rồi chạy lại; không thay đổi gì")
        return "extend"
    return "none"


def _warnings(settings: Settings, manifest: dict) -> list[str]:
    """What the restored system will lack: keys held elsewhere, changed shipped templates."""
    notes = []
    wanted, have = (manifest.get("keys") or {}), key_ids(settings)
    missing = [k for kind in ("keys", "index_keys")
               for k in (wanted.get("identity") or {}).get(kind, [])
               if k not in have["identity"][kind]]
    if missing:
        notes.append(f"Thiếu khóa danh tính {', '.join(missing)}: danh tính đã mã hóa không đọc "
                     "được cho đến khi khôi phục tệp khóa (IDENTITY_KEY_FILE) từ nơi lưu khóa "
                     "riêng.")
    if wanted.get("audit_signing") and wanted["audit_signing"] != have["audit_signing"]:
        notes.append(f"Khóa ký nhật ký hiện tại khác khóa {wanted['audit_signing']} đã ký các "
                     "điểm mốc: 'audit verify' sẽ báo chữ ký không hợp lệ cho đến khi đặt lại "
                     "đúng khóa.")
    for name, entry in (manifest.get("members") or {}).items():
        if name.startswith("templates/"):
            installed = FORMS_FOLDER / name.removeprefix("templates/")
            if not installed.is_file() or \
                    hashlib.sha256(installed.read_bytes()).hexdigest() != entry["sha256"]:
                notes.append(f"Mẫu {installed.name} đang cài khác bản trong sao lưu (phiên bản 1 "
                             "của biểu mẫu phải giữ nguyên để in lại văn bản đã ban hành).")
    return notes


def restore(settings: Settings, archive: Path, *, force: bool = False) -> dict:
    archive = Path(archive).resolve()
    manifest = check(archive)
    url = settings.database_url
    if manifest["database"]["backend"] != database.backend(url):
        raise BackupError(f"Bản sao lưu là cơ sở dữ liệu {manifest['database']['backend']}, "
                          f"DATABASE_URL trỏ tới {database.backend(url)}; không thay đổi gì")
    busy = _non_empty(settings)
    if busy and not force:
        raise BackupError("Không khôi phục vì " + " và ".join(busy) + " không trống; dùng "
                          "--force để ghi đè (thư mục cũ được giữ lại bên cạnh)")
    plan = _log_plan(settings, manifest)
    warnings = _warnings(settings, manifest)
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=settings.data_dir, prefix=".restore-"))
    try:
        def sink(name: str):
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            return open(path, "wb")
        if read_members(archive, sink) != manifest:
            raise BackupError(f"Tệp sao lưu {archive} thay đổi trong khi khôi phục; không thay "
                              "đổi gì")
        database.restore(url, staging / manifest["database"]["member"])
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        moved = []
        for folder in DATA_FOLDERS:
            target, unpacked = settings.data_dir / folder, staging / "data" / folder
            if target.exists() and next(files_under(target), None):
                aside = target.with_name(f"{folder}.before-restore-{stamp}")
                os.replace(target, aside)
                moved.append(str(aside))
            elif target.is_dir():
                shutil.rmtree(target)
            if unpacked.is_dir():
                os.replace(unpacked, target)
        log = _restore_log(settings, manifest, plan, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"archive": str(archive), "created_at": manifest["created_at"],
            "database": manifest["database"]["backend"],
            "alembic_revision": manifest["versions"]["alembic_revision"],
            "counts": manifest["counts"], "moved_aside": moved, "audit_log": log,
            "warnings": warnings}


def _restore_log(settings: Settings, manifest: dict, plan: str, staging: Path) -> dict:
    folder = settings.audit_checkpoint_path
    if plan == "copy":
        last = None
        for _number, path in checkpoint_files(staging / "audit-checkpoints"):
            target = folder / path.relative_to(staging / "audit-checkpoints")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            last = target
        if last is not None:
            replace_file(folder / "latest.json", json.loads(last.read_text()))
        for path, rel in files_under(staging / "audit-checkpoints" / "archives"):
            target = folder / "archives" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                shutil.copyfile(path, target)
        return {"copied": manifest["counts"]["checkpoints"]}
    if plan == "extend":
        ctx = context_for(settings.database_url)
        try:
            point = make_restore_point(ctx, settings, int(manifest["audit_log"]["number"]),
                                       manifest["created_at"])
        finally:
            ctx.close()
        return {"restore_point": point}
    return {}
