"""Signed restore points: the database went back to a backup, and the checkpoint log says so.

The checkpoint log lives outside the database and usually survives what happens to it. After the
database is restored from a backup, the log may hold checkpoints signed after the backup was
made: their chains are now shorter (or gone) in the database, which verification would report as
deletions. Rewriting the log is not an option (it is append-only and linked). Instead the restore
appends one more signed checkpoint, a *restore point*: for every chain the restored database no
longer holds at its last signed head, it signs that chain back to its state at the backup's
checkpoint (seq 0 for a chain the backup did not have), and it records how many signed events
were lost. Verification then checks the database against the state at the backup's checkpoint
(the restore point's state), and reports the lost events as lost, not as tampering; the
checkpointer goes on from there. A chain signed at the backup's checkpoint that the restored
database does not match is not reverted: that is a real break, and verification reports it.
"""
from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path

from engine.audit.chain import GENESIS, chain_heads
from engine.audit.checkpoints import (_CACHE, _CACHE_LOCK, CheckpointError, _b64,
                                      _directory_lock, _write_new, canonical, checkpoint_files,
                                      checkpoint_path, document_hash, events_at, fold, key_id,
                                      public_raw, replace_file, signing_key, state_root)
from engine.settings import Settings


def log_position(directory: Path) -> dict | None:
    """The newest checkpoint of the log: ``{"number", "hash", "created_at"}`` (what a backup
    records, so a restore can tell the same log from another one); None for an empty log."""
    last = None
    for last in checkpoint_files(directory):
        pass
    if last is None:
        return None
    document = json.loads(last[1].read_text())
    return {"number": last[0], "hash": document_hash(document),
            "created_at": document.get("created_at")}


def same_log(directory: Path, position: dict) -> bool:
    """Whether the log in ``directory`` holds exactly the checkpoint a backup recorded."""
    path = checkpoint_path(directory, int(position["number"]))
    try:
        return document_hash(json.loads(path.read_text())) == position["hash"]
    except (OSError, ValueError):
        return False


def make_restore_point(ctx, settings: Settings, base: int, backup_created_at: str | None,
                       ) -> dict | None:
    """Append the restore point after the database was restored from a backup whose latest
    checkpoint was number ``base``; None when the log has nothing signed after ``base``."""
    key = signing_key(settings, create=False)
    if key is None:
        raise CheckpointError("Không có khóa ký nhật ký (AUDIT_SIGNING_KEY hoặc tệp khóa) để ký "
                              "điểm mốc khôi phục")
    public = public_raw(key)
    directory = settings.audit_checkpoint_path
    with _directory_lock(directory):
        log = fold(directory, public)
        if log.number <= base:
            return None
        before = fold(directory, public, until=base).state
        with ctx.uow(write=False) as uow:
            heads = chain_heads(uow.session)
            stored = events_at(uow.session, [(c, s) for c, (s, _h) in log.state.items()])
        changes, lost_events, lost_chains = [], 0, 0
        for chain, (seq, head) in sorted(log.state.items()):
            old = before.get(chain)
            if stored.get((chain, seq)) == head or old == (seq, head):
                continue  # still held; or signed before the backup: verification judges it
            changes.append([chain, old[0], old[1]] if old else [chain, 0, GENESIS])
            lost_events += max(seq - heads.get(chain, (0, ""))[0], 0)
            lost_chains += 1
        state = dict(log.state)
        for chain, seq, head in changes:
            if seq:
                state[chain] = (seq, head)
            else:
                state.pop(chain, None)
        now = ctx.clock.now().astimezone(timezone.utc).isoformat(timespec="seconds")
        restore_of = {"checkpoint": base, "backup_created_at": backup_created_at,
                      "lost_events": lost_events, "lost_chains": lost_chains}
        body = {"format": settings.checkpoint_format, "number": log.number + 1,
                "created_at": now, "prev": log.hash, "key_id": key_id(public),
                "public_key": _b64(public), "chain_count": len(state),
                "root": state_root(state), "changes": changes, "refused": [],
                "restore_of": restore_of}
        document = {**body, "signature": _b64(key.sign(canonical(body)))}
        _write_new(checkpoint_path(directory, body["number"]), document)
        replace_file(directory / "latest.json", document)
        with _CACHE_LOCK:  # the checkpointer's cached fold is stale now
            _CACHE.pop(directory, None)
    return {"number": body["number"], **restore_of}
