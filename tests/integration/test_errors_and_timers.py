"""Failing scripts put an instance in error and retry works; timers are rows and fire once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from engine.definitions import deployment
from engine.persistence.models import ProcessInstance, Timer
from engine.running import instances
from engine.work import human_tasks, timers
from tests.support import FIXTURES, actor

STEPS = FIXTURES / "engine" / "script_steps.bpmn"
REVIEW = FIXTURES / "engine" / "review_loop.bpmn"
OFFICER = actor("an", "handling_officer", unit="ubnd-xa-demo")


def deploy(ctx, path):
    deployment.deploy(ctx, {path.name: path.read_bytes()}, actor="admin")


def test_failing_script_sets_error_with_task_and_line_then_retry(ctx):
    deploy(ctx, STEPS)
    started = instances.start(ctx, "script_steps", actor="binh",
                              data={"divisor": 0, "received_on": "2027-01-29"})
    assert started["status"] == "error"
    assert started["error"]["task"] == "Script_compute" and started["error"]["line"] == 2
    assert "ZeroDivisionError" in started["error"]["message"]
    assert started["tasks"] == [] and started["timers"] == []
    details = instances.details(ctx, started["instance_id"])
    assert "share" not in details["data"]  # the failed script changed nothing
    assert details["events"][-1]["type"] == "instance_error"

    retried = instances.retry(ctx, started["instance_id"], actor="admin", data={"divisor": 4})
    assert retried["status"] == "waiting" and retried["error"] is None
    data = instances.details(ctx, started["instance_id"])["data"]
    assert data["share"] == 25
    # 10 working days from Fri 29/1/2027 across Tết 2027 (4–10/2 off): 1,2,3,11,12,15,16,17,18,19 Feb
    assert data["due_day"] == "2027-02-19"
    assert retried["timers"][0]["due_at"] == "2027-02-19T16:59:59+00:00"
    assert retried["tasks"][0]["due_at"] == retried["timers"][0]["due_at"]


def test_timer_fires_once_with_injected_clock(ctx, clock, scheduler):
    deploy(ctx, STEPS)
    started = instances.start(ctx, "script_steps", actor="binh",
                              data={"divisor": 1, "received_on": "2027-01-29"})
    instance_id = started["instance_id"]
    timer_id = started["timers"][0]["id"]
    due = datetime.fromisoformat(started["timers"][0]["due_at"])
    assert scheduler.scheduled[timer_id] == due

    assert timers.fire_due_timers(ctx, due - timedelta(seconds=1))["fired"] == 0
    assert instances.details(ctx, instance_id)["status"] == "waiting"

    result = timers.fire_due_timers(ctx, due + timedelta(seconds=1))
    assert result == {"instances": 1, "fired": 1, "failed": [],
                      "now": (due + timedelta(seconds=1)).isoformat()}
    details = instances.details(ctx, instance_id)
    assert details["status"] == "completed" and details["data"]["overdue"] is True
    assert details["tasks"] == []
    assert [e["type"] for e in details["events"]].count("timer_fired") == 1
    with ctx.uow(write=False) as uow:
        row = uow.session.get(Timer, timer_id)
        assert row.status == "fired" and row.fired_at == due + timedelta(seconds=1)
    assert timer_id not in scheduler.cancelled  # its wake-up job finds the row fired: a no-op
    # Idempotent: a second sweep, or a late duplicate wake-up, does nothing.
    assert timers.fire_due_timers(ctx, due + timedelta(days=1))["fired"] == 0
    assert [e["type"] for e in instances.details(ctx, instance_id)["events"]].count("timer_fired") == 1


def test_completing_the_task_cancels_its_timer(ctx, scheduler):
    deploy(ctx, STEPS)
    started = instances.start(ctx, "script_steps", actor="binh",
                              data={"divisor": 1, "received_on": "2027-01-29"})
    task_id, timer_id = started["tasks"][0]["id"], started["timers"][0]["id"]
    human_tasks.complete(ctx, task_id, OFFICER, {})
    with ctx.uow(write=False) as uow:
        assert uow.session.get(Timer, timer_id).status == "cancelled"
    assert timer_id in scheduler.cancelled
    assert timers.fire_due_timers(ctx, datetime(2030, 1, 1, tzinfo=timezone.utc))["fired"] == 0


def test_suspended_instance_timers_wait_until_resume(ctx):
    deploy(ctx, STEPS)
    started = instances.start(ctx, "script_steps", actor="binh",
                              data={"divisor": 1, "received_on": "2027-01-29"})
    instance_id = started["instance_id"]
    late = datetime.fromisoformat(started["timers"][0]["due_at"]) + timedelta(hours=1)
    instances.suspend(ctx, instance_id, actor="chi", reason="Chờ giám định")
    assert timers.fire_due_timers(ctx, late)["fired"] == 0
    assert instances.details(ctx, instance_id)["timers"][0]["status"] == "pending"
    instances.resume(ctx, instance_id, actor="chi", reason="Có kết quả")
    assert timers.fire_due_timers(ctx, late)["fired"] == 1
    assert instances.details(ctx, instance_id)["status"] == "completed"


def test_duration_timer_row_and_due_sweep_over_many_instances(ctx, clock):
    deploy(ctx, REVIEW)
    ids = [instances.start(ctx, "review_loop", actor="binh")["instance_id"] for _ in range(5)]
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(select(Timer).where(Timer.status == "pending")).all()
        assert len(rows) == 5
        assert all(r.kind == "boundary" and r.attached_to == "Task_review" for r in rows)
        after = max(r.due_at for r in rows) + timedelta(seconds=1)
    assert timers.fire_due_timers(ctx, after) == {"instances": 5, "fired": 5, "failed": [],
                                                  "now": after.isoformat()}
    assert {instances.details(ctx, i)["status"] for i in ids} == {"completed"}


def test_deadline_passed_before_the_task_opened_still_dates_it(ctx):
    # A legal deadline is a NON-interrupting boundary timer. When it is already past as the task
    # opens, it fires at once; the task stays open and must still carry its due date.
    text = STEPS.read_text(encoding="utf-8").replace(
        'id="script_steps"', 'id="script_steps_late"').replace(
        'attachedToRef="Task_check">', 'attachedToRef="Task_check" cancelActivity="false">')
    deployment.deploy(ctx, {"late.bpmn": text.encode()}, actor="admin")
    started = instances.start(ctx, "script_steps_late", actor="binh",
                              data={"divisor": 1, "received_on": "2020-01-02"})
    assert started["status"] == "waiting" and started["timers"] == []
    # 10 working days after Thu 2/1/2020 (Tết 2020 began 23/1): Thu 16/1/2020, 23:59:59 in Vietnam.
    assert started["tasks"][0]["due_at"] == "2020-01-16T16:59:59+00:00"
    events = instances.details(ctx, started["instance_id"])["events"]
    assert {"bpmn_id": "Script_overdue", "to": "COMPLETED"}.items() <= next(
        e["payload"] for e in events if e["payload"].get("bpmn_id") == "Script_overdue").items()


def test_completion_fires_a_due_timer_first(ctx, clock):
    deploy(ctx, STEPS)
    started = instances.start(ctx, "script_steps", actor="binh",
                              data={"divisor": 1, "received_on": "2027-01-29"})
    task_id = started["tasks"][0]["id"]
    clock.current = datetime.fromisoformat(started["timers"][0]["due_at"]) + timedelta(minutes=5)
    # The (interrupting) deadline passed but no sweep ran: completing now must not slip through.
    import pytest

    from engine.errors import Conflict
    with pytest.raises(Conflict):
        human_tasks.complete(ctx, task_id, OFFICER, {})
    assert timers.fire_due_timers(ctx, clock.current)["fired"] == 1
    assert instances.details(ctx, started["instance_id"])["data"]["overdue"] is True


def test_a_broken_instance_holds_back_no_other_deadline(ctx):
    """The sweep fires up to FIRE_BATCH instances per unit of work; an instance that cannot be
    loaded fails its batch, which is then retried one instance at a time."""
    deploy(ctx, REVIEW)
    ids = [instances.start(ctx, "review_loop", actor="binh")["instance_id"]
           for _ in range(timers.FIRE_BATCH + 5)]
    broken = ids[3]
    with ctx.uow() as uow:  # a damaged stored state (say, a bad manual edit): cannot be loaded
        uow.session.get(ProcessInstance, broken).state = "{not json"
        uow.commit()
    with ctx.uow(write=False) as uow:
        after = max(uow.session.scalars(select(Timer.due_at))) + timedelta(seconds=1)
    result = timers.fire_due_timers(ctx, after)
    assert result["instances"] == len(ids) and result["fired"] == len(ids) - 1
    assert [f["instance_id"] for f in result["failed"]] == [broken]
    assert "JSONDecodeError" in result["failed"][0]["error"]
    assert {instances.summary(ctx, i)["status"] for i in ids if i != broken} == {"completed"}
    with ctx.uow(write=False) as uow:  # its timer is still pending, nothing half-written
        assert uow.session.scalar(select(Timer.status).where(Timer.instance_id == broken)) == \
            "pending"
    # Firing again at once is a no-op: the broken one backs off (no hot loop, security §5)...
    assert timers.fire_due_timers(ctx, after) == {
        "instances": 0, "fired": 0, "failed": [], "now": after.isoformat()}
    # ...and after its back-off it is tried, and reported, again.
    later = after + timedelta(seconds=timers.FIRE_RETRY_BASE_S)
    again = timers.fire_due_timers(ctx, later)
    assert again["fired"] == 0 and [f["instance_id"] for f in again["failed"]] == [broken]
