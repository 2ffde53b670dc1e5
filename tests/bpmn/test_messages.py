"""Issue 14, messages and signals from outside: correlated by business key, reaching intermediate
and boundary catches (inside call activities too), signals broadcast, idempotent by message id,
a message that matches nothing stored and reported; from the engine and from the CLI."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.work import messages
from engine.persistence.models import InboundMessage
from petitions_cli.main import cli
from tests.bpmn.conformance import (chain, complete, definitions, deploy, details, process, ready,
                                    script, start, user)

MESSAGES = ('<bpmn:message id="Msg_withdraw" name="complaint_withdrawn"/>'
            '<bpmn:message id="Msg_docs" name="documents_added"/>'
            '<bpmn:signal id="Sig_holiday" name="office_closed"/>')


def _diagrams() -> bytes:
    """``p_case`` calls ``p_handle``; the handling task carries an interrupting boundary message
    catch (withdrawal → the step that starts the termination); after it, the case waits at an
    intermediate message catch, then at a signal."""
    handle = (
        '<bpmn:startEvent id="H_S"/>' + user("Task_handle") + '<bpmn:endEvent id="H_E"/>'
        + chain("H_S", "Task_handle", "H_E", prefix="h")
        + '<bpmn:boundaryEvent id="Catch_withdraw" attachedToRef="Task_handle">'
          '<bpmn:messageEventDefinition messageRef="Msg_withdraw"/></bpmn:boundaryEvent>'
        + script("Script_withdrawn", "withdrawn = True") + user("Task_terminate")
        + '<bpmn:endEvent id="H_E2"/>'
        + chain("Catch_withdraw", "Script_withdrawn", "Task_terminate", "H_E2", prefix="w"))
    case = (
        '<bpmn:startEvent id="C_S"/><bpmn:callActivity id="Call_handle" calledElement="p_handle"/>'
        '<bpmn:intermediateCatchEvent id="Catch_docs"><bpmn:messageEventDefinition '
        'messageRef="Msg_docs"><bpmn:extensionElements><spiffworkflow:messageVariable>documents'
        '</spiffworkflow:messageVariable></bpmn:extensionElements></bpmn:messageEventDefinition>'
        '</bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="Catch_closed"><bpmn:signalEventDefinition '
        'signalRef="Sig_holiday"/></bpmn:intermediateCatchEvent><bpmn:endEvent id="C_E"/>'
        + chain("C_S", "Call_handle", "Catch_docs", "Catch_closed", "C_E", prefix="c"))
    return definitions(MESSAGES, process("p_case", case), process("p_handle", handle))


@pytest.fixture
def deployed(ctx):
    deploy(ctx, "case.bpmn", _diagrams())
    return ctx


def test_withdrawal_reaches_the_boundary_catch_inside_the_call_activity(deployed):
    ctx = deployed
    instance_id = start(ctx, "p_case", business_key="2026/0001")
    other = start(ctx, "p_case", business_key="2026/0002")
    assert ready(ctx, instance_id) == ["Task_handle"]
    result = messages.deliver_message(ctx, "complaint_withdrawn", business_key="2026/0001",
                                      actor="canbo", data={"reason": "Công dân rút đơn"},
                                      message_id="rut-0001")
    assert result["status"] == "delivered" and result["instance_ids"] == [instance_id]
    assert ready(ctx, instance_id) == ["Task_terminate"]
    assert ready(ctx, other) == ["Task_handle"]  # correlated by business key: only one instance
    received = [e for e in details(ctx, instance_id)["events"] if e["type"] == "message_received"]
    assert len(received) == 1 and received[0]["actor"] == "canbo"
    assert received[0]["payload"]["name"] == "complaint_withdrawn"

    again = messages.deliver_message(ctx, "complaint_withdrawn", business_key="2026/0001",
                                     actor="canbo", message_id="rut-0001")
    assert again["duplicate"] is True and again["instance_ids"] == [instance_id]
    events = details(ctx, instance_id)["events"]
    assert [e["type"] for e in events].count("message_received") == 1


def test_intermediate_message_carries_its_data_and_a_signal_is_broadcast(deployed):
    ctx = deployed
    first = start(ctx, "p_case", business_key="2026/0003")
    second = start(ctx, "p_case", business_key="2026/0004")
    for instance_id in (first, second):
        complete(ctx, instance_id, "Task_handle")
    messages.deliver_message(ctx, "documents_added", business_key="2026/0003", actor="canbo",
                             data={"pages": 3})
    broadcast = messages.broadcast_signal(ctx, "office_closed", actor="quantri")
    assert broadcast["instance_ids"] == [first]  # the second still waits for its documents
    shown = details(ctx, first)
    assert shown["status"] == "completed" and shown["data"]["documents"] == {"pages": 3}
    assert details(ctx, second)["status"] == "waiting"


def test_unmatched_message_is_stored_and_reported(deployed):
    ctx = deployed
    start(ctx, "p_case", business_key="2026/0005")
    with pytest.raises(messages.MessageUnmatched, match="đã được lưu lại"):
        messages.deliver_message(ctx, "documents_added", business_key="2026/0005", actor="canbo")
    with pytest.raises(messages.MessageUnmatched):
        messages.deliver_message(ctx, "complaint_withdrawn", business_key="2026/9999", actor="canbo")
    with ctx.uow(write=False) as uow:
        rows = list(uow.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
    assert [(r.name, r.business_key, r.status) for r in rows] == [
        ("documents_added", "2026/0005", "unmatched"),
        ("complaint_withdrawn", "2026/9999", "unmatched")]


def test_cli_message_and_signal(deployed, db_url, tmp_path):
    ctx = deployed
    instance_id = start(ctx, "p_case", business_key="2026/0006")
    runner = CliRunner()
    env = {"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path)}
    result = runner.invoke(cli, ["message", "complaint_withdrawn", "--business-key", "2026/0006",
                                 "--data", '{"reason": "rút đơn"}', "--message-id", "m-1",
                                 "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["instance_ids"] == [instance_id]
    missed = runner.invoke(cli, ["message", "complaint_withdrawn", "--business-key", "nope"],
                           env=env)
    assert missed.exit_code == 1 and missed.stderr.count("\n") == 1
    assert "Traceback" not in missed.output and "đã được lưu lại" in missed.stderr
    bad = runner.invoke(cli, ["signal", "office_closed", "--data", "[1]"], env=env)
    assert bad.exit_code != 0 and "JSON" in bad.output
    assert ready(ctx, instance_id) == ["Task_terminate"]


def test_complaint_under_the_intake_is_withdrawn_by_a_message(ctx, clock, travel):
    """The shipped complaint, running as a call activity of the intake: the withdrawal message
    addressed by the petition number opens the termination decision (SpiffWorkflow 3.2.0 runs
    event sub-processes non-interrupting: the open step stays)."""
    from tests.bpmn.harness import FACTS, LETTER, Scenario
    travel("2026-12-02")
    s = Scenario(ctx, "petition_intake", clock=clock, business_key="2026/0100")
    s.complete("Task_register", LETTER)
    s.complete("Task_classify", FACTS)
    s.complete("Task_approve_route", {"approve": True})
    assert "Task_kn_receive" in s.ready()
    delivered = messages.deliver_message(ctx, "complaint_withdrawn", business_key="2026/0100",
                                         actor="canbo", data={"reason": "Công dân rút đơn"})
    assert delivered["instance_ids"] == [s.instance_id]
    assert s.ready() == ["Task_kn_receive", "Task_kn_withdrawn_terminate"]
    task = s.task("Task_kn_withdrawn_terminate")
    assert task["candidate_role"] == "head_of_unit"


def test_message_start_event_starts_a_case_with_the_business_key(ctx):
    """A message that no instance waits for starts the process whose start event catches it."""
    body = ('<bpmn:startEvent id="M_S"><bpmn:messageEventDefinition messageRef="Msg_online">'
            '<bpmn:extensionElements><spiffworkflow:messageVariable>letter'
            '</spiffworkflow:messageVariable></bpmn:extensionElements></bpmn:messageEventDefinition>'
            '</bpmn:startEvent>' + user("Task_read") + '<bpmn:endEvent id="M_E"/>'
            + chain("M_S", "Task_read", "M_E", prefix="m"))
    deploy(ctx, "online.bpmn", definitions('<bpmn:message id="Msg_online" name="online_letter"/>',
                                           process("p_online", body)))
    result = messages.deliver_message(ctx, "online_letter", business_key="2026/0200",
                                      actor="cong-dich-vu", data={"summary": "Đơn trực tuyến"},
                                      message_id="online-1")
    (instance_id,) = result["instance_ids"]
    shown = details(ctx, instance_id)
    assert shown["business_key"] == "2026/0200" and ready(ctx, instance_id) == ["Task_read"]
    assert [e["type"] for e in shown["events"]][:2] == ["instance_started", "message_received"]
    again = messages.deliver_message(ctx, "online_letter", business_key="2026/0200",
                                     actor="cong-dich-vu", message_id="online-1")
    assert again["duplicate"] and again["instance_ids"] == [instance_id]
