"""Diagrams are untrusted: hostile code is refused at deploy, and contained if it ever runs."""
from __future__ import annotations

import os

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import BpmnValidator, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine.definitions import deployment
from engine.errors import DeploymentError
from engine.persistence.models import ProcessDefinition
from engine.running import instances
from engine.scripting.sandbox import MAX_LOOP_ITERATIONS, build_script_engine

TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="hostile" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="Script_evil"/>
    <bpmn:scriptTask id="Script_evil"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>marker = 1
{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Script_evil" targetRef="e"/>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""

PWNED = "/tmp/petitions-sandbox-pwned"

HOSTILE_SCRIPTS = {
    "import": "import os\nos.system('touch " + PWNED + "')",
    "open": "content = open('/etc/passwd').read()",
    "dunder_import": "__import__('os').system('touch " + PWNED + "')",
    "subclasses": "classes = ().__class__.__base__.__subclasses__()",
    "environ": "import os\nurl = os.environ['DATABASE_URL']",
    "getattr": "g = getattr(add_days, '__globals__')",
    "helper_globals": "g = add_days.__globals__",
    "eval": "x = eval('1+1')",
}


def _bundle(script: str) -> dict[str, bytes]:
    return {"hostile.bpmn": TEMPLATE.format(script=script).encode()}


@pytest.mark.parametrize("name", sorted(HOSTILE_SCRIPTS))
def test_hostile_scripts_refused_at_deploy_and_nothing_stored(ctx, name):
    with pytest.raises(DeploymentError) as info:
        deployment.deploy(ctx, _bundle(HOSTILE_SCRIPTS[name]), actor="admin")
    err = info.value
    assert err.file_name == "hostile.bpmn" and err.element_id == "Script_evil" and err.line
    with ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


def _run_unvalidated(script: str, data: dict | None = None):
    """Run a diagram that skipped deploy validation, on the engine's script engine."""
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_xml(etree.fromstring(TEMPLATE.format(script=script).encode()).getroottree(),
                        filename="hostile.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("hostile"), {}, script_engine=build_script_engine())
    workflow.task_tree.data.update(data or {"keep": "me"})
    with pytest.raises(Exception) as info:
        workflow.do_engine_steps()
    failed = workflow.get_tasks(state=TaskState.ERROR)
    assert [t.task_spec.bpmn_id for t in failed] == ["Script_evil"]
    assert failed[0].data == (data or {"keep": "me"})  # no partial write, not even 'marker'
    return info.value


@pytest.mark.parametrize("name", sorted(HOSTILE_SCRIPTS))
def test_hostile_scripts_fail_at_run_time_without_effect(name):
    if os.path.exists(PWNED):
        os.remove(PWNED)
    _run_unvalidated(HOSTILE_SCRIPTS[name])
    assert not os.path.exists(PWNED)


def test_format_escape_fails_at_run_time():
    err = _run_unvalidated("leak = '{0.__class__}'.format(1)")
    assert "format" in str(err)


def test_infinite_loop_is_bounded():
    err = _run_unvalidated("n = 0\nwhile True:\n    n += 1")
    assert str(MAX_LOOP_ITERATIONS) in str(err)


def test_huge_range_is_bounded():
    err = _run_unvalidated("total = sum(range(10 ** 9))")
    assert "range" in str(err)


def test_runtime_refusal_through_the_engine_keeps_data(ctx):
    # '"".format' compiles, so deploy accepts it; the guard refuses it when it runs.
    deployment.deploy(ctx, _bundle("leak = '{0.__class__}'.format(1)"), actor="admin")
    started = instances.start(ctx, "hostile", actor="x", data={"keep": "me"})
    assert started["status"] == "error" and started["error"]["task"] == "Script_evil"
    assert instances.details(ctx, started["instance_id"])["data"] == {"keep": "me"}
