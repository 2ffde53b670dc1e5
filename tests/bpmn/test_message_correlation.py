"""Issue 14, message correlation by correlation properties (BPMN 2.0 §8.3.2, key-based and
context-based correlation; SpiffWorkflow's ``correlationProperty`` and
``spiffworkflow:processVariableCorrelation``): a message without a business key reaches the one
instance whose correlation values match the values its payload carries."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.errors import InvalidInput
from engine.persistence.models import InboundMessage
from engine.work import messages
from petitions_cli.main import cli
from tests.bpmn.conformance import chain, definitions, deploy, details, process, ready, user

# Key-based: the instance's key is set by the message that starts it (order_id), and the later
# message must carry the same value.
KEY_BASED = (
    '<bpmn:collaboration id="Col"><bpmn:participant id="P" processRef="p_order"/>'
    '<bpmn:correlationKey name="order_key"><bpmn:correlationPropertyRef>order_id'
    '</bpmn:correlationPropertyRef></bpmn:correlationKey></bpmn:collaboration>'
    '<bpmn:correlationProperty id="order_id" name="Mã đơn hàng">'
    '<bpmn:correlationPropertyRetrievalExpression messageRef="Msg_placed">'
    '<bpmn:formalExpression>order_id</bpmn:formalExpression>'
    '</bpmn:correlationPropertyRetrievalExpression>'
    '<bpmn:correlationPropertyRetrievalExpression messageRef="Msg_paid">'
    '<bpmn:formalExpression>ma_don</bpmn:formalExpression>'
    '</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>'
    '<bpmn:message id="Msg_placed" name="order_placed"/>'
    '<bpmn:message id="Msg_paid" name="order_paid"/>')


def _key_based() -> bytes:
    body = ('<bpmn:startEvent id="S"><bpmn:messageEventDefinition messageRef="Msg_placed">'
            '<bpmn:extensionElements><spiffworkflow:messageVariable>order'
            '</spiffworkflow:messageVariable></bpmn:extensionElements>'
            '</bpmn:messageEventDefinition></bpmn:startEvent>'
            '<bpmn:intermediateCatchEvent id="Catch_paid"><bpmn:messageEventDefinition '
            'messageRef="Msg_paid"><bpmn:extensionElements><spiffworkflow:messageVariable>payment'
            '</spiffworkflow:messageVariable></bpmn:extensionElements>'
            '</bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>'
            + user("Task_ship") + '<bpmn:endEvent id="E"/>'
            + chain("S", "Catch_paid", "Task_ship", "E"))
    return definitions(KEY_BASED, process("p_order", body))


# Context-based: the waiting catch takes its correlation value from the instance's own data
# (the case number it holds), so an outside system can reach it by that value alone.
CONTEXT_BASED = (
    '<bpmn:collaboration id="Col2"><bpmn:participant id="P2" processRef="p_case"/>'
    '<bpmn:correlationKey name="case_key"><bpmn:correlationPropertyRef>so_ho_so'
    '</bpmn:correlationPropertyRef></bpmn:correlationKey></bpmn:collaboration>'
    '<bpmn:correlationProperty id="so_ho_so" name="Số hồ sơ">'
    '<bpmn:correlationPropertyRetrievalExpression messageRef="Msg_docs">'
    '<bpmn:formalExpression>so_ho_so</bpmn:formalExpression>'
    '</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>'
    '<bpmn:message id="Msg_docs" name="bo_sung_tai_lieu"/>')


def _context_based() -> bytes:
    body = ('<bpmn:startEvent id="S2"/>'
            '<bpmn:intermediateCatchEvent id="Catch_docs"><bpmn:messageEventDefinition '
            'messageRef="Msg_docs"><bpmn:extensionElements>'
            '<spiffworkflow:messageVariable>tai_lieu</spiffworkflow:messageVariable>'
            '<spiffworkflow:processVariableCorrelation><spiffworkflow:propertyId>so_ho_so'
            '</spiffworkflow:propertyId><spiffworkflow:expression>case_no'
            '</spiffworkflow:expression></spiffworkflow:processVariableCorrelation>'
            '</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>'
            + user("Task_review") + '<bpmn:endEvent id="E2"/>'
            + chain("S2", "Catch_docs", "Task_review", "E2", prefix="g"))
    return definitions(CONTEXT_BASED, process("p_case", body))


def _received(ctx, instance_id):
    return [e for e in details(ctx, instance_id)["events"] if e["type"] == "message_received"]


def test_key_based_correlation_routes_by_the_value_the_start_message_set(ctx):
    deploy(ctx, "order.bpmn", _key_based())
    first = messages.deliver_message(ctx, "order_placed", actor="shop", data={"order_id": "A-1"})
    second = messages.deliver_message(ctx, "order_placed", actor="shop", data={"order_id": "A-2"})
    (a1,), (a2,) = first["instance_ids"], second["instance_ids"]
    assert a1 != a2 and ready(ctx, a1) == ready(ctx, a2) == []

    paid = messages.deliver_message(ctx, "order_paid", actor="bank", data={"ma_don": "A-2"},
                                    message_id="pay-2")
    assert paid["instance_ids"] == [a2] and paid["status"] == "delivered"
    assert ready(ctx, a2) == ["Task_ship"] and ready(ctx, a1) == []
    assert details(ctx, a2)["data"]["payment"] == {"ma_don": "A-2"}

    with pytest.raises(messages.MessageUnmatched, match="order_paid"):
        messages.deliver_message(ctx, "order_paid", actor="bank", data={"ma_don": "A-9"})
    assert ready(ctx, a1) == [] and len(_received(ctx, a1)) == 1   # only its start message
    with ctx.uow(write=False) as uow:
        stored = uow.session.scalars(select(InboundMessage).where(
            InboundMessage.status == "unmatched")).all()
    assert [row.payload for row in stored] == [{"ma_don": "A-9"}]


def test_a_payload_without_the_correlation_property_is_refused_and_changes_nothing(ctx):
    deploy(ctx, "order.bpmn", _key_based())
    (a1,) = messages.deliver_message(ctx, "order_placed", actor="shop",
                                     data={"order_id": "B-1"})["instance_ids"]
    with ctx.uow(write=False) as uow:
        before = uow.session.scalar(select(InboundMessage.id).order_by(InboundMessage.id.desc()))
    with pytest.raises(InvalidInput, match="ma_don"):
        messages.deliver_message(ctx, "order_paid", actor="bank", data={"order_id": "B-1"})
    with ctx.uow(write=False) as uow:
        after = uow.session.scalar(select(InboundMessage.id).order_by(InboundMessage.id.desc()))
    assert before == after and ready(ctx, a1) == [] and details(ctx, a1)["status"] == "waiting"


def test_context_based_correlation_uses_the_instance_data(ctx):
    deploy(ctx, "case.bpmn", _context_based())
    from tests.bpmn.conformance import start
    one = start(ctx, "p_case", data={"case_no": "2026-000011"})
    two = start(ctx, "p_case", data={"case_no": "2026-000012"})
    result = messages.deliver_message(ctx, "bo_sung_tai_lieu", actor="cong-dvc",
                                      data={"so_ho_so": "2026-000012", "files": 2})
    assert result["instance_ids"] == [two]
    assert ready(ctx, two) == ["Task_review"] and ready(ctx, one) == []
    assert details(ctx, two)["data"]["tai_lieu"]["files"] == 2
    # With a business key too, a correlation value that disagrees does not reach the instance.
    with pytest.raises(messages.MessageUnmatched):
        messages.deliver_message(ctx, "bo_sung_tai_lieu", actor="cong-dvc",
                                 data={"so_ho_so": "2026-000099"})
    assert ready(ctx, one) == []


def test_cli_message_without_business_key_is_correlated(ctx, db_url):
    deploy(ctx, "case.bpmn", _context_based())
    from tests.bpmn.conformance import start
    one = start(ctx, "p_case", data={"case_no": "2026-000021"})
    runner = CliRunner()
    env = {"DATABASE_URL": db_url}
    ok = runner.invoke(cli, ["message", "bo_sung_tai_lieu", "--data",
                             json.dumps({"so_ho_so": "2026-000021"}), "--json"], env=env)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["instance_ids"] == [one]
    missing = runner.invoke(cli, ["message", "bo_sung_tai_lieu", "--data", "{}"], env=env)
    assert missing.exit_code == 1 and "so_ho_so" in missing.output
    assert "Traceback" not in missing.output
