"""``petitions backup``: the database, the files and the signed audit log in one archive.

The archive is a tar.gz written member by member (nothing is held in memory whatever its size):
``database/database.sqlite3`` or ``database/database.pgdump`` (engine.persistence.backup), the
data folders that hold what the database points at (``data/documents``, ``data/drafts``,
``data/trust-roots``), the shipped form templates (``templates/``; the uploaded versions are rows
of the database), the signed audit checkpoints (``audit-checkpoints/``) and, last,
``manifest.json``: versions, counts, the SHA-256 and size of every member, the Alembic revision,
the creation time, the log position, and the ids (never the secrets) of the keys.

Consistency: the log position is read *before* the database is copied, and only checkpoints up to
it are archived, so every archived checkpoint signs events the copied database holds.

Restore first reads the whole archive and checks every member against the manifest: a corrupt or
truncated archive is refused before anything changes. Everything is unpacked into a staging folder
inside the data folder, then moved into place. The checkpoint log is never overwritten: an empty
log folder gets the archived log; the same log (it holds the backup's last checkpoint) gets a
signed restore point (engine.audit.restore_points); another log is refused.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import zlib
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path, PurePosixPath

from engine.audit.checkpoints import checkpoint_files, key_id, public_raw, signing_key
from engine.audit.restore_points import log_position
from engine.persistence import backup as database
from engine.persistence.backup import BackupError
from petitions.documents.catalogue import FORMS_FOLDER
from petitions.persistence.schema import current as schema_revision
from petitions.persistence.vault import read_key_file
from petitions.settings import Settings

FORMAT = "petitions-backup/1"
MANIFEST = "manifest.json"
DATA_FOLDERS = ("documents", "drafts", "trust-roots")
CHUNK = 1 << 20


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def key_ids(settings: Settings) -> dict:
    """The ids of the keys the backup's data needs, never the keys themselves."""
    identity: dict = {"source": None, "keys": [], "index_keys": []}
    if settings.identity_keys:
        identity = {"source": "IDENTITY_KEYS",
                    "keys": [p.split(":", 1)[0].strip() for p in settings.identity_keys.split(",")
                             if p.strip()],
                    "index_keys": [p.split(":", 1)[0].strip()
                                   for p in settings.identity_index_keys.split(",") if p.strip()]}
    elif settings.identity_key_path.exists():
        ring = read_key_file(settings.identity_key_path)
        identity = {"source": "file", "keys": list(ring.keys), "index_keys": list(ring.index_keys)}
    signing = signing_key(settings, create=False)
    return {"identity": identity,
            "audit_signing": key_id(public_raw(signing)) if signing else None}


# ------------------------------------------------------------------------------ writing

class _Hashing:
    """A file object that hashes what tarfile reads through it."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, name: str, members: dict) -> None:
    with open(path, "rb") as handle:
        info = tar.gettarinfo(arcname=name, fileobj=handle)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _Hashing(handle)
        tar.addfile(info, reader)
    members[name] = {"sha256": reader.digest.hexdigest(), "size": info.size}


def files_under(folder: Path):
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(folder).as_posix()


def create(settings: Settings, out: Path) -> dict:
    """Write the archive to ``out`` (refused when it exists); returns the manifest."""
    out = Path(out).resolve()
    if out.exists():
        raise BackupError(f"Tệp {out} đã có: chọn tên khác (bản sao lưu không ghi đè tệp)")
    if not out.parent.is_dir():
        raise BackupError(f"Không có thư mục {out.parent}")
    url, checkpoints = settings.database_url, settings.audit_checkpoint_path
    position = log_position(checkpoints)  # before the copy: what it signs is in the copy
    revision = schema_revision(url)
    members: dict[str, dict] = {}
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as staging:
        copy = Path(staging) / ("database" + database.dump_suffix(url))
        database.dump(url, copy)
        try:
            with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
                _add(tar, copy, f"database/{copy.name}", members)
                copy.unlink()
                counts = {"database_bytes": members[f"database/{copy.name}"]["size"]}
                for folder in DATA_FOLDERS:
                    found = list(files_under(settings.data_dir / folder))
                    for path, rel in found:
                        _add(tar, path, f"data/{folder}/{rel}", members)
                    counts[folder] = len(found)
                templates = list(files_under(FORMS_FOLDER))
                for path, rel in templates:
                    _add(tar, path, f"templates/{rel}", members)
                counts["templates"] = len(templates)
                archived = [(n, p) for n, p in checkpoint_files(checkpoints)
                            if position and n <= position["number"]]
                for _number, path in archived:
                    _add(tar, path, f"audit-checkpoints/{path.relative_to(checkpoints).as_posix()}",
                         members)
                counts["checkpoints"] = len(archived)
                for path, rel in files_under(checkpoints / "archives"):  # signed archive digests
                    _add(tar, path, f"audit-checkpoints/archives/{rel}", members)
                manifest = {
                    "format": FORMAT, "created_at": _now(),
                    "versions": {"petitions": _version(), "alembic_revision": revision},
                    "database": {"backend": database.backend(url),
                                 "member": f"database/{copy.name}"},
                    "counts": counts, "audit_log": position, "keys": key_ids(settings),
                    "members": members}
                body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(datetime.now().timestamp()), 0o600
                tar.addfile(info, io.BytesIO(body))
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _version() -> str:
    try:
        return metadata.version("petitions")
    except metadata.PackageNotFoundError:
        return "unknown"


# ------------------------------------------------------------------------------ reading

def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def read_members(archive: Path, handle_member=None) -> dict:
    """Stream through the archive, hashing each member (and handing it to ``handle_member``);
    returns the manifest after checking every member against it. One line when anything is
    wrong: nothing has been changed by then (``handle_member`` writes only to staging)."""
    seen: dict[str, tuple[str, int]] = {}
    manifest = None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if not member.isfile() or not _safe_name(member.name):
                    raise BackupError(f"Tệp sao lưu {archive} chứa mục không hợp lệ: {member.name}")
                source = tar.extractfile(member)
                if member.name == MANIFEST:
                    manifest = json.loads(source.read(16 << 20).decode())
                    continue
                digest, size = hashlib.sha256(), 0
                sink = handle_member(member.name) if handle_member else None
                try:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        if sink:
                            sink.write(chunk)
                finally:
                    if sink:
                        sink.close()
                seen[member.name] = (digest.hexdigest(), size)
            # tarfile stops quietly at a damaged header, and gzip checks its CRC only at the
            # end of the stream: read to the end so damage anywhere is an error here.
            while tar.fileobj.read(CHUNK):
                pass
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as err:
        raise BackupError(f"Tệp sao lưu {archive} bị hỏng hoặc không đầy đủ ({err}); "
                          "không thay đổi gì") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"Tệp sao lưu {archive} bị hỏng hoặc không phải bản sao lưu của hệ "
                          "thống (thiếu manifest.json); không thay đổi gì")
    listed = manifest.get("members") or {}
    for name, entry in listed.items():
        if seen.get(name) != (entry.get("sha256"), entry.get("size")):
            raise BackupError(f"Tệp sao lưu {archive} bị hỏng: mục {name} "
                              f"{'thiếu' if name not in seen else 'sai mã kiểm tra'}; "
                              "không thay đổi gì")
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise BackupError(f"Tệp sao lưu {archive} có mục không ghi trong manifest: {extra[0]}")
    return manifest


def check(archive: Path) -> dict:
    """The manifest of a whole, uncorrupted archive; BackupError otherwise."""
    if not Path(archive).is_file():
        raise BackupError(f"Không có tệp sao lưu {archive}")
    return read_members(Path(archive))
