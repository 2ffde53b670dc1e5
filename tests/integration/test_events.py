"""The domain reacts to the kernel's events in the kernel's unit of work (issue 13)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from engine.events import EventBus, TaskCompleted
from engine.work import human_tasks
from petitions.persistence.models import Petition
from tests.security.test_identity_protection import FACTS, HANDLER, _register, seeded  # noqa: F401


def _classify(ctx, case: dict, **answers) -> None:
    task = human_tasks.list_tasks(ctx, instance_id=case["instance_id"])[0]
    human_tasks.claim(ctx, task["id"], HANDLER)
    human_tasks.complete(ctx, task["id"], HANDLER, {**FACTS, **answers})


def _sealed(ctx, case: dict) -> bool:
    with ctx.uow(write=False) as uow:
        return uow.session.get(Petition, case["petition_id"]).identity_sealed


def test_classifying_as_a_denunciation_seals_in_the_same_commit(seeded):
    ctx = seeded
    case = _register(ctx, "complaint")
    assert not _sealed(ctx, case)
    _classify(ctx, case, petition_type="denunciation")
    assert _sealed(ctx, case)


def test_a_kernel_without_the_domains_subscribers_seals_nothing(seeded):
    ctx = seeded
    case = _register(ctx, "complaint")
    _classify(replace(ctx, events=EventBus()), case, petition_type="denunciation")
    assert not _sealed(ctx, case)


def test_a_failing_subscriber_rolls_the_completion_back(seeded):
    ctx = seeded
    case = _register(ctx, "complaint")
    bus = EventBus()

    def fails(uow, event: TaskCompleted):
        raise RuntimeError("subscriber failed")
    bus.subscribe(TaskCompleted, fails)
    task = human_tasks.list_tasks(ctx, instance_id=case["instance_id"])[0]
    human_tasks.claim(ctx, task["id"], HANDLER)
    with pytest.raises(RuntimeError, match="subscriber failed"):
        human_tasks.complete(replace(ctx, events=bus), task["id"], HANDLER,
                             {**FACTS, "petition_type": "denunciation"})
    [still] = human_tasks.list_tasks(ctx, instance_id=case["instance_id"])
    assert (still["id"], still["status"]) == (task["id"], "ready")
    assert not _sealed(ctx, case)
