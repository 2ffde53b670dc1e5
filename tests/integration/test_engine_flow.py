"""The engine end to end on a real database (SQLite and PostgreSQL): deploy, run, tasks, lifecycle."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.definitions import deployment
from engine.errors import (Conflict, DeploymentError, Forbidden, FormInvalid, InvalidInput,
                           InvalidState, NotFound)
from engine.persistence.models import AuditEvent, HumanTask, ProcessDefinition, ProcessInstance
from engine.running import instances
from engine.work import human_tasks
from tests.support import FIXTURES, actor

REVIEW = FIXTURES / "engine" / "review_loop.bpmn"
OFFICER = actor("an", "handling_officer", unit="ubnd-xa-demo")
RECEPTION = actor("binh", "reception_officer", unit="ubnd-xa-demo")
HEAD = actor("chi", "head_of_unit", unit="ubnd-xa-demo")


def deploy_review(ctx, content: bytes | None = None, tag=None):
    return deployment.deploy(ctx, {"review_loop.bpmn": content or REVIEW.read_bytes()},
                             actor="admin", tag=tag)


def ready_task(ctx, instance_id):
    tasks = human_tasks.list_tasks(ctx, instance_id=instance_id)
    assert len(tasks) == 1, tasks
    return tasks[0]


def count(ctx, model, *where):
    with ctx.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_deploy_versions_and_identical_content(ctx):
    first = deploy_review(ctx, tag="v1")
    assert first == [{"key": "review_loop", "version": 1, "sha256": first[0]["sha256"], "new": True}]
    again = deploy_review(ctx)
    assert again[0]["new"] is False and again[0]["version"] == 1
    changed = REVIEW.read_bytes().replace("Xem xét đơn".encode(), "Xem xét đơn (v2)".encode())
    second = deploy_review(ctx, changed)
    assert second[0]["version"] == 2 and second[0]["new"] is True
    assert second[0]["sha256"] != first[0]["sha256"]
    assert count(ctx, ProcessDefinition) == 2
    listed = deployment.list_definitions(ctx)
    assert [(d["version"], d["tag"], d["deployed_by"]) for d in listed] == [(1, "v1", "admin"), (2, None, "admin")]


def test_invalid_deploy_stores_nothing(ctx):
    deploy_review(ctx)
    broken = REVIEW.read_bytes().replace(b'decision == "approve"', b"decision ==")
    with pytest.raises(DeploymentError) as info:
        deployment.deploy(ctx, {"review_loop.bpmn": broken}, actor="admin")
    assert "review_loop.bpmn" in str(info.value) and info.value.element_id
    assert count(ctx, ProcessDefinition) == 1


def test_full_run_with_loop_and_forms(ctx):
    deploy_review(ctx)
    started = instances.start(ctx, "review_loop", actor="binh", business_key="D-001")
    assert started["status"] == "waiting"
    assert [t["bpmn_id"] for t in started["tasks"]] == ["Task_review"]
    assert started["tasks"][0]["candidate_role"] == "handling_officer"
    assert started["tasks"][0]["due_at"] == started["timers"][0]["due_at"]
    instance_id = started["instance_id"]

    review = ready_task(ctx, instance_id)
    result = human_tasks.complete(ctx, review["id"], OFFICER, {"decision": "more_info", "note": "Thiếu"})
    assert result["status"] == "waiting"
    info = ready_task(ctx, instance_id)
    assert info["bpmn_id"] == "Task_provide_info" and info["candidate_role"] == "reception_officer"
    human_tasks.complete(ctx, info["id"], RECEPTION, {"info": "Đã bổ sung sổ đỏ"})
    review2 = ready_task(ctx, instance_id)
    assert review2["bpmn_id"] == "Task_review" and review2["id"] != review["id"]
    human_tasks.complete(ctx, review2["id"], OFFICER, {"decision": "approve"})
    approve = ready_task(ctx, instance_id)
    human_tasks.complete(ctx, approve["id"], HEAD, {"approved": "true"})

    details = instances.details(ctx, instance_id)
    assert details["status"] == "completed"
    assert details["data"]["rounds"] == 1 and details["data"]["approved"] is True
    assert details["tasks"] == [] and details["timers"] == []
    types = [e["type"] for e in details["events"]]
    assert types[0] == "instance_started" and types.count("task_completed_by_user") == 4
    completion = next(e for e in details["events"] if e["type"] == "task_completed_by_user")
    assert completion["actor"] == "an"
    assert completion["payload"]["before"] == {"decision": None, "note": None}
    assert completion["payload"]["after"] == {"decision": "more_info", "note": "Thiếu"}


def test_form_errors_and_wrong_role_change_nothing(ctx):
    deploy_review(ctx)
    instance_id = instances.start(ctx, "review_loop", actor="binh")["instance_id"]
    task = ready_task(ctx, instance_id)
    events_before = count(ctx, AuditEvent)
    with pytest.raises(FormInvalid) as info:
        human_tasks.complete(ctx, task["id"], OFFICER, {"decision": "maybe", "extra": 1})
    assert set(info.value.errors) == {"decision", "extra"}
    with pytest.raises(FormInvalid) as info:
        human_tasks.complete(ctx, task["id"], OFFICER, {})
    assert "decision" in info.value.errors
    with pytest.raises(Forbidden):
        human_tasks.complete(ctx, task["id"], RECEPTION, {"decision": "approve"})
    with pytest.raises(InvalidInput):
        human_tasks.complete(ctx, task["id"], OFFICER, ["not", "a", "dict"])
    assert count(ctx, AuditEvent) == events_before
    assert ready_task(ctx, instance_id)["id"] == task["id"]


def test_completing_twice_is_a_conflict(ctx):
    deploy_review(ctx)
    instance_id = instances.start(ctx, "review_loop", actor="binh")["instance_id"]
    task = ready_task(ctx, instance_id)
    human_tasks.complete(ctx, task["id"], OFFICER, {"decision": "more_info"})
    events = count(ctx, AuditEvent)
    with pytest.raises(Conflict) as info:
        human_tasks.complete(ctx, task["id"], OFFICER, {"decision": "approve"})
    assert "không còn chờ xử lý" in str(info.value)
    assert count(ctx, AuditEvent) == events
    with pytest.raises(NotFound):
        human_tasks.complete(ctx, 99999, OFFICER, {})


def test_claim_unclaim_assign(ctx):
    deploy_review(ctx)
    instance_id = instances.start(ctx, "review_loop", actor="binh")["instance_id"]
    task = ready_task(ctx, instance_id)
    other = actor("dung", "handling_officer")
    assert human_tasks.claim(ctx, task["id"], OFFICER)["assignee"] == "an"
    with pytest.raises(Conflict):
        human_tasks.claim(ctx, task["id"], other)
    with pytest.raises(Forbidden):
        human_tasks.complete(ctx, task["id"], other, {"decision": "approve"})
    with pytest.raises(Forbidden):
        human_tasks.unclaim(ctx, task["id"], other)
    assert human_tasks.unclaim(ctx, task["id"], OFFICER)["assignee"] is None
    with pytest.raises(InvalidInput):
        human_tasks.assign(ctx, task["id"], "dung", HEAD, "  ", frozenset({"handling_officer"}))
    with pytest.raises(Forbidden):
        human_tasks.assign(ctx, task["id"], "dung", OFFICER, "lý do", frozenset({"handling_officer"}))
    with pytest.raises(InvalidInput):
        human_tasks.assign(ctx, task["id"], "binh", HEAD, "lý do", frozenset({"reception_officer"}))
    assigned = human_tasks.assign(ctx, task["id"], "dung", HEAD, "Cân đối công việc",
                                  frozenset({"handling_officer"}))
    assert assigned["assignee"] == "dung"
    mine = human_tasks.list_tasks(ctx, user="dung", roles=frozenset({"handling_officer"}))
    assert [t["id"] for t in mine] == [task["id"]]
    assert human_tasks.list_tasks(ctx, user="an", roles=frozenset({"handling_officer"})) == []
    types = [e["type"] for e in instances.details(ctx, instance_id)["events"]]
    assert ["task_claimed", "task_unclaimed", "task_assigned"] == [
        t for t in types if t in ("task_claimed", "task_unclaimed", "task_assigned")]


def test_instance_stays_on_its_version(ctx):
    deploy_review(ctx)
    old = instances.start(ctx, "review_loop", actor="binh")["instance_id"]
    v2 = REVIEW.read_bytes().replace(b'name="Xem x\xc3\xa9t \xc4\x91\xc6\xa1n"',
                                     'name="Xem xét đơn lần 2"'.encode())
    assert deploy_review(ctx, v2)[0]["version"] == 2
    new = instances.start(ctx, "review_loop", actor="binh")["instance_id"]
    pinned = instances.start(ctx, "review_loop", actor="binh", version=1)["instance_id"]
    assert instances.details(ctx, old)["version"] == 1
    assert instances.details(ctx, new)["version"] == 2
    assert instances.details(ctx, pinned)["version"] == 1
    assert ready_task(ctx, new)["name"] == "Xem xét đơn lần 2"
    task = ready_task(ctx, old)
    assert task["name"] == "Xem xét đơn"
    human_tasks.complete(ctx, task["id"], OFFICER, {"decision": "approve"})
    human_tasks.complete(ctx, ready_task(ctx, old)["id"], HEAD, {"approved": True})
    assert instances.details(ctx, old)["status"] == "completed"
    with pytest.raises(NotFound):
        instances.start(ctx, "review_loop", actor="binh", version=7)


def test_suspend_resume_terminate(ctx):
    deploy_review(ctx)
    instance_id = instances.start(ctx, "review_loop", actor="binh")["instance_id"]
    task = ready_task(ctx, instance_id)
    with pytest.raises(InvalidInput):
        instances.suspend(ctx, instance_id, actor="chi", reason="")
    assert instances.suspend(ctx, instance_id, actor="chi", reason="Chờ kết quả giám định")["status"] == "suspended"
    with pytest.raises(InvalidState):
        human_tasks.complete(ctx, task["id"], OFFICER, {"decision": "approve"})
    with pytest.raises(InvalidState):
        instances.suspend(ctx, instance_id, actor="chi", reason="lần hai")
    assert instances.resume(ctx, instance_id, actor="chi", reason="Đã có kết quả")["status"] == "waiting"
    terminated = instances.terminate(ctx, instance_id, actor="chi", reason="Người khiếu nại rút đơn")
    assert terminated["status"] == "terminated" and terminated["tasks"] == [] and terminated["timers"] == []
    with pytest.raises(InvalidState):
        instances.resume(ctx, instance_id, actor="chi", reason="x")
    details = instances.details(ctx, instance_id)
    lifecycle = [(e["type"], e["payload"].get("reason")) for e in details["events"]
                 if e["type"].startswith("instance_") and e["type"] != "instance_started"]
    assert lifecycle == [("instance_suspended", "Chờ kết quả giám định"),
                         ("instance_resumed", "Đã có kết quả"),
                         ("instance_terminated", "Người khiếu nại rút đơn")]
    assert count(ctx, HumanTask, HumanTask.status == "cancelled") == 1


def test_bad_start_input(ctx):
    deploy_review(ctx)
    with pytest.raises(InvalidInput):
        instances.start(ctx, "review_loop", actor="x", data={"__class__": 1})
    with pytest.raises(InvalidInput):
        instances.start(ctx, "review_loop", actor="x", data=[1, 2])
    with pytest.raises(NotFound):
        instances.start(ctx, "nope", actor="x")
    assert count(ctx, ProcessInstance) == 0
