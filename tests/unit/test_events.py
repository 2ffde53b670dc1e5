"""The kernel's event bus (engine/events.py), against a fake unit of work."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine.events import EventBus, InstanceCompleted, TimerFired
from engine.persistence.unit_of_work import UnitOfWork

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


class FakeUow:
    publishing = False


def test_handlers_run_in_order_and_their_results_return_to_the_publisher():
    bus, seen = EventBus(), []
    bus.subscribe(InstanceCompleted, lambda uow, e: seen.append(("first", e)) or ["an"])
    bus.subscribe(InstanceCompleted, lambda uow, e: seen.append(("second", e)) or ["binh"])
    event = InstanceCompleted(instance="instance #1", now=NOW)
    assert bus.publish(FakeUow(), event) == [["an"], ["binh"]]
    assert seen == [("first", event), ("second", event)]


def test_an_event_nobody_listens_to_is_not_built_and_returns_nothing():
    bus = EventBus()
    bus.subscribe(InstanceCompleted, lambda uow, e: "done")
    assert not bus.wants(TimerFired) and bus.wants(InstanceCompleted)
    assert bus.publish(FakeUow(), TimerFired(instance=None, timer=None, now=NOW)) == []


def test_a_handler_error_reaches_the_publisher_and_publishing_ends():
    bus, uow = EventBus(), FakeUow()

    def fails(uow, event):
        assert uow.publishing  # inside the handler
        raise ValueError("handler failed")
    bus.subscribe(InstanceCompleted, fails)
    with pytest.raises(ValueError, match="handler failed"):
        bus.publish(uow, InstanceCompleted(instance=None, now=NOW))
    assert uow.publishing is False


def test_a_handler_may_not_commit_the_publishers_unit_of_work():
    uow = UnitOfWork(session_factory=None)
    bus = EventBus()
    bus.subscribe(InstanceCompleted, lambda uow, e: uow.commit())
    with pytest.raises(RuntimeError, match="must not commit"):
        bus.publish(uow, InstanceCompleted(instance=None, now=NOW))
