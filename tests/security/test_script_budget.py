"""Hostile diagrams cannot stall the system (security issue §5): every script, condition, timer
expression, DMN cell and ``petitions:unit`` expression runs under a CPU budget per unit of work.

Each hostile step below is stopped within its budget on both backends; its transaction is rolled
back, the instance's error recorded by a second one, and another user's write, made by a thread
while the hostile step runs, succeeds meanwhile.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.definitions import deployment
from engine.persistence.models import HumanTask, ProcessInstance, Timer
from engine.running import instances
from engine.scripting.budget import ScriptBudgetExceeded, StateNotSaveable
from engine.scripting.helpers import calendar_helpers
from engine.scripting.sandbox import build_script_engine
from engine.work import human_tasks, timers
from tests.support import actor

BUDGET_S = 0.4
# What a step may cost beyond its scripts' budget: loading, saving, the rollback (CPU seconds).
# Generous on purpose (a loaded CI machine inflates CPU time); unbounded, SPIN runs for minutes.
SLACK_S = 3.0
ADMIN = actor("admin", "administrator")
SPIN = "sum(1 for i in range(100000) for j in range(100000))"

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  xmlns:petitions="urn:petitions:bpmn:1" id="D_{pid}" targetNamespace="x">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="Begin"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="Begin" targetRef="{first}"/>
"""
TAIL = """    <bpmn:userTask id="Task_after" {unit}><bpmn:incoming>f_last</bpmn:incoming>
      <bpmn:outgoing>f_end</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f_end" sourceRef="Task_after" targetRef="Finish"/>
    <bpmn:endEvent id="Finish"><bpmn:incoming>f_end</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""
OPEN_TASK = """    <bpmn:userTask id="Task_open"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:outgoing>f1</bpmn:outgoing></bpmn:userTask>
"""
WAIT = """    <bpmn:intermediateCatchEvent id="Wait"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:outgoing>f1</bpmn:outgoing><bpmn:timerEventDefinition id="TW">
      <bpmn:timeDuration>"PT1M"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
"""


def _script(code: str) -> str:
    return f"""    <bpmn:sequenceFlow id="f1" sourceRef="{{before}}" targetRef="Script_evil"/>
    <bpmn:scriptTask id="Script_evil"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f_last</bpmn:outgoing><bpmn:script>{code}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f_last" sourceRef="Script_evil" targetRef="Task_after"/>
"""


def _gateway(expression: str) -> str:
    return f"""    <bpmn:sequenceFlow id="f1" sourceRef="{{before}}" targetRef="Gateway_evil"/>
    <bpmn:exclusiveGateway id="Gateway_evil" default="f_last"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f_last</bpmn:outgoing><bpmn:outgoing>f_other</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f_other" sourceRef="Gateway_evil" targetRef="End_other">
      <bpmn:conditionExpression>{expression}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:endEvent id="End_other"><bpmn:incoming>f_other</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f_last" sourceRef="Gateway_evil" targetRef="Task_after"/>
"""


def _timer(expression: str) -> str:
    return f"""    <bpmn:sequenceFlow id="f1" sourceRef="{{before}}" targetRef="Timer_evil"/>
    <bpmn:intermediateCatchEvent id="Timer_evil"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f_last</bpmn:outgoing><bpmn:timerEventDefinition id="TE">
      <bpmn:timeDuration>{expression}</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f_last" sourceRef="Timer_evil" targetRef="Task_after"/>
"""


def _rule() -> str:
    return """    <bpmn:sequenceFlow id="f1" sourceRef="{before}" targetRef="Rule_evil"/>
    <bpmn:businessRuleTask id="Rule_evil"><bpmn:extensionElements>
      <spiffworkflow:calledDecisionId>evil_decision</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f_last</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f_last" sourceRef="Rule_evil" targetRef="Task_after"/>
"""


DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_evil" name="x"
             namespace="urn:petitions:test">
  <decision id="evil_decision" name="x">
    <decisionTable id="t" hitPolicy="FIRST">
      <input id="in1" label="x"><inputExpression id="ie1" typeRef="integer">
        <text>{expression}</text></inputExpression></input>
      <output id="out1" label="x" name="verdict" typeRef="integer"/>
      <rule id="r1"><inputEntry id="e1"><text>&gt;= 0</text></inputEntry>
        <outputEntry id="o1"><text>1</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def _bundle(pid: str, middle: str, *, first: str = "Task_open", unit: str = "",
            dmn: str | None = None) -> dict[str, bytes]:
    head = OPEN_TASK if first == "Task_open" else WAIT
    unit_attr = f'petitions:unit="{unit}"' if unit else ""
    xml = HEAD.format(pid=pid, first=first) + head + middle.format(before=first) + \
        TAIL.format(unit=unit_attr)
    files = {f"{pid}.bpmn": xml.encode()}
    if dmn is not None:
        files["evil.dmn"] = DMN.format(expression=dmn).encode()
    return files


HARMLESS = _bundle("harmless", _script("n = 1"))


@pytest.fixture
def hostile_ctx(ctx):
    """The context with a small budget and a ``started()`` helper that tells the writer thread
    the hostile code has begun (no sleeping to guess when)."""
    ctx.script_cpu_budget_s = BUDGET_S
    ctx.started = threading.Event()
    ctx._script_engine = build_script_engine({
        **calendar_helpers(ctx.calendar(), ctx.clock.now), "started": ctx.started.set})
    deployment.deploy(ctx, HARMLESS, actor="admin")
    return ctx


class Writer(threading.Thread):
    """Another user: once the hostile code runs, starts an instance (a write transaction)."""

    def __init__(self, ctx):
        super().__init__(daemon=True)
        self.ctx, self.result, self.error, self.waited_s = ctx, None, None, None

    def run(self):
        try:
            assert self.ctx.started.wait(30), "the hostile code never started"
            began = time.monotonic()
            self.result = instances.start(self.ctx, "harmless", actor="other")
            self.waited_s = time.monotonic() - began
        except Exception as err:  # reported by the test thread
            self.error = err


def _run_hostile(ctx, action):
    """Run ``action`` with a writer thread; returns (raised error, CPU seconds used)."""
    writer = Writer(ctx)
    writer.start()
    began = time.thread_time()
    with pytest.raises(ScriptBudgetExceeded) as info:
        action()
    used = time.thread_time() - began
    writer.join(30)
    assert writer.error is None and writer.result["status"] == "waiting"
    # The other user waited at most one budget (wall clock, so generous for a busy machine).
    assert writer.waited_s < BUDGET_S + 5
    return info.value, used


def _state(ctx, instance_id):
    with ctx.uow(write=False) as uow:
        row = uow.session.get(ProcessInstance, instance_id)
        tasks = {t.bpmn_id: t.status for t in uow.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id))}
        return row.status, row.error_message, row.error_task, row.state, tasks


def _assert_stopped(ctx, instance_id, err, used, element, state_before):
    assert BUDGET_S <= used < BUDGET_S + SLACK_S
    assert err.element == element and f"'{element}'" in err.message and "giây CPU" in err.message
    status, message, task, state, tasks = _state(ctx, instance_id)
    # Rolled back (the state and the open task are as before), then the error recorded.
    assert (status, message, task) == ("error", err.message, element)
    assert state == state_before and tasks == {"Task_open": "ready"}
    events = instances.details(ctx, instance_id)["events"]
    assert events[-1]["type"] == "instance_error" and events[-1]["payload"]["bpmn_id"] == element


HOSTILE_COMPLETIONS = {
    "script_generator": (lambda: _script("started()\nx = " + SPIN), "Script_evil"),
    "script_comprehension": (lambda: _script(
        "started()\nx = len([j for i in range(100000) for j in range(100000)])"), "Script_evil"),
    "script_nested_generator": (lambda: _script(
        "started()\nx = sum(sum(1 for j in range(100000)) for i in range(100000))"),
        "Script_evil"),
    "script_power_loop": (lambda: _script(
        "started()\nfor i in range(100000):\n    y = 7 ** 3000 + i"), "Script_evil"),
    "gateway_condition": (lambda: _gateway(f"started() or {SPIN} &gt; 0"), "Gateway_evil"),
    "timer_expression": (lambda: _timer(f"started() or {SPIN}"), "Timer_evil"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_COMPLETIONS))
def test_hostile_step_on_completion_is_stopped_within_budget(hostile_ctx, name):
    ctx = hostile_ctx
    middle, element = HOSTILE_COMPLETIONS[name]
    deployment.deploy(ctx, _bundle("hostile", middle()), actor="admin")
    started = instances.start(ctx, "hostile", actor="binh")
    state_before = _state(ctx, started["instance_id"])[3]
    task_id = started["tasks"][0]["id"]
    err, used = _run_hostile(ctx, lambda: human_tasks.complete(ctx, task_id, ADMIN, {}))
    _assert_stopped(ctx, started["instance_id"], err, used, element, state_before)


def test_hostile_dmn_cell_is_stopped_within_budget(hostile_ctx):
    ctx = hostile_ctx
    deployment.deploy(ctx, _bundle("hostile", _rule(), dmn=f"started() or {SPIN}"),
                      actor="admin")
    started = instances.start(ctx, "hostile", actor="binh")
    state_before = _state(ctx, started["instance_id"])[3]
    err, used = _run_hostile(ctx, lambda: human_tasks.complete(
        ctx, started["tasks"][0]["id"], ADMIN, {}))
    _assert_stopped(ctx, started["instance_id"], err, used, "Rule_evil", state_before)


def test_hostile_unit_expression_is_stopped_within_budget(hostile_ctx):
    ctx = hostile_ctx
    deployment.deploy(ctx, _bundle("hostile", _script("n = 1"), unit=f"started() or {SPIN}"),
                      actor="admin")
    started = instances.start(ctx, "hostile", actor="binh")
    state_before = _state(ctx, started["instance_id"])[3]
    err, used = _run_hostile(ctx, lambda: human_tasks.complete(
        ctx, started["tasks"][0]["id"], ADMIN, {}))
    _assert_stopped(ctx, started["instance_id"], err, used, "Task_after", state_before)


def test_hostile_start_is_refused_and_stores_nothing(hostile_ctx):
    ctx = hostile_ctx
    # Start → Script_evil → Task_after: the hostile script runs in the start command itself.
    xml = (HEAD.format(pid="hostile", first="Script_evil")
           + _script("started()\nx = " + SPIN).replace('<bpmn:sequenceFlow id="f1" '
                                                      'sourceRef="{before}" targetRef="Script_evil"/>', "")
           .replace("<bpmn:incoming>f1</bpmn:incoming>", "<bpmn:incoming>f0</bpmn:incoming>")
           + TAIL.format(unit=""))
    deployment.deploy(ctx, {"hostile.bpmn": xml.encode()}, actor="admin")
    err, used = _run_hostile(ctx, lambda: instances.start(ctx, "hostile", actor="binh"))
    assert used < BUDGET_S + SLACK_S and err.element == "Script_evil"
    with ctx.uow(write=False) as uow:  # only the other user's instance exists
        assert [i.process_key for i in uow.session.scalars(select(ProcessInstance))] == ["harmless"]


def _due_moment(ctx):
    with ctx.uow(write=False) as uow:
        return max(uow.session.scalars(select(Timer.due_at))) + timedelta(seconds=1)


def test_hostile_script_in_the_sweep_is_stopped_and_not_retried(hostile_ctx):
    ctx = hostile_ctx
    deployment.deploy(ctx, _bundle("hostile", _script("started()\nx = " + SPIN), first="Wait"),
                      actor="admin")
    instance_id = instances.start(ctx, "hostile", actor="binh")["instance_id"]
    moment = _due_moment(ctx)
    writer = Writer(ctx)
    writer.start()
    began = time.thread_time()
    result = timers.fire_due_timers(ctx, moment)
    used = time.thread_time() - began
    writer.join(30)
    assert writer.error is None and writer.waited_s < BUDGET_S + 5
    assert used < BUDGET_S + SLACK_S
    assert result["fired"] == 0 and [(f["instance_id"], f["stopped"]) for f in result["failed"]] \
        == [(instance_id, True)]
    status, message, task, _, _ = _state(ctx, instance_id)
    assert status == "error" and task == "Script_evil" and "giây CPU" in message
    with ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(Timer.status)) == "pending"  # rolled back
    # In error, the instance is no longer swept: no retry at all, let alone a hot loop.
    assert timers.fire_due_timers(ctx, moment + timedelta(hours=1))["instances"] == 0


def test_a_sweep_batch_shares_one_budget_and_spares_the_good_instances(hostile_ctx):
    ctx = hostile_ctx
    deployment.deploy(ctx, _bundle("hostile", _script("x = " + SPIN), first="Wait"), actor="admin")
    deployment.deploy(ctx, _bundle("calm", _script("n = 1"), first="Wait"), actor="admin")
    bad = [instances.start(ctx, "hostile", actor="binh")["instance_id"] for _ in range(2)]
    good = [instances.start(ctx, "calm", actor="binh")["instance_id"] for _ in range(3)]
    began = time.thread_time()
    result = timers.fire_due_timers(ctx, _due_moment(ctx))
    used = time.thread_time() - began
    # One budget for the batch, then one per hostile instance retried alone.
    assert used < (1 + len(bad)) * BUDGET_S + SLACK_S
    assert result["fired"] == len(good)
    assert sorted(f["instance_id"] for f in result["failed"]) == bad
    assert {instances.summary(ctx, i)["status"] for i in good} == {"waiting"}
    assert {instances.summary(ctx, i)["status"] for i in bad} == {"error"}


def test_unsaveable_script_value_puts_the_instance_in_error(hostile_ctx):
    ctx = hostile_ctx
    deployment.deploy(ctx, _bundle("hostile", _script("class A:\n    pass\na = A()")),
                      actor="admin")
    started = instances.start(ctx, "hostile", actor="binh")
    done = human_tasks.complete(ctx, started["tasks"][0]["id"], ADMIN, {})
    summary = instances.summary(ctx, started["instance_id"])
    assert done["status"] == "error" and summary["error"]["task"] == "Script_evil"
    assert "Biến 'a' không lưu được" in summary["error"]["message"]


def test_huge_integer_puts_the_instance_in_error(hostile_ctx):
    ctx = hostile_ctx
    deployment.deploy(ctx, _bundle("hostile", _script("n = 2 ** 8000 * 2 ** 7000")),
                      actor="admin")
    started = instances.start(ctx, "hostile", actor="binh")
    human_tasks.complete(ctx, started["tasks"][0]["id"], ADMIN, {})
    error = instances.summary(ctx, started["instance_id"])["error"]
    assert error["task"] == "Script_evil" and "số nguyên quá lớn" in error["message"]


def test_value_hidden_in_existing_data_is_caught_at_save(hostile_ctx):
    """A script that slips an object into a list it was given gets past the script's own check;
    the save refuses it, rolls back and records the error: no 500 on every try."""
    ctx = hostile_ctx
    deployment.deploy(ctx, _bundle("hostile", _script("class A:\n    pass\nitems.append(A())")),
                      actor="admin")
    started = instances.start(ctx, "hostile", actor="binh", data={"items": []})
    with pytest.raises(StateNotSaveable):
        human_tasks.complete(ctx, started["tasks"][0]["id"], ADMIN, {})
    status, message, _, _, tasks = _state(ctx, started["instance_id"])
    assert status == "error" and "không lưu được" in message and tasks == {"Task_open": "ready"}
    # The timer path: the same failure stops at once instead of retrying.
    deployment.deploy(ctx, _bundle("timed", _script("class A:\n    pass\nitems.append(A())"),
                                   first="Wait"), actor="admin")
    timed = instances.start(ctx, "timed", actor="binh", data={"items": []})["instance_id"]
    result = timers.fire_due_timers(ctx, _due_moment(ctx))
    assert [(f["instance_id"], f["stopped"]) for f in result["failed"]] == [(timed, True)]
    assert instances.summary(ctx, timed)["status"] == "error"


def test_a_timer_that_cannot_fire_backs_off_and_stops(hostile_ctx):
    """No hot loop: a burst of sweep rounds over an hour tries a broken instance a few times,
    later and later, then puts it in error."""
    ctx = hostile_ctx
    deployment.deploy(ctx, _bundle("calm", _script("n = 1"), first="Wait"), actor="admin")
    broken = instances.start(ctx, "calm", actor="binh")["instance_id"]
    with ctx.uow() as uow:  # a damaged stored state: every attempt to fire it fails
        uow.session.get(ProcessInstance, broken).state = "{not json"
        uow.commit()
    moment, attempts = _due_moment(ctx), []
    for round_no in range(720):  # a round every 5 s for an hour
        now = moment + timedelta(seconds=5 * round_no)
        attempts += [(now, f) for f in timers.fire_due_timers(ctx, now)["failed"]]
        upcoming = timers.next_due(ctx)
        assert upcoming is None or upcoming > now  # the sweeper sleeps instead of spinning
    assert len(attempts) == timers.MAX_FIRE_ATTEMPTS
    gaps = [(b[0] - a[0]).total_seconds() for a, b in zip(attempts, attempts[1:])]
    assert gaps == sorted(gaps) and gaps[0] >= timers.FIRE_RETRY_BASE_S
    assert [f["stopped"] for _, f in attempts] == [False] * (len(attempts) - 1) + [True]
    error = instances.summary(ctx, broken)["error"]
    assert "sau 5 lần thử" in error["message"] and "JSONDecodeError" in error["message"]
