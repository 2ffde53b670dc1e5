"""Finished history leaves the task tree (engine/running/pruning.py): long loops stay small and correct."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from engine.audit import chain as audit
from engine.definitions import deployment
from engine.persistence.models import AuditEvent, HumanTask, ProcessInstance, Timer
from engine.persistence.serialization import dump_state
from engine.running import instances, loading, stepping
from engine.work import human_tasks, timers
from tests.support import FIXTURES, actor

OFFICER = actor("an", "handling_officer", unit="ubnd-xa-demo")
RECEPTION = actor("binh", "reception_officer", unit="ubnd-xa-demo")
HEAD = actor("chi", "head_of_unit", unit="ubnd-xa-demo")


def deploy(ctx, name: str) -> None:
    path = next((FIXTURES / folder / f"{name}.bpmn") for folder in ("engine", "pruning")
                if (FIXTURES / folder / f"{name}.bpmn").exists())
    deployment.deploy(ctx, {path.name: path.read_bytes()}, actor="admin")


def ready(ctx, instance_id: int) -> dict[str, dict]:
    return {t["bpmn_id"]: t for t in human_tasks.list_tasks(ctx, instance_id=instance_id)}


def stored_tree(ctx, instance_id: int) -> tuple[int, str, str]:
    """(tasks in the stored tree, the stored state, the state saved again after a load)."""
    with ctx.uow(write=False) as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        definition = loading.load_definition(ctx, uow, instance.definition_id)
        workflow = loading.load_workflow(ctx, definition, instance)
        return len(list(stepping.all_tasks(workflow))), instance.state, dump_state(workflow)


def count(ctx, model, *where) -> int:
    with ctx.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_long_loop_keeps_a_small_tree_and_loses_nothing(ctx):
    deploy(ctx, "review_loop")
    instance_id = instances.start(ctx, "review_loop", actor="binh")["instance_id"]
    sizes, states = [], []
    for number in range(1, 61):
        human_tasks.complete(ctx, ready(ctx, instance_id)["Task_review"]["id"], OFFICER,
                             {"decision": "more_info", "note": f"Vòng {number}"})
        human_tasks.complete(ctx, ready(ctx, instance_id)["Task_provide_info"]["id"], RECEPTION,
                             {"info": f"Bổ sung {number}"})
        tasks, state, reloaded = stored_tree(ctx, instance_id)
        assert reloaded == state  # a pruned tree loads and saves back unchanged
        sizes.append(tasks)
        states.append(len(state))
    # Without pruning the tree grows by 7 tasks a round (714 tasks after 100 rounds).
    assert max(sizes) <= 30 and sizes[-1] == sizes[4]
    assert states[-1] < states[1] + 200  # flat from round 2 on (only the data varies)

    human_tasks.complete(ctx, ready(ctx, instance_id)["Task_review"]["id"], OFFICER,
                         {"decision": "approve"})
    human_tasks.complete(ctx, ready(ctx, instance_id)["Task_approve"]["id"], HEAD,
                         {"approved": "true"})
    details = instances.details(ctx, instance_id)
    assert details["status"] == "completed"
    assert details["data"]["rounds"] == 60 and details["data"]["info"] == "Bổ sung 60"
    # Every step is still in the history: 122 completions by people, none marked cancelled.
    types = [e["type"] for e in details["events"]]
    assert types.count("task_completed_by_user") == 122
    assert count(ctx, HumanTask, HumanTask.instance_id == instance_id,
                 HumanTask.status == "completed") == 122
    assert count(ctx, HumanTask, HumanTask.instance_id == instance_id,
                 HumanTask.status != "completed") == 0
    # Each round's boundary timer was cancelled when its review was done, the last one too.
    assert count(ctx, Timer, Timer.instance_id == instance_id, Timer.status == "cancelled") == 61
    with ctx.uow(write=False) as uow:
        assert audit.verify(uow.session, instance_id).ok


def test_parallel_join_and_boundary_timer_work_after_pruning(ctx, clock):
    deploy(ctx, "parallel_loop")
    instance_id = instances.start(ctx, "parallel_loop", actor="an",
                                  data={"target_rounds": 6})["instance_id"]
    sizes = []
    for number in range(1, 7):
        both = ready(ctx, instance_id)
        assert set(both) == {"Task_verify", "Task_collect"}, (number, both)
        human_tasks.complete(ctx, both["Task_verify"]["id"], OFFICER, {"finding": f"KQ {number}"})
        # The join waits for the other branch of this round, not for an earlier round's.
        assert set(ready(ctx, instance_id)) == {"Task_collect"}
        human_tasks.complete(ctx, both["Task_collect"]["id"], RECEPTION,
                             {"documents": f"TL {number}"})
        sizes.append(stored_tree(ctx, instance_id)[0])
    assert sizes[-2] == sizes[2] and max(sizes) <= 40  # the last round left the loop

    conclude = ready(ctx, instance_id)
    assert set(conclude) == {"Task_conclude"}
    pending = instances.summary(ctx, instance_id)["timers"]
    assert [t["bpmn_id"] for t in pending] == ["Timer_conclude"]
    clock.current = datetime.fromisoformat(pending[0]["due_at"]) + timedelta(minutes=1)
    assert timers.fire_due_timers(ctx, clock.now())["fired"] == 1
    details = instances.details(ctx, instance_id)
    assert details["status"] == "completed" and details["tasks"] == []
    # (Which branch's values win at the join is the library's rule, pruned or not:
    # tests/unit/test_pruning.py compares whole runs.)
    assert details["data"]["rounds"] == 6 and details["data"]["documents"] == "TL 6"
    assert count(ctx, HumanTask, HumanTask.id == conclude["Task_conclude"]["id"],
                 HumanTask.status == "cancelled") == 1
    assert count(ctx, AuditEvent, AuditEvent.instance_id == instance_id,
                 AuditEvent.event_type == "timer_fired") == 1
