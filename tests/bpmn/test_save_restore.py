"""Every diagram survives save → restore between any two steps, and behaves the same afterwards."""
from __future__ import annotations

from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.definitions.validation import validate_bundle
from engine.scripting import build_script_engine
from engine.script_helpers import calendar_helpers
from engine.serialization import dump_spec, dump_state, load_spec, load_state
from engine.working_days import WorkingDayCalendar
from tests.support import FIXTURES, FakeClock

ROOT = Path(__file__).resolve().parents[2]
DIAGRAMS = sorted((FIXTURES / "engine").glob("*.bpmn")) + sorted((ROOT / "processes").rglob("*.bpmn"))
MAX_STEPS = 40


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


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_save_restore_between_every_step(path):
    bundle = validate_bundle({path.name: path.read_bytes()})
    engine = build_script_engine(calendar_helpers(WorkingDayCalendar(), FakeClock().now))
    initial = {"divisor": 2, "received_on": "2027-01-29"}
    for process_id in bundle.process_ids:
        spec, subs = load_spec(dump_spec(*bundle.specs[process_id]))
        workflow = BpmnWorkflow(spec, subs, script_engine=engine)
        workflow.task_tree.data.update(initial)
        workflow.do_engine_steps()
        for step in range(MAX_STEPS):
            saved = dump_state(workflow)
            restored = load_state(saved, spec, subs)
            restored.script_engine = engine
            assert dump_state(restored) == saved
            assert _summary(restored) == _summary(workflow)
            ready = restored.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                break
            task = ready[0]
            task.set_data(**_form_data(bundle.forms, task, step))
            task.run()
            restored.do_engine_steps()
            workflow = restored
        assert workflow.is_completed() or not workflow.get_tasks(state=TaskState.READY, manual=True)
