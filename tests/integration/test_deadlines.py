"""Reminders before a due date, on the day, and escalation when overdue: once each, audited."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from engine.accounts import users
from engine.definitions import deployment
from engine.persistence.models import Escalation, TaskReminder
from engine.running import instances
from engine.work import deadlines, human_tasks
from petitions.notifications import service as notifications
from petitions.persistence.models import OutboundEmail
from tests.support import FIXTURES, actor

STEPS = FIXTURES / "engine" / "script_steps.bpmn"
UTC = timezone.utc


def _setup(ctx, received_on="2027-03-01"):
    deployment.deploy(ctx, {STEPS.name: STEPS.read_bytes()}, actor="admin")
    users.add_user(ctx, "an", ["handling_officer"], actor="admin", unit="xa", email="an@example.vn")
    users.add_user(ctx, "binh", ["handling_officer"], actor="admin", unit="xa")
    users.add_user(ctx, "chi", ["head_of_unit"], actor="admin", unit="xa", email="chi@example.vn")
    started = instances.start(ctx, "script_steps", actor="x", business_key="KN-1",
                              data={"divisor": 1, "received_on": received_on})
    return started["instance_id"], started["tasks"][0]


def _deadline_notes(ctx, username: str) -> list[dict]:
    """Reminders and escalations only (the step's opening is told too: "new_task")."""
    return [n for n in notifications.list_notifications(ctx, username) if n["kind"] != "new_task"]


def _count(ctx, model, *where):
    with ctx.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_reminder_stages_and_escalation(ctx):
    # Received Mon 1/3/2027: 10 working days → due Mon 15/3/2027, 23:59:59 Vietnam time.
    instance_id, task = _setup(ctx)
    assert task["due_at"] == "2027-03-15T16:59:59+00:00"
    # 2 working days before the due day is Thu 11/3, 07:30 Vietnam (00:30 UTC).
    assert deadlines.check_deadlines(ctx, datetime(2027, 3, 11, 0, 29, tzinfo=UTC))["tasks"] == 0
    result = deadlines.check_deadlines(ctx, datetime(2027, 3, 11, 0, 31, tzinfo=UTC))
    assert result == {"tasks": 1, "before": 1, "due_day": 0, "overdue": 0}
    names = {n["title"] for n in notifications.list_notifications(ctx, "an")}
    assert any("Nhắc hạn" in t for t in names)
    assert len(_deadline_notes(ctx, "binh")) == 1  # unassigned: the whole role
    # Repeating the check changes nothing.
    assert deadlines.check_deadlines(ctx, datetime(2027, 3, 12, tzinfo=UTC))["tasks"] == 0

    human_tasks.claim(ctx, task["id"], actor("an", "handling_officer", unit="xa"))
    result = deadlines.check_deadlines(ctx, datetime(2027, 3, 15, 0, 45, tzinfo=UTC))
    assert result["due_day"] == 1
    assert len(_deadline_notes(ctx, "binh")) == 1  # now only the assignee

    result = deadlines.check_deadlines(ctx, datetime(2027, 3, 15, 17, 0, tzinfo=UTC))
    assert result["overdue"] == 1
    escalations = deadlines.list_escalations(ctx)
    assert [(e["business_key"], e["bpmn_id"], e["notified"]) for e in escalations] == [
        ("KN-1", "Task_check", ["chi", "an"])]
    assert any(n["kind"] == "escalation" for n in notifications.list_notifications(ctx, "chi"))
    details = instances.details(ctx, instance_id)
    kinds = [e["payload"].get("kind") for e in details["events"] if e["type"] == "reminder_sent"]
    assert kinds == ["before", "due_day"]
    assert [e["type"] for e in details["events"]].count("task_overdue") == 1
    assert _count(ctx, TaskReminder) == 3
    assert _count(ctx, OutboundEmail) >= 3  # an (before, due day, overdue) + chi
    assert deadlines.check_deadlines(ctx, datetime(2027, 3, 20, tzinfo=UTC))["tasks"] == 0

    human_tasks.complete(ctx, task["id"], actor("an", "handling_officer", unit="xa"), {})
    assert deadlines.list_escalations(ctx) == []
    assert len(deadlines.list_escalations(ctx, open_only=False)) == 1


def test_late_task_gets_one_message_not_a_burst(ctx):
    instance_id, task = _setup(ctx)
    result = deadlines.check_deadlines(ctx, datetime(2027, 3, 15, 3, 0, tzinfo=UTC))
    assert result == {"tasks": 1, "before": 1, "due_day": 1, "overdue": 0}
    assert len(_deadline_notes(ctx, "an")) == 1


def test_policy_per_process_and_switch_off(ctx):
    deadlines.set_policy(ctx, "script_steps", 5)
    deadlines.set_policy(ctx, "script_steps", 0, bpmn_id="Task_check", enabled=False)
    instance_id, task = _setup(ctx)
    # Reminders off for this step: nothing before the due time, but overdue still escalates.
    assert deadlines.check_deadlines(ctx, datetime(2027, 3, 15, 3, 0, tzinfo=UTC))["tasks"] == 0
    assert deadlines.check_deadlines(ctx, datetime(2027, 3, 16, tzinfo=UTC))["overdue"] == 1
    assert _count(ctx, Escalation) == 1


def test_suspended_case_is_not_escalated(ctx):
    instance_id, task = _setup(ctx)
    instances.suspend(ctx, instance_id, actor="chi", reason="Chờ giám định")
    assert deadlines.check_deadlines(ctx, datetime(2027, 3, 16, tzinfo=UTC))["overdue"] == 0
    assert _count(ctx, Escalation) == 0
