"""Modeler drafts kept as files: ``<data_dir>/drafts/<key>/<user>.bpmn`` (+ ``<user>.json``).

Server-side files rather than the browser's localStorage: a draft follows the administrator to
another computer or browser, survives a cleared browser profile, and is not limited to the few
megabytes localStorage allows. Only well-formed, safe XML is stored (the same parser as deployment:
no DOCTYPE, no entities), written atomically; names are reduced to safe path components so a
process key or user name can never leave the drafts folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path

from engine.definitions.safe_xml import MAX_FILE_BYTES, parse_xml
from engine.errors import InvalidInput

_SAFE_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def _component(value: str) -> str:
    if _SAFE_COMPONENT.match(value) and ".." not in value:
        return value
    return "h-" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]


def _paths(data_dir: Path, key: str, user: str) -> tuple[Path, Path]:
    folder = Path(data_dir) / "drafts" / _component(key)
    name = _component(user)
    return folder / f"{name}.bpmn", folder / f"{name}.json"


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".draft-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_draft(data_dir: Path, key: str, user: str, xml: bytes, *, version: int, file: str,
               saved_at: datetime) -> dict:
    """Store the user's draft of ``key`` (replacing the previous one); DeploymentError if unsafe."""
    if len(xml) > MAX_FILE_BYTES:
        raise InvalidInput(f"Bản nháp quá lớn (tối đa {MAX_FILE_BYTES // (1024 * 1024)} MB)")
    parse_xml(xml, file)  # well-formed, UTF-8, no DOCTYPE/ENTITY: never store hostile markup
    meta = {"version": version, "file": file, "saved_at": saved_at.isoformat()}
    bpmn_path, meta_path = _paths(data_dir, key, user)
    _write_atomic(bpmn_path, xml)
    _write_atomic(meta_path, json.dumps(meta).encode("utf-8"))
    return meta


def load_draft(data_dir: Path, key: str, user: str) -> dict | None:
    bpmn_path, meta_path = _paths(data_dir, key, user)
    if not bpmn_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except (OSError, ValueError):
        meta = {}
    return {"xml": bpmn_path.read_text("utf-8"), "version": meta.get("version"),
            "file": meta.get("file"), "saved_at": meta.get("saved_at")}


def delete_draft(data_dir: Path, key: str, user: str) -> bool:
    bpmn_path, meta_path = _paths(data_dir, key, user)
    existed = bpmn_path.exists()
    bpmn_path.unlink(missing_ok=True)
    meta_path.unlink(missing_ok=True)
    return existed
