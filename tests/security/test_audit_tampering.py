"""A database writer cannot rewrite the audit trail unseen (security issue §6).

The attacker has full write access to the database and uses the project's own hash function; the
signed checkpoints live outside the database with a key the database never sees.
"""
from __future__ import annotations

import base64
import json
import stat

import pytest
from sqlalchemy import delete, select, update

from engine.audit import chain as audit
from engine.audit.checkpoints import checkpoint_path, make_checkpoint, read_latest, signing_key
from engine.audit.verification import AuditSchedule, status, verify_all
from engine.definitions import deployment
from engine.persistence.models import AuditEvent, Base, ProcessInstance
from engine.running import instances
from engine.work import human_tasks
from petitions.settings import Settings
from tests.support import FIXTURES, actor

REVIEW = FIXTURES / "engine" / "review_loop.bpmn"


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data", database_url="unused")


def _run_one(ctx) -> int:
    instance_id = instances.start(ctx, "review_loop", actor="binh")["instance_id"]
    task = human_tasks.list_tasks(ctx, instance_id=instance_id)[0]
    human_tasks.complete(ctx, task["id"], actor("an", "handling_officer"),
                         {"decision": "more_info"})
    return instance_id


@pytest.fixture
def two_cases(ctx):
    deployment.deploy(ctx, {REVIEW.name: REVIEW.read_bytes()}, actor="admin")
    return _run_one(ctx), _run_one(ctx)


def _events(ctx, chain):
    with ctx.uow(write=False) as uow:
        return list(uow.session.scalars(select(AuditEvent).where(AuditEvent.chain == chain)
                                        .order_by(AuditEvent.seq)))


def _delete_and_recompute(ctx, instance_id: int, seq: int) -> None:
    """What the attacker of the issue did: delete one event, renumber and re-hash the later ones
    with the project's own function, and update the head."""
    chain = audit.instance_chain(instance_id)
    rows = _events(ctx, chain)
    with ctx.uow() as uow:
        session = uow.session
        session.execute(delete(AuditEvent).where(AuditEvent.chain == chain))
        prev, number = audit.GENESIS, 0
        for row in rows:
            if row.seq == seq:
                continue
            number += 1
            digest = audit.event_hash(chain=chain, seq=number, prev_hash=prev,
                                      event_type=row.event_type, actor=row.actor,
                                      occurred_at=row.occurred_at, instance_id=row.instance_id,
                                      payload=row.payload)
            session.add(AuditEvent(chain=chain, seq=number, instance_id=row.instance_id,
                                   event_type=row.event_type, actor=row.actor,
                                   occurred_at=row.occurred_at, payload=row.payload,
                                   prev_hash=prev, hash=digest))
            prev = digest
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                        .values(audit_seq=number, audit_head=prev))
        uow.commit()


def _delete_instance(ctx, instance_id: int) -> None:
    """The instance, every row that refers to it, and its whole chain."""
    with ctx.uow() as uow:
        for table in reversed(Base.metadata.sorted_tables):
            for column in table.columns:
                if any(fk.column.table.name == "process_instances" for fk in column.foreign_keys):
                    uow.session.execute(delete(table).where(column == instance_id))
        uow.session.execute(delete(AuditEvent).where(
            AuditEvent.chain == audit.instance_chain(instance_id)))
        uow.session.execute(delete(ProcessInstance).where(ProcessInstance.id == instance_id))
        uow.commit()


def _kinds(report) -> set[tuple[str, str]]:
    return {(b.chain, b.kind) for b in report.verification.breaks}


def test_recomputed_chain_passes_the_hash_check_but_not_the_checkpoint(ctx, settings, two_cases):
    first, _second = two_cases
    made = make_checkpoint(ctx, settings)
    assert made["number"] == 1 and made["refused"] == []
    assert verify_all(ctx, settings).ok
    _delete_and_recompute(ctx, first, seq=2)
    with ctx.uow(write=False) as uow:
        assert audit.verify(uow.session).ok  # the hash chain alone is fooled: the attack
    report = verify_all(ctx, settings)
    chain = audit.instance_chain(first)
    assert not report.ok
    assert report.verification.break_count == 2
    assert _kinds(report) == {(chain, "missing"), (chain, "head_behind_checkpoint")}
    # The instance-only verification (history page, case file) sees it too.
    assert not verify_all(ctx, settings, first).ok


def test_attacker_who_appends_a_forged_event_to_restore_the_length_is_caught(ctx, settings,
                                                                           two_cases):
    first, _second = two_cases
    make_checkpoint(ctx, settings)
    chain = audit.instance_chain(first)
    length = len(_events(ctx, chain))
    _delete_and_recompute(ctx, first, seq=2)
    last = _events(ctx, chain)[-1]
    forged = audit.event_hash(chain=chain, seq=length, prev_hash=last.hash, event_type="note",
                              actor="x", occurred_at=last.occurred_at, instance_id=first,
                              payload={})
    with ctx.uow() as uow:
        uow.session.add(AuditEvent(chain=chain, seq=length, instance_id=first, event_type="note",
                                   actor="x", occurred_at=last.occurred_at, payload={},
                                   prev_hash=last.hash, hash=forged))
        uow.session.execute(update(ProcessInstance).where(ProcessInstance.id == first)
                            .values(audit_seq=length, audit_head=forged))
        uow.commit()
    report = verify_all(ctx, settings)
    assert _kinds(report) == {(chain, "checkpoint_mismatch")}
    # The next checkpoint refuses to sign the rewritten chain, so the tampering stays visible.
    made = make_checkpoint(ctx, settings)
    assert made["refused"] == [{"chain": chain, "reason": "checkpointed event changed"}]
    assert not verify_all(ctx, settings).ok


def test_deleting_a_whole_instance_with_its_chain_is_detected(ctx, settings, two_cases):
    first, second = two_cases
    make_checkpoint(ctx, settings)
    _delete_instance(ctx, second)
    with ctx.uow(write=False) as uow:
        assert audit.verify(uow.session).ok  # nothing left to walk
    report = verify_all(ctx, settings)
    assert _kinds(report) == {(audit.instance_chain(second), "chain_missing")}


def test_every_break_is_reported_not_only_the_first(ctx, settings, two_cases):
    first, second = two_cases
    make_checkpoint(ctx, settings)
    one = _events(ctx, audit.instance_chain(first))
    other = _events(ctx, audit.instance_chain(second))
    with ctx.uow() as uow:
        uow.session.execute(update(AuditEvent).where(AuditEvent.id == one[0].id).values(actor="m"))
        uow.session.execute(update(AuditEvent).where(AuditEvent.id == one[3].id).values(actor="m"))
        uow.session.execute(delete(AuditEvent).where(AuditEvent.id == other[1].id))
        uow.session.execute(update(AuditEvent).where(AuditEvent.chain == "deployments")
                            .values(payload={"key": "other"}))
        uow.commit()
    report = verify_all(ctx, settings)
    found = sorted((b.chain, b.seq, b.kind) for b in report.verification.breaks)
    assert found == sorted([
        (audit.instance_chain(first), 1, "altered"), (audit.instance_chain(first), 4, "altered"),
        (audit.instance_chain(second), 2, "missing"), ("deployments", 1, "altered")])


def test_events_after_the_last_checkpoint_are_counted_as_chain_checked_only(ctx, settings,
                                                                            two_cases):
    make_checkpoint(ctx, settings)
    third = _run_one(ctx)
    report = verify_all(ctx, settings)
    assert report.ok and report.checkpoint == 1
    assert report.chains_after_checkpoint == 1
    assert report.events_after_checkpoint == len(_events(ctx, audit.instance_chain(third)))


def test_a_tampered_or_removed_checkpoint_file_is_reported(ctx, settings, two_cases):
    directory = settings.audit_checkpoint_path
    for _ in range(3):
        make_checkpoint(ctx, settings)
    second = checkpoint_path(directory, 2)
    document = json.loads(second.read_text())
    document["created_at"] = "2020-01-01T00:00:00+00:00"
    second.write_text(json.dumps(document))
    kinds = {(b.seq, b.kind) for b in verify_all(ctx, settings).verification.breaks}
    assert kinds == {(2, "checkpoint_signature"), (3, "checkpoint_link")}
    second.unlink()
    kinds = {(b.seq, b.kind) for b in verify_all(ctx, settings).verification.breaks}
    assert kinds == {(3, "checkpoint_missing"), (3, "checkpoint_link")}


def test_checkpoint_is_signed_with_the_key_outside_the_database(ctx, settings, two_cases):
    made = make_checkpoint(ctx, settings)
    key_file = settings.audit_signing_key_path
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    latest = read_latest(settings)
    assert latest["number"] == made["number"] and latest["chain_count"] == 3
    public = signing_key(settings, create=False).public_key()
    from engine.audit.checkpoints import canonical
    body = {k: v for k, v in latest.items() if k != "signature"}
    public.verify(base64.b64decode(latest["signature"]), canonical(body))  # raises if forged
    # A verifier holding another key rejects every checkpoint.
    other = Settings(data_dir=settings.data_dir, database_url="unused",
                     audit_signing_key=base64.b64encode(bytes(range(32))).decode())
    kinds = {b.kind for b in verify_all(ctx, other).verification.breaks}
    assert kinds == {"checkpoint_signature"}


def test_worker_schedule_checkpoints_verifies_and_raises_the_alert(ctx, clock, settings,
                                                                  two_cases):
    first, _second = two_cases
    schedule = AuditSchedule(settings, background=False)
    schedule.tick(ctx, clock.now())
    assert read_latest(settings)["number"] == 1
    assert status(settings, clock.now())["alert"] is False
    schedule.tick(ctx, clock.advance(seconds=60))  # not due yet
    assert read_latest(settings)["number"] == 1
    _delete_and_recompute(ctx, first, seq=3)
    schedule.tick(ctx, clock.advance(seconds=3600))
    shown = status(settings, clock.now())
    assert shown["alert"] and shown["verification"]["ok"] is False
    assert shown["verification"]["break_count"] == 2
    assert "phát hiện 2 chỗ sai lệch" in shown["alerts"][0]
    assert len(list((settings.audit_checkpoint_path / "alerts").iterdir())) == 1
    # Checkpoints that stop for more than two intervals raise the alert too.
    stale = status(settings, clock.advance(seconds=3 * settings.audit_checkpoint_interval_s))
    assert any("quá hai chu kỳ" in text for text in stale["alerts"])


def test_cli_checkpoint_and_verify_list_every_break(ctx, db_url, tmp_path, two_cases):
    from click.testing import CliRunner

    from petitions_cli.main import cli
    env = {"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path / "cli")}
    runner = CliRunner()
    made = runner.invoke(cli, ["audit", "checkpoint", "--json"], env=env)
    assert made.exit_code == 0 and json.loads(made.stdout)["number"] == 1
    clean = runner.invoke(cli, ["audit", "verify"], env=env)
    assert clean.exit_code == 0 and "Toàn vẹn" in clean.stdout
    assert "điểm mốc đã ký số 1" in clean.stdout
    first, second = two_cases
    _delete_and_recompute(ctx, first, seq=2)
    _delete_instance(ctx, second)
    broken = runner.invoke(cli, ["audit", "verify"], env=env)
    assert broken.exit_code == 1
    assert f"chuỗi instance:{first} hỏng tại sự kiện số" in broken.stderr
    assert f"chuỗi instance:{second} hỏng" in broken.stderr
    assert "Tổng cộng 3 chỗ hỏng." in broken.stderr and "Traceback" not in broken.output
    shown = json.loads(runner.invoke(cli, ["audit", "verify", "--json"], env=env).stdout)
    assert shown["break_count"] == 3 and shown["checkpoint"] == 1
    assert {b["kind"] for b in shown["breaks"]} == {"missing", "head_behind_checkpoint",
                                                   "chain_missing"}
