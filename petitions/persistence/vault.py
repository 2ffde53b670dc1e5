"""Senders' identities encrypted at rest, and keyed hashes (blind indexes) to find them exactly.

* Encryption: AES-256-GCM from ``cryptography``. A value is stored as the token
  ``v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``; the key id names the key that made it, so
  several keys can be live while a rotation runs (the newest encrypts, all decrypt). A purpose
  string (``aad``, e.g. the column) is authenticated with the value, so a token copied into
  another column does not decrypt there.
* Blind indexes: HMAC-SHA256 with a separate key over a normalised value (ID number and phone:
  digits; name: folded). An exact search compares hashes and never reads clear text.
* The keys live outside the database: in ``IDENTITY_KEYS`` / ``IDENTITY_INDEX_KEYS`` or in a JSON
  key file (``IDENTITY_KEY_FILE``, default ``<data_dir>/keys/identity.keys``, made on first start,
  mode 0600 in a 0700 folder). docs/security-keys.md says how to back it up and rotate it.

The process has one active keyring (``install``); the ORM type ``EncryptedText`` uses it, so code
reading ``PetitionSender.name`` gets the clear text without knowing any of this.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from engine.errors import EngineError
from engine.text_search import fold

if TYPE_CHECKING:
    from petitions.settings import Settings

TOKEN_PREFIX = "v1:"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# Other processes (web, workers) notice a rotation's new key file within this many seconds, so
# they encrypt with the new key and can read values the rotation re-encrypted.
REFRESH_S = 5.0
_lock = threading.Lock()
_active: "Keyring | None" = None
_checked_at = 0.0


class IdentityKeyError(EngineError):
    """A key is missing, malformed or does not open a stored value: nothing is guessed."""

    code = "identity_key"


@dataclass
class Keyring:
    """Encryption keys (id → 32 bytes, the last one encrypts) and blind-index keys (same)."""

    keys: dict[str, bytes]
    index_keys: dict[str, bytes]
    source: Path | None = None          # the key file, None when the keys come from the environment
    added: dict[str, str] = field(default_factory=dict)   # key id → when it was made (ISO, UTC)
    loaded_mtime: int | None = None     # the key file's mtime when read: changed → reload
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if not self.keys or not self.index_keys:
            raise IdentityKeyError("Bộ khóa danh tính phải có ít nhất một khóa mã hóa và một khóa chỉ mục")
        for key_id, key in {**self.keys, **self.index_keys}.items():
            if not _KEY_ID.match(key_id):
                raise IdentityKeyError(f"Mã khóa không hợp lệ: '{key_id}' (chữ, số, '-', '_')")
            if len(key) != KEY_BYTES:
                raise IdentityKeyError(f"Khóa '{key_id}' phải dài {KEY_BYTES} byte (AES-256)")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in self.keys.items()}

    @property
    def active_id(self) -> str:
        return next(reversed(self.keys))

    @property
    def index_id(self) -> str:
        return next(reversed(self.index_keys))

    @classmethod
    def generate(cls, source: Path | None = None) -> "Keyring":
        key_id, index_id = new_key_id("k"), new_key_id("i")
        return cls({key_id: AESGCM.generate_key(bit_length=256)},
                   {index_id: secrets.token_bytes(KEY_BYTES)}, source,
                   {key_id: _now_iso(), index_id: _now_iso()})

    def with_new_key(self, *, index: bool = False) -> "Keyring":
        """A copy with one more encryption key (or blind-index key), which becomes the active one."""
        keys, index_keys = dict(self.keys), dict(self.index_keys)
        key_id = new_key_id("i" if index else "k")
        if index:
            index_keys[key_id] = secrets.token_bytes(KEY_BYTES)
        else:
            keys[key_id] = AESGCM.generate_key(bit_length=256)
        return Keyring(keys, index_keys, self.source, {**self.added, key_id: _now_iso()})

    def without(self, key_ids: set[str]) -> "Keyring":
        """A copy without the given retired keys (never the active ones)."""
        keys = {k: v for k, v in self.keys.items() if k not in key_ids or k == self.active_id}
        index_keys = {k: v for k, v in self.index_keys.items()
                      if k not in key_ids or k == self.index_id}
        return Keyring(keys, index_keys, self.source,
                       {k: v for k, v in self.added.items() if k in keys or k in index_keys})

    # -- the operations ----------------------------------------------------------------------------
    def encrypt(self, text: str, aad: str = "") -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._ciphers[self.active_id].encrypt(nonce, text.encode("utf-8"), aad.encode())
        return f"{TOKEN_PREFIX}{self.active_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, aad: str = "") -> str:
        key_id, blob = _split(token)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise IdentityKeyError(
                f"Không có khóa '{key_id}' để giải mã dữ liệu danh tính: kiểm tra IDENTITY_KEYS "
                "hoặc tệp khóa (IDENTITY_KEY_FILE) có đúng của cơ sở dữ liệu này không")
        try:
            return cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode()).decode("utf-8")
        except InvalidTag:
            raise IdentityKeyError(f"Khóa '{key_id}' không mở được dữ liệu danh tính (khóa sai "
                                   "hoặc dữ liệu đã bị sửa)") from None

    def blind_indexes(self, kind: str, value: str) -> list[str]:
        """The value's hash under every index key, newest first (all match during a rotation)."""
        normal = normalise(kind, value)
        return [_hmac(key, kind, normal) for key in reversed(self.index_keys.values())]

    def blind_index(self, kind: str, value: str) -> str:
        return _hmac(self.index_keys[self.index_id], kind, normalise(kind, value))

    # -- storage -----------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps({
            "format": 1, "note": "Khóa mã hóa danh tính (docs/security-keys.md). Không xóa, không chia sẻ.",
            "keys": [self._entry(k, v) for k, v in self.keys.items()],
            "index_keys": [self._entry(k, v) for k, v in self.index_keys.items()],
        }, indent=2)

    def _entry(self, key_id: str, key: bytes) -> dict:
        return {"id": key_id, "key": _b64(key), "added": self.added.get(key_id, "")}

    def save(self) -> None:
        """Write the key file atomically, 0600 in a 0700 folder (only for file-based keyrings)."""
        if self.source is None:
            raise IdentityKeyError("Khóa lấy từ biến môi trường IDENTITY_KEYS: hãy cập nhật biến đó")
        write_private(self.source, self.to_json())
        self.loaded_mtime = self.source.stat().st_mtime_ns


def new_key_id(prefix: str) -> str:
    return f"{prefix}{datetime.now(timezone.utc):%Y%m%d}{secrets.token_hex(3)}"


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _split(token: str) -> tuple[str, bytes]:
    try:
        _version, key_id, payload = token.split(":", 2)
        return key_id, base64.b64decode(payload, validate=True)
    except (ValueError, binascii.Error):
        raise IdentityKeyError("Dữ liệu danh tính mã hóa bị hỏng (không đọc được)") from None


def token_key_id(token: str | None) -> str | None:
    """The key id of a token; None for NULL or a legacy clear value."""
    if not is_token(token):
        return None
    return token.split(":", 2)[1]


def is_token(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


# -- normalisation for blind indexes ---------------------------------------------------------------
def normalise(kind: str, value: str) -> str:
    """The form compared by an exact search: digits for numbers, folded words for names."""
    text = (value or "").strip()
    if kind == "id_number":
        normal = re.sub(r"\D", "", text)
    elif kind == "phone":
        digits = re.sub(r"\D", "", text)
        if text.startswith("+84") or (digits.startswith("84") and len(digits) == 11):
            digits = "0" + digits[2:]
        elif digits.startswith("0084"):
            digits = "0" + digits[4:]
        normal = digits
    elif kind == "name":
        normal = fold(text)
    else:
        raise ValueError(f"unknown blind index kind {kind!r}")
    if not normal:
        raise ValueError(f"nothing to index in this {kind}")
    return normal


def _hmac(key: bytes, kind: str, normal: str) -> str:
    return hmac.new(key, f"{kind}\x00{normal}".encode("utf-8"), hashlib.sha256).hexdigest()


# -- the process's keyring -------------------------------------------------------------------------
def install(keyring: Keyring) -> None:
    """Make ``keyring`` the one this process encrypts and decrypts with (the last install wins)."""
    global _active, _checked_at
    with _lock:
        _active = keyring
        _checked_at = time.monotonic()


def active() -> Keyring | None:
    return _active


def keyring(*, reload: bool = False) -> Keyring:
    """The active keyring; a file-based one is re-read when its file changed (checked every
    ``REFRESH_S`` seconds, or now with ``reload``)."""
    global _active, _checked_at
    current = _active
    if current is None:
        raise IdentityKeyError("Chưa nạp khóa mã hóa danh tính (petitions.wiring.build_context)")
    if current.source is None or not (reload or time.monotonic() - _checked_at > REFRESH_S):
        return current
    _checked_at = time.monotonic()
    try:
        changed = current.source.stat().st_mtime_ns != current.loaded_mtime
    except OSError:
        return current  # a vanished file: keep the keys in memory; the next start says so
    if changed:
        fresh = read_key_file(current.source)
        with _lock:
            if _active is current:
                _active = fresh
        return fresh
    return current


def encrypt(text: str | None, aad: str = "") -> str | None:
    """Encrypt with the active key; None stays None."""
    if text is None:
        return None
    return keyring().encrypt(text, aad)


def decrypt(token: str | None, aad: str = "") -> str | None:
    """Decrypt a token. A value without the token prefix is legacy clear text (rows written
    before migration 0007, until ``encrypt_legacy`` has run) and is returned as it is."""
    if token is None or not is_token(token):
        return token
    current = keyring()
    if token_key_id(token) not in current.keys:  # perhaps a rotation began: look at the file
        current = keyring(reload=True)
    return current.decrypt(token, aad)


def blind_index(kind: str, value: str) -> str:
    """HMAC-SHA256 (hex) of the normalised value with the active index key."""
    return keyring().blind_index(kind, value)


def blind_indexes(kind: str, value: str) -> list[str]:
    """What an exact search compares with: the hash under every live index key. Empty when the
    value holds nothing to index (no digits in an ID number, say)."""
    try:
        return keyring().blind_indexes(kind, value)
    except ValueError:
        return []


def blind_index_or_none(kind: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return blind_index(kind, value)
    except ValueError:
        return None


class EncryptedText(TypeDecorator):
    """A text column stored encrypted; ``purpose`` is authenticated with each value.

    Comparisons in SQL cannot work (each encryption differs): filter on a blind index instead.
    ``petitions keys rotate`` re-encrypts every column of this type found in the metadata.
    """

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str = ""):
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value, dialect):
        return encrypt(value, self.purpose)

    def process_result_value(self, value, dialect):
        return decrypt(value, self.purpose)


# -- loading ---------------------------------------------------------------------------------------
def load_keyring(settings: "Settings") -> Keyring:
    """The keyring of the environment (``IDENTITY_KEYS``) or of the key file, made if missing."""
    if settings.identity_keys:
        return Keyring(_parse_env(settings.identity_keys, "IDENTITY_KEYS"),
                       _parse_env(settings.identity_index_keys, "IDENTITY_INDEX_KEYS"))
    path = settings.identity_key_path
    if not path.exists():
        created = Keyring.generate(path)
        created.save()
        return created
    return read_key_file(path)


def read_key_file(path: Path) -> Keyring:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        mtime = path.stat().st_mtime_ns
        keys = {k["id"]: base64.b64decode(k["key"], validate=True) for k in data["keys"]}
        index_keys = {k["id"]: base64.b64decode(k["key"], validate=True) for k in data["index_keys"]}
        added = {k["id"]: k.get("added", "") for k in data["keys"] + data["index_keys"]}
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as err:
        raise IdentityKeyError(f"Không đọc được tệp khóa danh tính {path}: {err}") from None
    return Keyring(keys, index_keys, path, added, mtime)


def _parse_env(value: str, name: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        key_id, sep, encoded = item.partition(":")
        try:
            if not sep:
                raise ValueError
            keys[key_id] = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error):
            raise IdentityKeyError(f"{name}: mỗi khóa có dạng 'mã:base64', lỗi ở '{key_id}'") from None
    if not keys:
        raise IdentityKeyError(f"Thiếu biến môi trường {name} (dạng 'mã:base64', khóa cuối là khóa đang dùng)")
    return keys


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with a 0600 file inside a 0700 folder."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".keys-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
