"""Archiving audit chains out of the database (issue 21, item 4): verification tells "archived"
(covered by a signed digest) from "deleted" (not covered, or the digest forged)."""
from __future__ import annotations

import base64
import gzip
import json
from datetime import timedelta

from sqlalchemy import delete, func, select

from engine.audit.archives import archive, archive_dir
from engine.audit.checkpoints import make_checkpoint
from engine.audit.verification import verify_all
from engine.definitions import deployment
from engine.persistence.models import AuditEvent
from engine.running import instances
from petitions.settings import Settings
from tests.support import FIXTURES

REVIEW = FIXTURES / "engine" / "review_loop.bpmn"


def _events(ctx, chain=None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if chain:
        query = query.where(AuditEvent.chain == chain)
    with ctx.uow(write=False) as uow:
        return uow.session.scalar(query)


def test_archived_chains_verify_and_deleted_ones_do_not(ctx, clock, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url="",
                        audit_signing_key=base64.b64encode(b"a" * 32).decode())
    deployment.deploy(ctx, {REVIEW.name: REVIEW.read_bytes()}, actor="admin")
    ids = [instances.start(ctx, "review_loop", actor="binh")["instance_id"] for _ in range(4)]
    for instance_id in ids[:3]:
        instances.terminate(ctx, instance_id, actor="binh", reason="thử")
    make_checkpoint(ctx, settings)
    clock.advance(days=400)
    ids.append(instances.start(ctx, "review_loop", actor="binh")["instance_id"])
    late = ids[-1]
    instances.terminate(ctx, late, actor="binh", reason="thử")  # finished, but too recent
    make_checkpoint(ctx, settings)
    before = clock.now() - timedelta(days=1)
    total = _events(ctx)

    made = archive(ctx, settings, before, tmp_path / "audit-2026.jsonl.gz")
    assert made["chains"] == 3 and made["skipped"] == []  # the waiting and the recent one stay
    with gzip.open(tmp_path / "audit-2026.jsonl.gz", "rt") as handle:
        lines = [json.loads(line) for line in handle]
    assert len(lines) == made["events"] > 0
    assert {line["chain"] for line in lines} == {f"instance:{i}" for i in ids[:3]}
    assert _events(ctx) == total - made["events"] + 1  # + the audit_archived event
    report = verify_all(ctx, settings)
    assert report.ok, report.to_dict()["breaks"]
    assert report.verification.archived_chains == 3
    make_checkpoint(ctx, settings)  # the checkpointer goes on: nothing refused
    assert verify_all(ctx, settings).ok

    # A chain deleted without a digest is reported; so is one covered by a forged digest.
    with ctx.uow() as uow:
        uow.session.execute(delete(AuditEvent).where(AuditEvent.chain == f"instance:{ids[3]}"))
        uow.commit()
    kinds = {b.kind for b in verify_all(ctx, settings).verification.breaks}
    assert {"truncated", "missing"} <= kinds
    digest_path = next(archive_dir(settings).glob("*.json"))
    digest = json.loads(digest_path.read_text())
    digest["chains"].append([f"instance:{ids[3]}", 3, "f" * 64])
    digest_path.write_text(json.dumps(digest))
    broken = verify_all(ctx, settings)
    assert "archive_signature" in {b.kind for b in broken.verification.breaks}
    assert broken.verification.archived_chains == 0  # the forged digest covers nothing
