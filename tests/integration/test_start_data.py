"""A process declares the start data its first steps read (spiffworkflow:property "startData" on
its start event); a start without it is refused before anything is written, naming the fields."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.definitions import deployment
from engine.definitions.start_data import MissingStartData, declared_names
from engine.errors import DeploymentError
from engine.persistence.models import AuditEvent, ProcessInstance
from engine.running import instances, loading
from petitions_cli.main import cli
from tests.bpmn.harness import deploy_processes

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="D_sd" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="start_data_demo" isExecutable="true">
    <bpmn:startEvent id="Start_1"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="startData" value="{names}"/>
    </spiffworkflow:properties></bpmn:extensionElements><bpmn:outgoing>F1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start_1" targetRef="Script"/>
    <bpmn:scriptTask id="Script"><bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
      <bpmn:script>total = opened_on + category</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="F2" sourceRef="Script" targetRef="End_1"/>
    <bpmn:endEvent id="End_1"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def _counts(ctx) -> tuple[int, int]:
    with ctx.uow(write=False) as uow:
        return (uow.session.scalar(select(func.count()).select_from(ProcessInstance)),
                uow.session.scalar(select(func.count()).select_from(AuditEvent)))


def test_the_shipped_processes_declare_what_their_first_script_reads(ctx):
    deploy_processes(ctx)
    declared = {}
    with ctx.uow(write=False) as uow:
        for key in ("complaint", "denunciation", "recommendation_feedback", "conclusion_followup",
                    "conclusion_assignment", "petition_intake"):
            definition = loading.load_definition(ctx, uow, deployment.definition_id(uow, key))
            declared[key] = declared_names(definition.spec)
    assert declared == {"complaint": ["received_on"], "denunciation": ["received_on"],
                        "recommendation_feedback": ["received_on"],
                        "conclusion_followup": ["assignments"],
                        "conclusion_assignment": ["assignment"], "petition_intake": []}


def test_a_start_without_declared_data_is_refused_before_anything_is_written(ctx):
    deployment.deploy(ctx, {"d.bpmn": DIAGRAM.format(names="opened_on, category").encode()},
                      actor="admin")
    before = _counts(ctx)
    with pytest.raises(MissingStartData) as refused:
        instances.start(ctx, "start_data_demo", actor="cli", data={"category": 1})
    assert refused.value.fields == ["opened_on"]
    assert refused.value.message == \
        "Thiếu dữ liệu khởi tạo của quy trình 'start_data_demo': opened_on"
    with pytest.raises(MissingStartData) as refused:
        instances.start(ctx, "start_data_demo", actor="cli", data={"opened_on": ""})
    assert refused.value.fields == ["opened_on", "category"]
    assert _counts(ctx) == before
    started = instances.start(ctx, "start_data_demo", actor="cli",
                              data={"opened_on": 1, "category": 2})
    assert (started["status"], started["error"]) == ("completed", None)


def test_a_declared_name_that_is_no_variable_is_refused_at_deployment(ctx):
    with pytest.raises(DeploymentError) as refused:
        deployment.deploy(ctx, {"d.bpmn": DIAGRAM.format(names="opened_on, 2x").encode()},
                          actor="admin")
    assert "startData khai báo tên biến không hợp lệ: 2x" in refused.value.message


def test_the_cli_refuses_a_complaint_without_received_on_with_status_2(db_url, tmp_path, ctx):
    deploy_processes(ctx)
    before = _counts(ctx)
    result = CliRunner().invoke(cli, ["start", "complaint"], env={
        "DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path)})
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("Lỗi: Thiếu dữ liệu khởi tạo của quy trình 'complaint': received_on "
                             "(truyền bằng --data) (xem 'cli start --help')\n")
    assert _counts(ctx) == before
    result = CliRunner().invoke(cli, ["start", "complaint", "--json", "--data",
                                      '{"received_on": "2026-12-01"}'],
                                env={"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.stderr
    assert '"status": "waiting"' in result.stdout and '"error": null' in result.stdout
