"""Issue 14, run-time items: patterns SpiffWorkflow runs, run by the engine through save and
restore between every command (event sub-processes, event-based gateways with timers, runaway
processes, failed deadline actions)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine.running import loading, stepping
from engine.work import timers
from engine.errors import Conflict
from engine.persistence.models import ProcessInstance
from engine.scripting.budget import DEFAULT_STEP_BUDGET, StepBudgetExceeded
from engine.persistence.serialization import BoundedCache
from tests.bpmn.conformance import (chain, complete, definitions, deploy, details, flow, process,
                                    ready, script, start, user)

SIGNAL = '<bpmn:signal id="Sig_escalate" name="escalate"/>'


def _event_subprocess_diagram() -> bytes:
    """A signal thrown by the main flow starts a non-interrupting event sub-process holding a
    user task (BPMN 2.0 §10.3.5)."""
    body = ('<bpmn:startEvent id="S"/>' + user("Task_wait")
            + '<bpmn:intermediateThrowEvent id="Throw"><bpmn:signalEventDefinition '
              'signalRef="Sig_escalate"/></bpmn:intermediateThrowEvent>'
            + user("Task_after") + '<bpmn:endEvent id="E"/>'
            + chain("S", "Task_wait", "Throw", "Task_after", "E")
            + '<bpmn:subProcess id="ESP" triggeredByEvent="true">'
              '<bpmn:startEvent id="ESP_S" isInterrupting="false"><bpmn:signalEventDefinition '
              'signalRef="Sig_escalate"/></bpmn:startEvent>'
            + user("ESP_report") + script("ESP_T", "escalated = True") + '<bpmn:endEvent id="ESP_E"/>'
            + chain("ESP_S", "ESP_report", "ESP_T", "ESP_E", prefix="esp") + "</bpmn:subProcess>")
    return definitions(SIGNAL, process("p_esp", body))


def _forget_specs(ctx) -> None:
    """As a new CLI command or worker would: the spec comes again from what was deployed."""
    ctx.specs = BoundedCache()
    ctx.definitions = BoundedCache()


def test_signal_event_subprocess_runs_after_a_save_and_restore(ctx):
    """Item 2: the event sub-process started, the instance was stored, and a command restoring
    it from the deployed spec finishes the sub-process (it used to end in error with the repr of
    a SubWorkflowTask); an instance started afterwards does not run the sub-process uncalled."""
    deploy(ctx, "esp.bpmn", _event_subprocess_diagram())
    instance_id = start(ctx, "p_esp")
    _forget_specs(ctx)
    complete(ctx, instance_id, "Task_wait")
    assert ready(ctx, instance_id) == ["ESP_report", "Task_after"]
    other = start(ctx, "p_esp")  # same cached spec, after the first instance's trigger
    assert ready(ctx, other) == ["Task_wait"]
    assert "ESP_S" not in {t["bpmn_id"] for t in _open_tasks(ctx, other)}
    _forget_specs(ctx)
    complete(ctx, instance_id, "ESP_report")
    assert details(ctx, instance_id)["error"] is None
    _forget_specs(ctx)
    complete(ctx, instance_id, "Task_after")
    shown = details(ctx, instance_id)
    assert shown["status"] == "completed", shown["error"]
    states = [(e["payload"]["bpmn_id"], e["payload"]["to"]) for e in shown["events"]
              if e["type"] == "task_state"]
    assert ("ESP_T", "COMPLETED") in states and ("ESP", "COMPLETED") in states


def _open_tasks(ctx, instance_id: int) -> list[dict]:
    """Every unfinished task of the instance's workflow (not only human tasks)."""
    with ctx.uow(write=False) as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        definition = loading.load_definition(ctx, uow, instance.definition_id)
        workflow = loading.load_workflow(ctx, definition, instance)
    return [{"bpmn_id": t.task_spec.bpmn_id, "state": t.state} for t in stepping.all_tasks(workflow)
            if t.task_spec.bpmn_id and not t.state & TaskState.FINISHED_MASK
            and t.state & (TaskState.READY | TaskState.WAITING | TaskState.STARTED)]


def _gateway_diagram() -> bytes:
    """Wait for the citizen's documents (a message) OR the deadline (a timer), BPMN 2.0 §10.6.6."""
    body = ('<bpmn:startEvent id="S"/><bpmn:eventBasedGateway id="G"/>'
            '<bpmn:intermediateCatchEvent id="Catch_docs"><bpmn:messageEventDefinition '
            'messageRef="Msg_docs"/></bpmn:intermediateCatchEvent>'
            '<bpmn:intermediateCatchEvent id="Timer_deadline"><bpmn:timerEventDefinition>'
            '<bpmn:timeDuration>"P10D"</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:intermediateCatchEvent>'
            + script("T_docs", "outcome = 'documents'") + script("T_late", "outcome = 'deadline'")
            + '<bpmn:endEvent id="E"/>'
            + chain("S", "G", "Catch_docs", "T_docs", "E", prefix="a")
            + chain("G", "Timer_deadline", "T_late", "E", prefix="b"))
    return definitions('<bpmn:message id="Msg_docs" name="documents_added"/>',
                       process("p_gateway", body))


def test_event_based_gateway_timer_is_a_timer_row_and_fires(ctx):
    """Item 1: the waiting task is the gateway itself with a combined event definition; its timer
    still gets a row, and the sweep fires it."""
    deploy(ctx, "gateway.bpmn", _gateway_diagram())
    instance_id = start(ctx, "p_gateway")
    pending = details(ctx, instance_id)["timers"]
    assert len(pending) == 1 and pending[0]["kind"] == "event_gateway"
    assert pending[0]["bpmn_id"] in ("G", "Timer_deadline")
    due = datetime.fromisoformat(pending[0]["due_at"])  # P10D from the library's clock
    assert timers.fire_due_timers(ctx, due - timedelta(seconds=1))["fired"] == 0
    fired = timers.fire_due_timers(ctx, due + timedelta(seconds=1))
    assert fired["fired"] == 1 and fired["failed"] == []
    shown = details(ctx, instance_id)
    assert shown["status"] == "completed" and shown["data"]["outcome"] == "deadline"


def _runaway_diagrams() -> dict[str, bytes]:
    """A process whose call activity calls the process itself, and a loop (after a user task)
    through a gateway and a none intermediate event: neither waits anywhere, neither runs a
    script."""
    recursive = ('<bpmn:startEvent id="S"/><bpmn:callActivity id="Call_self" calledElement="p_self"/>'
                 '<bpmn:endEvent id="E"/>' + chain("S", "Call_self", "E"))
    loop = ('<bpmn:startEvent id="L_S"/>' + user("Task_go") + '<bpmn:exclusiveGateway id="L_G"/>'
            '<bpmn:intermediateThrowEvent id="L_again"/>'
            + chain("L_S", "Task_go", "L_G", "L_again", prefix="l") + flow("l_back", "L_again", "L_G"))
    return {"self.bpmn": definitions(process("p_self", recursive)),
            "loop.bpmn": definitions(process("p_loop", loop))}


def _assert_step_message(err, limit: int) -> None:
    assert f"quá {limit} bước" in err.message and "tự gọi chính nó" in err.message


@pytest.mark.parametrize("steps", [100, None])
def test_process_calling_itself_is_refused_at_start_and_nothing_written(ctx, steps):
    """Item 7: past the step budget (configurable: ENGINE_STEP_BUDGET) the step is discarded with
    a message saying why; the default budget stops self-recursion before the CPU budget does."""
    if steps is not None:
        ctx.step_budget = steps
    deploy(ctx, "self.bpmn", _runaway_diagrams()["self.bpmn"])
    with pytest.raises(StepBudgetExceeded) as err:
        start(ctx, "p_self")
    _assert_step_message(err.value, steps or DEFAULT_STEP_BUDGET)
    assert err.value.instance_id is None  # a new instance: nothing stored at all
    with ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_unbounded_loop_without_scripts_puts_the_instance_in_error(ctx):
    """Item 7: the completion that enters the loop is discarded; the instance is in error with
    the message, its state and its open task as before the completion."""
    ctx.step_budget = 100
    deploy(ctx, "loop.bpmn", _runaway_diagrams()["loop.bpmn"])
    instance_id = start(ctx, "p_loop")
    with ctx.uow(write=False) as uow:
        state_before = uow.session.get(ProcessInstance, instance_id).state
    with pytest.raises(StepBudgetExceeded) as err:
        complete(ctx, instance_id, "Task_go")
    _assert_step_message(err.value, 100)
    assert err.value.recorded and err.value.instance_id == instance_id
    shown = details(ctx, instance_id)
    assert shown["status"] == "error" and shown["error"]["message"] == err.value.message
    assert ready(ctx, instance_id) == ["Task_go"]
    with ctx.uow(write=False) as uow:
        assert uow.session.get(ProcessInstance, instance_id).state == state_before
    assert shown["events"][-1]["type"] == "instance_error"


def test_completion_after_a_failed_deadline_action_says_what_happened(ctx, travel):
    """Item 8: the deadline of a ready task passed unswept and its action (a script) fails when
    the completion fires it first: the refusal names the failed action and the instance shows the
    error; it no longer says the task expired or was already handled."""
    body = ('<bpmn:startEvent id="S"/>' + user("Task_check") + '<bpmn:endEvent id="E"/>'
            + chain("S", "Task_check", "E")
            + '<bpmn:boundaryEvent id="Timer_due" attachedToRef="Task_check" cancelActivity="false">'
              '<bpmn:timerEventDefinition><bpmn:timeDate>"2026-11-24T00:00:00+00:00"</bpmn:timeDate>'
              '</bpmn:timerEventDefinition></bpmn:boundaryEvent>'
            + script("Script_breach", "share = 1 / 0") + '<bpmn:endEvent id="E_breach"/>'
            + chain("Timer_due", "Script_breach", "E_breach", prefix="b"))
    deploy(ctx, "breach.bpmn", definitions(process("p_breach", body)))
    travel("2026-11-23")
    instance_id = start(ctx, "p_breach")
    travel("2026-11-25")
    with pytest.raises(Conflict) as err:
        complete(ctx, instance_id, "Task_check")
    message = err.value.message
    assert "thao tác khi hết hạn ('Script_breach') bị lỗi" in message and "ZeroDivisionError" in message
    assert "xem lỗi của hồ sơ" in message and "đã hết hạn hoặc" not in message
    shown = details(ctx, instance_id)
    assert shown["status"] == "error" and shown["error"]["task"] == "Script_breach"
    assert [e["type"] for e in shown["events"]].count("task_completed_by_user") == 0
