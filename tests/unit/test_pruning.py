"""Pruning changes nothing a process does: the same run with and without it, step by step.

Each step saves and reloads the workflow, as the engine does; the trace records the ready tasks,
their data and every waiting timer's spec at each step.
"""
from __future__ import annotations

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import BpmnValidator, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.persistence.serialization import dump_state, load_state
from engine.running import stepping
from engine.running.pruning import prune_finished
from engine.scripting.sandbox import build_script_engine
from tests.support import FIXTURES

SCRIPTS = build_script_engine()


def parse(path, process_id):
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_xml(etree.fromstring(path.read_bytes()), filename=path.name)
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def run(specs, initial: dict, answers, *, prune: bool):
    """Complete the ready user task named by each answer; return the trace and the tree sizes."""
    spec, subs = specs
    workflow = BpmnWorkflow(spec, subs, script_engine=SCRIPTS)
    workflow.task_tree.data.update(initial)
    workflow.do_engine_steps()
    trace, sizes = [], []
    for name, data in answers:
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        trace.append(sorted((t.task_spec.name, sorted(t.data.items())) for t in ready))
        task = next(t for t in ready if t.task_spec.name == name)
        task.set_data(**data)
        task.run()
        workflow.do_engine_steps()
        if prune:
            prune_finished(workflow)
        workflow = load_state(dump_state(workflow), spec, subs)
        workflow.script_engine = SCRIPTS
        sizes.append(len(list(stepping.all_tasks(workflow))))
        trace.append(sorted(t.task_spec.name for t in stepping.all_tasks(workflow)
                            if t.state == TaskState.WAITING))
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    trace.append(sorted((t.task_spec.name, sorted(t.data.items())) for t in ready))
    return trace, sizes


def review_answers(rounds: int):
    for number in range(rounds):
        yield "Task_review", {"decision": "more_info", "note": f"Vòng {number}"}
        yield "Task_provide_info", {"info": f"Bổ sung {number}"}
    yield "Task_review", {"decision": "approve"}


def parallel_answers(rounds: int, *, alternate: bool = False):
    for number in range(rounds):
        first, second = ("Task_verify", "Task_collect")
        if alternate and number % 2:  # the other branch reaches the join last
            first, second = second, first
        for name in (first, second):
            yield name, {"finding": f"KQ {number}"} if name == "Task_verify" else \
                {"documents": f"TL {number}"}


@pytest.mark.parametrize("diagram, process, initial, answers", [
    ("engine/review_loop.bpmn", "review_loop", {}, review_answers(40)),
    ("pruning/parallel_loop.bpmn", "parallel_loop", {"target_rounds": 12}, parallel_answers(12)),
])
def test_pruned_runs_match_unpruned_runs(diagram, process, initial, answers):
    specs = parse(FIXTURES / diagram, process)
    answers = list(answers)
    pruned, pruned_sizes = run(specs, initial, answers, prune=True)
    whole, whole_sizes = run(specs, initial, answers, prune=False)
    assert pruned == whole
    assert whole_sizes[-2] > 2 * pruned_sizes[-2]   # the unpruned tree kept growing
    assert max(pruned_sizes) == max(pruned_sizes[: len(pruned_sizes) // 2])  # bounded early


def test_a_completed_process_keeps_its_tree():
    specs = parse(FIXTURES / "engine/review_loop.bpmn", "review_loop")
    spec, subs = specs
    workflow = BpmnWorkflow(spec, subs, script_engine=SCRIPTS)
    workflow.do_engine_steps()
    for name, data in [("Task_review", {"decision": "approve"}), ("Task_approve", {"approved": True})]:
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        assert task.task_spec.name == name
        task.set_data(**data)
        task.run()
        workflow.do_engine_steps()
    assert workflow.is_completed()
    before = len(workflow.tasks)
    assert prune_finished(workflow) == 0 and len(workflow.tasks) == before
    assert workflow.last_task.data["approved"] is True


def test_a_parallel_loop_whose_branches_alternate_runs_to_the_end():
    """When the branch that reaches the join last alternates between rounds, SpiffWorkflow 3.2
    alone fails in round 3: the join merges data from the earlier rounds' joins and drops the
    children of one of them, leaving a task without a parent ('NoneType' object has no attribute
    'data'). With the finished rounds pruned there is nothing stale to merge from."""
    specs = parse(FIXTURES / "pruning/parallel_loop.bpmn", "parallel_loop")
    trace, sizes = run(specs, {"target_rounds": 12}, parallel_answers(12, alternate=True),
                       prune=True)
    [(name, data)] = trace[-1]
    assert name == "Task_conclude" and dict(data)["rounds"] == 12
    # Round 11 had its verification arrive last at the join: its value is the one kept.
    assert dict(data)["finding"] == "KQ 11"
    assert max(sizes) < 40
