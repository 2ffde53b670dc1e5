"""A temporary upload area for the duplicate-check step (``data_dir/uploads/<token>/``).

When the registration form is valid but earlier petitions look like the same matter, the officer
must decide before anything is registered. The files chosen are already checked; rather than
asking for them again, they wait here under a random token (kept in the officer's signed session,
so no one else can use it) together with a ``manifest.json`` of their metadata. On registration
they are renamed into the documents folder (same file system: an atomic rename); if the
registration then fails they are renamed back. Areas older than ``MAX_AGE_S`` (abandoned forms) are
removed by ``sweep``, which the reception page runs on each visit.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from engine.errors import InvalidInput
from petitions.register.documents import MAX_FILES, FolderDocumentStore
from petitions.register.registration import StoredDocument

MAX_AGE_S = 24 * 3600
_TOKEN = re.compile(r"[0-9a-f]{32}")
_MANIFEST = "manifest.json"


class UploadStaging:
    def __init__(self, data_dir: str | os.PathLike):
        self.root = Path(data_dir).resolve() / "uploads"

    def _folder(self, token: str) -> Path:
        if not _TOKEN.fullmatch(token or ""):
            raise InvalidInput("Mã vùng tệp tạm không hợp lệ.")
        return self.root / token

    def store(self, token: str) -> FolderDocumentStore:
        return FolderDocumentStore(self._folder(token))

    def documents(self, token: str | None) -> list[StoredDocument]:
        """The files waiting under ``token`` (none if the area is gone or the token is empty)."""
        if not token:
            return []
        manifest = self._folder(token) / _MANIFEST
        try:
            entries = json.loads(manifest.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return []
        store = self.store(token)
        docs = [StoredDocument(**entry) for entry in entries]
        return [doc for doc in docs if store.exists(doc.stored_name)]

    def stage(self, files: Sequence[tuple[str, bytes, str | None]], token: str | None = None
              ) -> str | None:
        """Add checked files to the area ``token`` (a new one when None); returns the token,
        or None when there is nothing to keep."""
        existing = self.documents(token)
        if not files and not existing:
            return None
        if len(existing) + len(files) > MAX_FILES:
            raise InvalidInput(f"Tối đa {MAX_FILES} tệp cho một đơn.")
        token = token or secrets.token_hex(16)
        added = self.store(token).put_all(files)
        self._write_manifest(token, existing + added)
        return token

    def _write_manifest(self, token: str, docs: list[StoredDocument]) -> None:
        folder = self._folder(token)
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".manifest-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump([asdict(doc) for doc in docs], handle, ensure_ascii=False)
        os.replace(temp, folder / _MANIFEST)

    def move_into(self, token: str, target: FolderDocumentStore) -> list[StoredDocument]:
        """Rename the waiting files into ``target``; all or none."""
        docs, store, moved = self.documents(token), self.store(token), []
        try:
            for doc in docs:
                store.move_to(doc.stored_name, target)
                moved.append(doc)
        except BaseException:
            self.move_back(token, target, moved)
            raise
        return docs

    def move_back(self, token: str, target: FolderDocumentStore, docs: Sequence[StoredDocument]) -> None:
        """Undo ``move_into`` after a failed registration: the files wait again under ``token``."""
        store = self.store(token)
        for doc in docs:
            if target.exists(doc.stored_name):
                target.move_to(doc.stored_name, store)

    def discard(self, token: str | None) -> None:
        if token:
            shutil.rmtree(self._folder(token), ignore_errors=True)

    def sweep(self, max_age_s: float = MAX_AGE_S) -> int:
        """Remove areas not touched for ``max_age_s`` seconds; returns how many."""
        if not self.root.is_dir():
            return 0
        removed, cutoff = 0, time.time() - max_age_s
        for folder in self.root.iterdir():
            if folder.is_dir() and _TOKEN.fullmatch(folder.name) and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed
