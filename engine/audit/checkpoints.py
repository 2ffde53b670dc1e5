"""Signed checkpoints of every audit chain's head, kept outside the database.

A hash chain alone does not stop someone who can write the database: they delete a row, recompute
the later hashes with ``engine.audit.chain.event_hash`` and update the head, and the chain verifies.
Like a transparency log's signed tree heads (RFC 9162), the worker periodically signs the heads of
all chains with an Ed25519 key the database never sees, and writes the result, append-only, to a
directory the database never sees. Verification then requires, for every chain a checkpoint
recorded at (seq, head), that the event at that seq still has exactly that hash: a rewritten chain
has another hash there, a deleted chain has none. Because each event's hash covers all earlier
events, matching the latest checkpointed head proves the whole prefix.

A checkpoint lists only the chains whose head moved since the previous one (a full list of a few
million chains every five minutes would be hundreds of megabytes); ``root`` is the SHA-256 of the
full sorted state after applying them, so folding the log from the first checkpoint must reproduce
every signed root. Each checkpoint also carries the SHA-256 of the previous one (``prev``), so a
removed or replaced file breaks the link. The checkpointer refuses to advance a chain whose
checkpointed event no longer matches, or whose head does not match its own last event: tampering
is never laundered into a signed checkpoint.

Files: ``<dir>/<number // 1000>/<number>.json`` (created exclusively, never rewritten),
``latest.json`` (a copy of the newest, for the public page). The verification status and alerts
are in ``engine.audit.verification``.
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select, tuple_

from engine.audit.chain import GENESIS, chain_heads
from engine.errors import EngineError
from engine.persistence.models import AuditEvent
from engine.settings import Settings

BATCH = 500
State = dict[str, tuple[int, str]]  # chain → (seq, head hash)


class CheckpointError(EngineError):
    """The signing key or the checkpoint directory cannot be used."""


# ---------------------------------------------------------------------------------------- keys

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _private_from_b64(text: str, where: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise CheckpointError(f"Khóa ký nhật ký trong {where} không phải base64 hợp lệ") from None
    if len(raw) != 32:
        raise CheckpointError(f"Khóa ký nhật ký trong {where} phải dài đúng 32 byte")
    return Ed25519PrivateKey.from_private_bytes(raw)


def signing_key(settings: Settings, *, create: bool) -> Ed25519PrivateKey | None:
    """The Ed25519 key: AUDIT_SIGNING_KEY (base64, 32 raw bytes) or the key file, which is made
    on first use (0600, in a 0700 folder) when ``create``; None when absent and not created."""
    if settings.audit_signing_key:
        return _private_from_b64(settings.audit_signing_key, "AUDIT_SIGNING_KEY")
    path = settings.audit_signing_key_path
    if not path.exists():
        if not create:
            return None
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700)
        raw = Ed25519PrivateKey.generate().private_bytes_raw()
        try:  # O_EXCL: two workers starting together must not each write a different key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(_b64(raw) + "\n")
    return _private_from_b64(path.read_text(), str(path))


def public_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


# ------------------------------------------------------------------------------ documents

def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def document_hash(document: dict) -> str:
    """What the next checkpoint's ``prev`` holds: the SHA-256 of the whole signed document."""
    return hashlib.sha256(canonical(document)).hexdigest()


def state_root(state: State) -> str:
    """SHA-256 over the sorted (chain, seq, head) lines of every chain."""
    digest = hashlib.sha256()
    for chain in sorted(state):
        seq, head = state[chain]
        digest.update(f"{chain}\t{seq}\t{head}\n".encode())
    return digest.hexdigest()


def signature_ok(document: dict, public: bytes) -> bool:
    body = {k: v for k, v in document.items() if k != "signature"}
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            base64.b64decode(document.get("signature", "")), canonical(body))
        return True
    except (InvalidSignature, ValueError):
        return False


def checkpoint_path(directory: Path, number: int) -> Path:
    return directory / f"{number // 1000:06d}" / f"{number:09d}.json"


def checkpoint_files(directory: Path) -> Iterator[tuple[int, Path]]:
    """Every checkpoint file in number order (a name that is not a number is ignored)."""
    if not directory.is_dir():
        return
    for folder in sorted(p for p in directory.iterdir() if p.is_dir() and p.name.isdigit()):
        for path in sorted(folder.glob("*.json")):
            if path.stem.isdigit():
                yield int(path.stem), path


def read_latest(settings: Settings) -> dict | None:
    """The newest checkpoint as published (``latest.json``), or None before the first."""
    path = settings.audit_checkpoint_path / "latest.json"
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


# ---------------------------------------------------------------------------- the log

@dataclass
class LogProblem:
    number: int
    kind: str
    reason: str


@dataclass
class LogState:
    """The log folded from its first checkpoint: the state it signs and what was wrong with it."""
    number: int = 0
    hash: str = GENESIS
    created_at: str | None = None
    state: State = field(default_factory=dict)
    problems: list[LogProblem] = field(default_factory=list)
    # Signed restore points (engine.audit.restore_points): the database went back to a backup.
    restores: list[dict] = field(default_factory=list)


def fold(directory: Path, public: bytes | None, until: int | None = None) -> LogState:
    """Read every checkpoint in order (up to number ``until`` when given), checking number, link,
    signature and root; all problems are collected (a verification must list every break, not
    stop at the first). A change with seq 0 removes its chain from the state: only a restore
    point writes one, for a chain the restored backup did not have yet."""
    log = LogState()
    for number, path in checkpoint_files(directory):
        if until is not None and number > until:
            break
        try:
            document = json.loads(path.read_text())
            changes = [(str(c), int(s), str(h)) for c, s, h in document["changes"]]
        except (ValueError, KeyError, TypeError):
            log.problems.append(LogProblem(number, "checkpoint_unreadable",
                                           f"checkpoint {number} cannot be read"))
            continue
        if number != log.number + 1 or document.get("number") != number:
            log.problems.append(LogProblem(number, "checkpoint_missing",
                                           f"checkpoint {log.number + 1} is missing"
                                           if number > log.number + 1
                                           else f"checkpoint {number} is numbered out of order"))
        if document.get("prev") != log.hash:
            log.problems.append(LogProblem(number, "checkpoint_link",
                                           f"checkpoint {number} does not link to the "
                                           "previous one"))
        if public is None:
            log.problems.append(LogProblem(number, "checkpoint_unverifiable",
                                           "no signing key to check the checkpoint signatures"))
        elif document.get("key_id") != key_id(public) or not signature_ok(document, public):
            log.problems.append(LogProblem(number, "checkpoint_signature",
                                           f"checkpoint {number} is not signed by this key"))
        for chain, seq, head in changes:
            if seq:
                log.state[chain] = (seq, head)
            else:
                log.state.pop(chain, None)
        if isinstance(document.get("restore_of"), dict):
            log.restores.append({"number": number, **document["restore_of"]})
        if state_root(log.state) != document.get("root"):
            log.problems.append(LogProblem(number, "checkpoint_root",
                                           f"checkpoint {number}'s root does not match its chains"))
        log.number, log.hash = number, document_hash(document)
        log.created_at = document.get("created_at")
    return log


_CACHE: dict[Path, LogState] = {}
_CACHE_LOCK = threading.Lock()


def _cached_fold(directory: Path, public: bytes) -> LogState:
    """The folded log, re-read only when a newer checkpoint than the cached one exists (another
    worker wrote it); the checkpointer holds the directory lock while it calls this."""
    last = None
    for last in checkpoint_files(directory):
        pass
    with _CACHE_LOCK:
        cached = _CACHE.get(directory)
    if cached is not None and last is not None and cached.number == last[0]:
        try:
            if document_hash(json.loads(last[1].read_text())) == cached.hash:
                return cached
        except (ValueError, OSError):
            pass
    log = fold(directory, public)
    with _CACHE_LOCK:
        _CACHE[directory] = log
    return log


@contextmanager
def _directory_lock(directory: Path):
    """One checkpointer at a time on this directory (several workers may sweep at once)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def events_at(session, pairs: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The stored hash of each (chain, seq) that exists, by batches on the unique key."""
    found: dict[tuple[str, int], str] = {}
    for start in range(0, len(pairs), BATCH):
        batch = pairs[start:start + BATCH]
        found.update(((c, s), h) for c, s, h in session.execute(
            select(AuditEvent.chain, AuditEvent.seq, AuditEvent.hash)
            .where(tuple_(AuditEvent.chain, AuditEvent.seq).in_(batch))))
    return found


def _accepted_changes(session, previous: State) -> tuple[list, list]:
    """Chains whose head moved and may be signed; and those refused, with the reason."""
    heads = chain_heads(session)
    moved = {c: h for c, h in heads.items() if h[0] and previous.get(c) != h}
    pairs = [(c, s) for c, (s, _h) in moved.items()]
    pairs += [(c, previous[c][0]) for c in moved if c in previous]
    stored = events_at(session, pairs)
    accepted, refused = [], []
    for chain in sorted(moved):
        seq, head = moved[chain]
        old = previous.get(chain)
        if old is not None and stored.get((chain, old[0])) != old[1]:
            refused.append({"chain": chain, "reason": "checkpointed event changed"})
        elif old is not None and seq <= old[0]:
            refused.append({"chain": chain, "reason": "head moved back"})
        elif stored.get((chain, seq)) != head:
            refused.append({"chain": chain, "reason": "head does not match its last event"})
        else:
            accepted.append([chain, seq, head])
    return accepted, refused


def make_checkpoint(ctx, settings: Settings, *, min_age_s: float = 0.0) -> dict | None:
    """Sign and write the next checkpoint; None when another worker made one less than
    ``min_age_s`` seconds ago (the periodic caller passes half its interval)."""
    key = signing_key(settings, create=True)
    public = public_raw(key)
    directory = settings.audit_checkpoint_path
    now = ctx.clock.now().astimezone(timezone.utc)
    with _directory_lock(directory):
        log = _cached_fold(directory, public)
        if min_age_s and log.created_at and \
                (now - datetime.fromisoformat(log.created_at)).total_seconds() < min_age_s:
            return None
        with ctx.uow(write=False) as uow:
            accepted, refused = _accepted_changes(uow.session, log.state)
        state = dict(log.state)
        state.update((c, (s, h)) for c, s, h in accepted)
        body = {"format": settings.checkpoint_format, "number": log.number + 1,
                "created_at": now.isoformat(timespec="seconds"), "prev": log.hash,
                "key_id": key_id(public), "public_key": _b64(public),
                "chain_count": len(state), "root": state_root(state),
                "changes": accepted, "refused": refused}
        document = {**body, "signature": _b64(key.sign(canonical(body)))}
        _write_new(checkpoint_path(directory, body["number"]), document)
        replace_file(directory / "latest.json", document)
        with _CACHE_LOCK:
            _CACHE[directory] = LogState(body["number"], document_hash(document),
                                         body["created_at"], state, log.problems)
    return {"number": body["number"], "created_at": body["created_at"],
            "chains": len(state), "changed": len(accepted), "refused": refused,
            "root": body["root"]}


def _write_new(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: append-only; a checkpoint file is never overwritten, even by a confused worker.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(document, ensure_ascii=False, indent=1))
        handle.flush()
        os.fsync(handle.fileno())


def replace_file(path: Path, document: dict) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, ensure_ascii=False, indent=1))
    os.replace(temporary, path)
