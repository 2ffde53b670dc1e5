"""Every diagram survives save → restore between any two steps, and behaves the same afterwards.

The petition processes are validated together, as they are deployed: the intake needs its decision
table and the processes it calls. A workflow started on the intake runs the called process inside
its call activity; ``get_tasks(state=READY, manual=True)`` walks into subprocesses, so their manual
tasks are driven (and saved, restored) like the caller's.
"""
from __future__ import annotations

import json

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.definitions import deployment
from engine.definitions.validation import validate_bundle
from engine.persistence.serialization import dump_spec, dump_state, load_spec, load_state
from engine.scripting.helpers import calendar_helpers
from engine.scripting.sandbox import build_script_engine
from engine.working_days import WorkingDayCalendar
from petitions.roles import ROLES
from tests.bpmn.harness import FACTS, PROCESSES
from tests.support import FIXTURES, FakeClock

# One bundle: all of processes/; then each engine fixture file alone.
BUNDLES = [PROCESSES] + sorted((FIXTURES / "engine").glob("*.bpmn"))
MAX_STEPS = 40
# What the fixtures read before any form: script_steps (divisor, received_on), timer_once (hits,
# fire_at). The petition processes ask for everything in their forms.
INITIAL = {"divisor": 2, "received_on": "2027-01-29", "hits": 0, "fire_at": "2027-01-30T00:00:00+00:00"}
# The start data the conclusion processes declare (petitions/reception/conclusions.py gives them).
_ASSIGNMENT = {"unit": "xa-a", "owner": "Cán bộ A", "task": "Kiểm tra hiện trường",
               "result": "Báo cáo kết quả", "deadline": "2027-02-15"}
STARTS = {"conclusion_followup": {"conclusion_id": 1, "conclusion_title": "Kết luận thử",
                                  "assignments": [_ASSIGNMENT]},
          "conclusion_assignment": {"conclusion_id": 1, "assignment": _ASSIGNMENT},
          # what the complaint and the denunciation give their follow-up (issue 19 §1)
          "decision_followup": {"followup_source": "complaint", "followup_reference": "1/QĐ",
                                "followup_overturns": True}}
# The generic form values send an intake letter to the investigators; these facts accept it, so
# the run goes on in each called process (process id, petition type).
CALLED = [("complaint", "complaint"), ("denunciation", "denunciation"),
          ("recommendation_feedback", "feedback")]


def _value(field: dict, step: int):
    kind = field["type"]
    if field.get("choices"):
        choices = [c["value"] for c in field["choices"]]
        pick = choices[step % len(choices)]
        return [pick] if kind == "multienum" else pick
    return {"integer": 5, "number": 1.5, "boolean": True, "date": "2027-02-01",
            "datetime": "2027-02-01T08:00:00+07:00"}.get(kind, "Nội dung thử")


def _form_data(forms: dict, task, step: int) -> dict:
    form = forms.get(task.task_spec.bpmn_id) or {"fields": []}
    return {f["name"]: _value(f, step) for f in form["fields"]}


def _summary(workflow):
    return sorted((t.task_spec.bpmn_id or "", TaskState.get_name(t.state))
                  for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING))


def _run(bundle, process_id: str, engine, overrides: dict | None = None) -> BpmnWorkflow:
    """Drive ``process_id`` with generic form values (``overrides`` per task id), checking at every
    step that save → restore → save gives the same state and the same open tasks."""
    spec, subs = load_spec(dump_spec(*bundle.specs[process_id]))
    workflow = BpmnWorkflow(spec, subs, script_engine=engine)
    workflow.task_tree.data.update({**INITIAL, **STARTS.get(process_id, {})})
    workflow.do_engine_steps()
    for step in range(MAX_STEPS):
        saved = dump_state(workflow)
        restored = load_state(saved, spec, subs)
        restored.script_engine = engine
        # Equal as data: SpiffWorkflow may list a task's data delta in another key order after a
        # restore (multi-instance inputs), which changes nothing it runs.
        assert json.loads(dump_state(restored)) == json.loads(saved)
        assert _summary(restored) == _summary(workflow)
        ready = restored.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        task = ready[0]
        task.set_data(**{**_form_data(bundle.forms, task, step),
                         **(overrides or {}).get(task.task_spec.bpmn_id, {})})
        task.run()
        restored.do_engine_steps()
        workflow = restored
    assert workflow.is_completed() or not workflow.get_tasks(state=TaskState.READY, manual=True)
    return workflow


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.name)
def test_save_restore_between_every_step(path):
    bundle = validate_bundle(deployment.read_paths([path]), ROLES)
    engine = build_script_engine(calendar_helpers(WorkingDayCalendar(), FakeClock().now))
    for process_id in bundle.process_ids:
        _run(bundle, process_id, engine)


def test_save_restore_inside_called_processes():
    bundle = validate_bundle(deployment.read_paths([PROCESSES]), ROLES)
    engine = build_script_engine(calendar_helpers(WorkingDayCalendar(), FakeClock().now))
    for called, petition_type in CALLED:
        workflow = _run(bundle, "petition_intake", engine,
                        {"Task_classify": {**FACTS, "petition_type": petition_type}})
        sub = [s for s in workflow.subprocesses.values() if s.spec.name == called]
        assert sub, f"{called} was not called"
        driven = [t for t in sub[0].tasks.values()
                  if t.task_spec.manual and t.state == TaskState.COMPLETED]
        assert driven, f"no manual task of {called} was driven"
