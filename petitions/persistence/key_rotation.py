"""Re-encrypting identities: legacy clear rows, key rotation, blind-index recomputation, usage.

Every column declared ``EncryptedText`` in the metadata is covered; nothing lists them by hand.
Work goes in batches by primary key, each batch its own committed unit of work, so a long pass
can be stopped and run again: a value already under the active key is not touched again.
Tokens are read and written raw (``type_coerce`` to TEXT) so that the column type's automatic
encryption does not wrap a token in a second one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable, Iterator

from sqlalchemy import Column, Table, Text, and_, func, not_, or_, select, type_coerce, update
from sqlalchemy.exc import DBAPIError

from engine.errors import InvalidState
from engine.persistence.database import Base
from petitions.persistence import vault
from petitions.persistence.models import PetitionSender
from petitions.persistence.reception_models import ReceptionCitizen
from petitions.persistence.vault import EncryptedText, IdentityKeyError, Keyring

if TYPE_CHECKING:
    from engine.context import EngineContext

BATCH_SIZE = 500
Progress = Callable[[str], None]
# The rows carrying blind indexes: hash column → (kind, clear column). New indexed tables join here.
BLIND_INDEXED = {PetitionSender: {"id_number_hash": ("id_number", "id_number"),
                                  "phone_hash": ("phone", "phone")},
                 # citizens recorded in the reception book: earlier visits found by ID number
                 ReceptionCitizen: {"id_number_hash": ("id_number", "id_number")}}


@dataclass(frozen=True)
class EncryptedTable:
    table: Table
    key: Column
    columns: tuple[Column, ...]


def encrypted_tables() -> list[EncryptedTable]:
    """Every table with ``EncryptedText`` columns, found in the models' metadata."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = tuple(c for c in table.columns if isinstance(c.type, EncryptedText))
        if not columns:
            continue
        if len(table.primary_key.columns) != 1:
            raise InvalidState(f"Bảng {table.name}: cần khóa chính một cột để mã hóa lại theo lô")
        found.append(EncryptedTable(table, next(iter(table.primary_key.columns)), columns))
    return found


def _raw(column: Column):
    return type_coerce(column, Text)


def _prefix(key_id: str) -> str:
    return f"{vault.TOKEN_PREFIX}{key_id}:"


def _stale(column: Column, active_id: str | None):
    """Values not under ``active_id`` (with None: values that are not tokens at all)."""
    prefix = vault.TOKEN_PREFIX if active_id is None else _prefix(active_id)
    return and_(column.is_not(None), not_(_raw(column).startswith(prefix, autoescape=True)))


def _batches(ctx: "EngineContext", target: EncryptedTable, condition,
             batch_size: int) -> Iterator[tuple]:
    last = None
    while True:
        query = select(target.key, *(_raw(c).label(c.name) for c in target.columns)).where(condition)
        if last is not None:
            query = query.where(target.key > last)
        with ctx.uow(write=False) as uow:
            rows = uow.session.execute(query.order_by(target.key).limit(batch_size)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def reencrypt(ctx: "EngineContext", *, legacy_only: bool = False, batch_size: int = BATCH_SIZE,
              progress: Progress = lambda _line: None) -> int:
    """Bring every encrypted value under the active key (``legacy_only``: encrypt clear values
    only). Returns the number of rows rewritten."""
    keyring = vault.keyring()
    active_id = None if legacy_only else keyring.active_id
    total = 0
    for target in encrypted_tables():
        condition = or_(*(_stale(c, active_id) for c in target.columns))
        done = 0
        for rows in _batches(ctx, target, condition, batch_size):
            with ctx.uow() as uow:
                for row in rows:
                    values = {}
                    for column, token in zip(target.columns, row[1:]):
                        if token is None or vault.token_key_id(token) == keyring.active_id \
                                or (legacy_only and vault.is_token(token)):
                            continue
                        clear = vault.decrypt(token, column.type.purpose)
                        values[column.name] = type_coerce(keyring.encrypt(clear, column.type.purpose), Text)
                    if values:
                        uow.session.execute(update(target.table).where(target.key == row[0])
                                            .values(values))
                uow.commit()
            done += len(rows)
            progress(f"{target.table.name}: {done} dòng đã mã hóa lại")
        total += done
    return total


def reindex(ctx: "EngineContext", *, only_missing: bool = False, batch_size: int = BATCH_SIZE,
            progress: Progress = lambda _line: None) -> int:
    """Recompute the blind indexes with the active index key (``only_missing``: fill empty ones)."""
    total = 0
    for model, indexes in BLIND_INDEXED.items():
        key = model.__mapper__.primary_key[0]
        condition = or_(*(and_(getattr(model, clear).is_not(None), getattr(model, hashed).is_(None))
                          for hashed, (_kind, clear) in indexes.items())) if only_missing else None
        last, done = None, 0
        while True:
            query = select(model).order_by(key).limit(batch_size)
            if condition is not None:
                query = query.where(condition)
            if last is not None:
                query = query.where(key > last)
            with ctx.uow() as uow:
                rows = list(uow.session.scalars(query))
                for row in rows:
                    for hashed, (kind, clear) in indexes.items():
                        setattr(row, hashed, vault.blind_index_or_none(kind, getattr(row, clear)))
                uow.commit()
            if not rows:
                break
            last = getattr(rows[-1], key.key)
            done += len(rows)
            progress(f"{model.__tablename__}: {done} dòng đã tính lại chỉ mục")
        total += done
    return total


def verify(ctx: "EngineContext") -> None:
    """Fail at start, with a clear message, when the keyring cannot open the newest stored
    identity (a wrong or missing key file) rather than on the first page that shows one.
    A database not yet migrated is left to ``petitions db upgrade``."""
    query = select(_raw(PetitionSender.name)).order_by(PetitionSender.id.desc()).limit(1)
    try:
        with ctx.uow(write=False) as uow:
            token = uow.session.scalar(query)
    except DBAPIError:
        return
    vault.decrypt(token, PetitionSender.name.type.purpose)


def legacy_rows(ctx: "EngineContext") -> int:
    """How many rows still hold a clear identity value (written before migration 0007)."""
    count = 0
    with ctx.uow(write=False) as uow:
        for target in encrypted_tables():
            count += uow.session.scalar(select(func.count()).select_from(target.table).where(
                or_(*(_stale(c, None) for c in target.columns))))
    return count


def encrypt_legacy(ctx: "EngineContext", load: Callable[[], Keyring] | None = None,
                   progress: Progress = lambda _line: None) -> int:
    """Encrypt clear values left by older versions and fill their hashes; idempotent. The key is
    loaded (``load``) only when there is something to encrypt."""
    if not legacy_rows(ctx):
        return 0
    if vault.active() is None and load is not None:
        vault.install(load())
    done = reencrypt(ctx, legacy_only=True, progress=progress)
    reindex(ctx, only_missing=True, progress=progress)
    return done


def usage(ctx: "EngineContext") -> dict:
    """Encrypted values per key id, per column: ``{key id: {"table.column": n}}``; clear values
    are counted under ``"(chưa mã hóa)"`` and tokens of a key not in the keyring under
    ``"(khóa không có)"``."""
    keyring = vault.keyring()
    counts: dict[str, dict[str, int]] = {}
    with ctx.uow(write=False) as uow:
        for target in encrypted_tables():
            for column in target.columns:
                name = f"{target.table.name}.{column.name}"
                raw = _raw(column)
                total = uow.session.scalar(select(func.count()).where(column.is_not(None))
                                           .select_from(target.table))
                seen = 0
                for key_id in keyring.keys:
                    n = uow.session.scalar(select(func.count()).select_from(target.table).where(
                        raw.startswith(_prefix(key_id), autoescape=True)))
                    counts.setdefault(key_id, {})[name] = n
                    seen += n
                clear = uow.session.scalar(select(func.count()).select_from(target.table)
                                           .where(_stale(column, None)))
                for label, n in (("(chưa mã hóa)", clear), ("(khóa không có)", total - seen - clear)):
                    if n:
                        counts.setdefault(label, {})[name] = n
    return counts


def rotate(ctx: "EngineContext", *, index_key: bool = False, batch_size: int = BATCH_SIZE,
           progress: Progress = lambda _line: None, now: datetime | None = None) -> dict:
    """Add a key (unless a rotation is already under way: then finish it), re-encrypt every value
    under it, recompute the blind indexes when ``index_key``, retire keys no row uses.

    Keys from the environment cannot be written: there the last key of ``IDENTITY_KEYS`` is the
    new one, set by the operator, and the keys that can be removed are reported.
    """
    keyring = vault.keyring(reload=True)
    added = []
    if keyring.source is not None:
        grown = keyring
        if len(keyring.keys) == 1:
            grown = grown.with_new_key()
            added.append(grown.active_id)
        if index_key and len(keyring.index_keys) == 1:
            grown = grown.with_new_key(index=True)
            added.append(grown.index_id)
        if grown is not keyring:
            grown.save()
            vault.install(grown)
            keyring = grown
            progress(f"Đã thêm khóa mới: {', '.join(added)} (tệp {keyring.source})")
    rewritten = reencrypt(ctx, batch_size=batch_size, progress=progress)
    if index_key or len(keyring.index_keys) > 1:
        reindexed = reindex(ctx, batch_size=batch_size, progress=progress)
    else:  # legacy rows encrypted just now still need their hashes
        reindexed = 0
        reindex(ctx, only_missing=True, batch_size=batch_size, progress=progress)
    return {"added": added, "active_key": keyring.active_id, "index_key": keyring.index_id,
            "rewritten": rewritten, "reindexed": reindexed,
            **retire(ctx, now=now, index_done=bool(reindexed) or len(keyring.index_keys) == 1)}


def retire(ctx: "EngineContext", *, now: datetime | None = None, index_done: bool) -> dict:
    """Drop the keys no stored value uses. Not before every process has seen the active key
    (``REFRESH_S`` after it was added), or a process still holding the old key could write with
    it after the count."""
    keyring = vault.keyring(reload=True)
    used = usage(ctx)
    if "(khóa không có)" in used:
        raise IdentityKeyError("Có dữ liệu mã hóa bằng khóa không còn trong bộ khóa: không gỡ khóa nào")
    unused = {k for k in keyring.keys if k != keyring.active_id and not any(used.get(k, {}).values())}
    if index_done:
        unused |= {k for k in keyring.index_keys if k != keyring.index_id}
    waiting = _too_recent(keyring, now or datetime.now(timezone.utc))
    if not unused or waiting:
        return {"retired": [], "kept": sorted(set(keyring.keys) - {keyring.active_id}),
                "retry_later": waiting}
    if keyring.source is None:
        return {"retired": [], "removable": sorted(unused), "kept": [], "retry_later": False}
    slimmer = keyring.without(unused)
    slimmer.save()
    vault.install(slimmer)
    return {"retired": sorted(unused), "kept": sorted(set(slimmer.keys) - {slimmer.active_id}),
            "retry_later": False}


def _too_recent(keyring: Keyring, now: datetime) -> bool:
    wait = timedelta(seconds=2 * vault.REFRESH_S)
    for key_id in (keyring.active_id, keyring.index_id):
        stamp = keyring.added.get(key_id)
        if stamp and now - datetime.fromisoformat(stamp) < wait:
            return True
    return False
