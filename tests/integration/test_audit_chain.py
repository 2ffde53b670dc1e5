"""The audit chain detects a row altered, deleted or forged directly in the database."""
from __future__ import annotations

from sqlalchemy import delete, select, update

from engine.audit import chain as audit
from engine.definitions import deployment
from engine.persistence.models import AuditEvent
from engine.running import instances
from engine.work import human_tasks
from tests.support import FIXTURES, actor

REVIEW = FIXTURES / "engine" / "review_loop.bpmn"


def _run_one(ctx) -> int:
    deployment.deploy(ctx, {REVIEW.name: REVIEW.read_bytes()}, actor="admin")
    instance_id = instances.start(ctx, "review_loop", actor="binh")["instance_id"]
    task = human_tasks.list_tasks(ctx, instance_id=instance_id)[0]
    human_tasks.complete(ctx, task["id"], actor("an", "handling_officer"), {"decision": "more_info"})
    return instance_id


def _verify(ctx, instance_id=None):
    with ctx.uow(write=False) as uow:
        return audit.verify(uow.session, instance_id)


def _event(ctx, instance_id, event_type):
    with ctx.uow(write=False) as uow:
        return uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.event_type == event_type)).first()


def test_intact_chains_verify(ctx):
    instance_id = _run_one(ctx)
    whole = _verify(ctx)
    assert whole.ok and whole.chains == 2 and whole.events > 5  # deployments + the instance
    one = _verify(ctx, instance_id)
    assert one.ok and one.chains == 1


def test_altered_payload_is_reported_at_that_event(ctx):
    instance_id = _run_one(ctx)
    target = _event(ctx, instance_id, "task_completed_by_user")
    with ctx.uow() as uow:
        uow.session.execute(update(AuditEvent).where(AuditEvent.id == target.id).values(
            payload={**target.payload, "after": {"decision": "approve"}}))
        uow.commit()
    result = _verify(ctx, instance_id)
    assert not result.ok
    assert (result.broken.seq, result.broken.event_id) == (target.seq, target.id)
    assert "hash" in result.broken.reason


def test_altered_actor_and_deleted_row_are_reported(ctx):
    instance_id = _run_one(ctx)
    target = _event(ctx, instance_id, "instance_started")
    with ctx.uow() as uow:
        uow.session.execute(update(AuditEvent).where(AuditEvent.id == target.id).values(actor="mallory"))
        uow.commit()
    assert _verify(ctx).broken.event_id == target.id
    with ctx.uow() as uow:
        uow.session.execute(update(AuditEvent).where(AuditEvent.id == target.id).values(actor=target.actor))
        uow.commit()
    assert _verify(ctx).ok
    completion = _event(ctx, instance_id, "task_completed_by_user")
    with ctx.uow() as uow:
        uow.session.execute(delete(AuditEvent).where(AuditEvent.id == completion.id))
        uow.commit()
    broken = _verify(ctx, instance_id).broken
    assert broken.seq == completion.seq and "missing" in broken.reason


def test_truncated_tail_is_reported(ctx):
    instance_id = _run_one(ctx)
    with ctx.uow(write=False) as uow:
        last = uow.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                   .order_by(AuditEvent.seq.desc())).first()
    with ctx.uow() as uow:
        uow.session.execute(delete(AuditEvent).where(AuditEvent.id == last.id))
        uow.commit()
    broken = _verify(ctx, instance_id).broken
    assert broken is not None and "head" in broken.reason


def test_deployment_chain(ctx):
    _run_one(ctx)
    with ctx.uow(write=False) as uow:
        row = uow.session.scalars(select(AuditEvent).where(AuditEvent.chain == "deployments")).one()
        assert row.payload["key"] == "review_loop" and row.actor == "admin"
    with ctx.uow() as uow:
        uow.session.execute(update(AuditEvent).where(AuditEvent.id == row.id).values(
            payload={**row.payload, "version": 9}))
        uow.commit()
    broken = _verify(ctx).broken
    assert broken.chain == "deployments" and broken.event_id == row.id


def test_every_break_of_a_chain_is_listed_with_its_kind(ctx):
    instance_id = _run_one(ctx)
    with ctx.uow(write=False) as uow:
        rows = list(uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)))
    with ctx.uow() as uow:
        uow.session.execute(update(AuditEvent).where(AuditEvent.id == rows[0].id).values(actor="m"))
        uow.session.execute(delete(AuditEvent).where(AuditEvent.id == rows[2].id))
        uow.session.execute(delete(AuditEvent).where(AuditEvent.id == rows[-1].id))
        uow.commit()
    result = _verify(ctx, instance_id)
    assert [(b.seq, b.kind) for b in result.breaks] == [
        (1, "altered"), (3, "missing"), (len(rows), "truncated")]
    assert result.break_count == 3 and result.broken.seq == 1
    assert result.to_dict()["first_broken"]["kind"] == "altered"
