"""Documents handed in with a petition, kept as files in one folder (``data_dir/documents``).

A file is accepted only when its extension is on the list AND its content starts with that
type's signature (an ``.exe`` renamed ``.pdf`` is refused). Each file is written under a random
name (``<uuid hex>.<ext>``) through a temporary file and a rename, so a reader never sees half a
file; the name the citizen gave is kept only for display, stripped of path parts and control
characters. Only names of that random form are ever opened, so nothing outside the folder can be
reached through this class. The browser's declared content type is not trusted: the stored type
follows from the checked extension and signature.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from engine.errors import InvalidInput
from petitions.register.registration import StoredDocument

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
MAX_NAME_CHARS = 200
# Office files are ZIP containers; a "zip bomb" is a small upload that inflates to gigabytes when
# an officer's viewer (or any later processing) opens it. Refused from the central directory,
# before anything is stored: real office documents have a few dozen to a few hundred entries and
# compress text-like XML at most ~20:1.
ZIP_EXTENSIONS = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp", "zip"})
MAX_ZIP_ENTRIES = 1000
MAX_ZIP_INFLATED = 100 * 1024 * 1024
MAX_ZIP_RATIO = 100
ZIP_RATIO_FLOOR = 1024 * 1024  # the ratio counts only for entries bigger than this inflated
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Word/Excel (Compound File Binary)
_ZIP = b"PK\x03\x04"
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.([a-z]{3,4})")
# Characters that are harmless in Vietnamese text but break file systems or download headers.
_UNSAFE_IN_NAME = re.compile(r'[<>:"|?*\\/]')


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str


TYPES: dict[str, FileType] = {
    "pdf": FileType("PDF", "application/pdf"),
    "jpg": FileType("JPEG", "image/jpeg"),
    "jpeg": FileType("JPEG", "image/jpeg"),
    "png": FileType("PNG", "image/png"),
    "doc": FileType("Word 97-2003", "application/msword"),
    "docx": FileType("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "odt": FileType("OpenDocument", "application/vnd.oasis.opendocument.text"),
    "xls": FileType("Excel 97-2003", "application/vnd.ms-excel"),
    "xlsx": FileType("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "txt": FileType("văn bản thuần", "text/plain; charset=utf-8"),
}
ALLOWED_EXTENSIONS = tuple(sorted(TYPES))


def display_name(file_name: str) -> str:
    """The name shown to officers: last path part only, no control characters, ≤ 200 characters.

    Vietnamese letters are kept (normalised to NFC: macOS sends decomposed names).
    """
    name = unicodedata.normalize("NFC", file_name or "")
    # Drop every control/format/unassigned character first (NUL, newlines, bidi overrides that
    # make "gpj.exe" look like "exe.jpg"), then keep only the last path part.
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE_IN_NAME.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[:MAX_NAME_CHARS - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_NAME_CHARS].rstrip(" .")
    return name


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def _zip_names(content: bytes) -> tuple[set[str], bytes] | None:
    """Entry names and the ``mimetype`` entry (OpenDocument) of a ZIP, or None if unreadable."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            mimetype = b""
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 200:
                mimetype = archive.read("mimetype")
            return names, mimetype
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, NotImplementedError,
            EOFError, RuntimeError, KeyError):  # malformed or encrypted: not an office file
        return None


def zip_problem(content: bytes) -> str | None:
    """Why a ZIP container must be refused (Vietnamese), or None if it is safe to keep.

    Only the central directory is read (``infolist``): nothing is inflated here.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, NotImplementedError,
            EOFError, RuntimeError):
        return "tệp nén bị hỏng hoặc không đúng cấu trúc ZIP"
    if len(entries) > MAX_ZIP_ENTRIES:
        return f"tệp chứa {len(entries)} thành phần (tối đa {MAX_ZIP_ENTRIES})"
    if any(info.flag_bits & 0x1 for info in entries):
        return "tệp được mã hóa bằng mật khẩu; hãy gửi bản không đặt mật khẩu"
    inflated = sum(info.file_size for info in entries)
    if inflated > MAX_ZIP_INFLATED:
        return (f"nội dung giải nén lên tới {inflated // (1024 * 1024)} MB "
                f"(tối đa {MAX_ZIP_INFLATED // (1024 * 1024)} MB)")
    for info in entries:
        if info.file_size > ZIP_RATIO_FLOOR and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            return (f"thành phần “{display_name(info.filename)[:80]}” nén với tỉ lệ bất thường "
                    f"(hơn {MAX_ZIP_RATIO}:1), dấu hiệu của tệp “bom nén”")
    return None


def _is_plain_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text)


def signature_matches(ext: str, content: bytes) -> bool:
    """Whether ``content`` really is a file of type ``ext`` (by its first bytes / structure)."""
    if ext == "pdf":
        return b"%PDF-" in content[:1024]  # the standard allows a little junk before the header
    if ext in ("jpg", "jpeg"):
        return content.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("doc", "xls"):
        return content.startswith(_OLE2)
    if ext in ("docx", "xlsx", "odt"):
        if not content.startswith(_ZIP):
            return False
        listing = _zip_names(content)
        if listing is None:
            return False
        names, mimetype = listing
        if ext == "odt":
            return mimetype.strip() == b"application/vnd.oasis.opendocument.text"
        folder = "word/" if ext == "docx" else "xl/"
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)
    if ext == "txt":
        return _is_plain_text(content)
    return False


class FolderDocumentStore:
    """Petition documents as files under one folder, written atomically under random names."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder).resolve()

    # -- checking -------------------------------------------------------------------------------
    def check(self, file_name: str, content: bytes, declared_type: str | None = None) -> tuple[str, str]:
        """``(display name, extension)`` of an acceptable file; InvalidInput (Vietnamese) if not.

        ``declared_type`` (what the browser said) is deliberately ignored: browsers disagree on
        office types and an attacker chooses it freely; the signature decides.
        """
        shown = display_name(file_name)
        label = shown or "(không tên)"
        ext = extension_of(shown)
        if ext not in TYPES:
            raise InvalidInput(f"Tệp “{label}”: loại tệp không được chấp nhận. Chỉ nhận các tệp "
                               f"{', '.join(ALLOWED_EXTENSIONS)}.")
        if not content:
            raise InvalidInput(f"Tệp “{label}” rỗng (0 byte).")
        if len(content) > MAX_FILE_BYTES:
            raise InvalidInput(f"Tệp “{label}” lớn hơn {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        if ext in ZIP_EXTENSIONS or content.startswith(_ZIP):
            problem = zip_problem(content)
            if problem:
                raise InvalidInput(f"Tệp “{label}” ({TYPES[ext].label}) bị từ chối: {problem}.")
        if not signature_matches(ext, content):
            raise InvalidInput(f"Tệp “{label}”: nội dung không đúng định dạng "
                               f"{TYPES[ext].label} như phần mở rộng .{ext} cho biết; "
                               "tệp bị từ chối.")
        return shown, ext

    def check_all(self, files: Sequence[tuple[str, bytes, str | None]]) -> list[str]:
        """Every problem of a batch, one message per file (empty list: all acceptable)."""
        problems = []
        if len(files) > MAX_FILES:
            problems.append(f"Tối đa {MAX_FILES} tệp cho một đơn (đã chọn {len(files)}).")
        for name, content, declared in files:
            try:
                self.check(name, content, declared)
            except InvalidInput as err:
                problems.append(err.message)
        return problems

    # -- writing --------------------------------------------------------------------------------
    def put(self, file_name: str, content: bytes, declared_type: str | None = None) -> StoredDocument:
        """Check and store one file; returns its metadata for ``petitions.register``."""
        shown, ext = self.check(file_name, content, declared_type)
        stored_name = f"{uuid.uuid4().hex}.{ext}"
        self._write_atomically(stored_name, content)
        return StoredDocument(file_name=shown, stored_name=stored_name,
                              content_type=TYPES[ext].content_type, size=len(content),
                              sha256=hashlib.sha256(content).hexdigest())

    def put_all(self, files: Sequence[tuple[str, bytes, str | None]]) -> list[StoredDocument]:
        """All files of one petition or none: everything is checked before the first write, and
        files already written are removed if a later write fails."""
        problems = self.check_all(files)
        if problems:
            raise InvalidInput(" ".join(problems))
        stored: list[StoredDocument] = []
        try:
            for name, content, declared in files:
                stored.append(self.put(name, content, declared))
        except BaseException:
            self.delete_all(doc.stored_name for doc in stored)
            raise
        return stored

    def _write_atomically(self, stored_name: str, content: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".upload-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o600)  # identities inside: owner only
            os.replace(temp, self.path(stored_name))
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    # -- reading and removing -------------------------------------------------------------------
    def path(self, stored_name: str) -> Path:
        """Where a stored file lives; only ``<uuid hex>.<allowed ext>`` names are accepted."""
        match = _STORED_NAME.fullmatch(stored_name or "")
        if not match or match.group(1) not in TYPES:
            raise InvalidInput("Tên tệp lưu trữ không hợp lệ.")
        target = (self.folder / stored_name).resolve()
        if target.parent != self.folder:  # belt and braces: the pattern already excludes this
            raise InvalidInput("Tên tệp lưu trữ không hợp lệ.")
        return target

    def open(self, stored_name: str) -> bytes:
        try:
            return self.path(stored_name).read_bytes()
        except FileNotFoundError:
            raise InvalidInput("Không tìm thấy tệp tài liệu trong kho lưu trữ.") from None

    def exists(self, stored_name: str) -> bool:
        return self.path(stored_name).is_file()

    def delete(self, stored_name: str) -> None:
        self.path(stored_name).unlink(missing_ok=True)

    def delete_all(self, stored_names: Iterable[str]) -> None:
        for name in stored_names:
            self.delete(name)

    def move_to(self, stored_name: str, target: "FolderDocumentStore") -> None:
        """Hand a stored file to another store under the same name (an atomic rename)."""
        destination = target.path(stored_name)
        target.folder.mkdir(parents=True, exist_ok=True)
        os.replace(self.path(stored_name), destination)


def store_for(data_dir: str | os.PathLike) -> FolderDocumentStore:
    """The store of registered petitions' documents inside the data folder."""
    return FolderDocumentStore(Path(data_dir) / "documents")
