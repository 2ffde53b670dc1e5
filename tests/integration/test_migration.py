"""Migrating running instances to a newer version (engine/running/migration.py), on SQLite and PostgreSQL.

Small diagrams built here: ``mig`` v1 = A → B, v2 inserts N between A and B, v3 drops A; A may
carry a non-interrupting deadline timer; ``mig_parent`` calls ``mig_child`` (call activity).
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from engine.audit import chain as audit
from engine.definitions import deployment
from engine.errors import InvalidInput
from engine.persistence.models import (AuditEvent, HumanTask, ProcessDefinition, ProcessInstance,
                                       Timer)
from engine.running import instances, migration
from engine.work import human_tasks
from tests.support import actor

ADMIN = "quantri"
HANDLER = actor("xuly", "handling_officer", unit="ubnd-xa-demo")
HEAD = actor("truong", "head_of_unit", unit="ubnd-xa-demo")
BPMN_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
             'xmlns:petitions="urn:petitions:bpmn:1" id="Defs_{key}" targetNamespace="urn:test">\n')


def process_xml(key: str, steps: list[str], *, timer_on: str | None = None,
                check_script: bool = False, call: str | None = None, roles: dict | None = None,
                name_suffix: str = "") -> str:
    """start → [script] → steps (user tasks; "Call_x" = call activity of ``call``) → end."""
    roles = roles or {}
    nodes = ["Start_ev"] + (["Script_check"] if check_script else []) + steps + ["End_ev"]
    body = ['<bpmn:startEvent id="Start_ev"/>', '<bpmn:endEvent id="End_ev"/>']
    if check_script:
        body.append('<bpmn:scriptTask id="Script_check" name="Kiểm tra">'
                    '<bpmn:script>ratio = 10 / divisor</bpmn:script></bpmn:scriptTask>')
    for step in steps:
        if step.startswith("Call_"):
            body.append(f'<bpmn:callActivity id="{step}" name="Gọi {call}" calledElement="{call}"/>')
        else:
            body.append(f'<bpmn:userTask id="{step}" name="Bước {step}{name_suffix}"/>')
    for source, target in zip(nodes, nodes[1:]):
        body.append(f'<bpmn:sequenceFlow id="Flow_{source}_{target}" sourceRef="{source}" '
                    f'targetRef="{target}"/>')
    extra = []
    if timer_on:
        body.append(f'<bpmn:boundaryEvent id="Timer_deadline" name="Hạn" attachedToRef="{timer_on}" '
                    'cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeDuration>"P5D"'
                    '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
                    '<bpmn:sequenceFlow id="Flow_timer" sourceRef="Timer_deadline" targetRef="End_late"/>'
                    '<bpmn:endEvent id="End_late"/>')
        extra = ["Timer_deadline", "End_late"]
    lanes = {}
    for node in nodes + extra:
        role = roles.get(node, "handling_officer")
        lanes.setdefault(role, []).append(node)
    lane_xml = "".join(
        f'<bpmn:lane id="Lane_{role}" name="Làn {role}" petitions:role="{role}">'
        + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in members) + "</bpmn:lane>"
        for role, members in lanes.items())
    return (BPMN_HEAD.format(key=key)
            + f'<bpmn:process id="{key}" name="Quy trình {key}" isExecutable="true">'
            + f'<bpmn:laneSet id="LaneSet_{key}">{lane_xml}</bpmn:laneSet>'
            + "".join(body) + "</bpmn:process></bpmn:definitions>\n")


def deploy(ctx, files: dict[str, str], tag: str) -> list[dict]:
    return deployment.deploy(ctx, {name: text.encode() for name, text in files.items()},
                             actor=ADMIN, tag=tag)


def start(ctx, key="mig", **data):
    return instances.start(ctx, key, actor="tiepdan", business_key=f"BK-{key}", data=data or None)


def ready(ctx, instance_id) -> list[dict]:
    return human_tasks.list_tasks(ctx, instance_id=instance_id)


def complete(ctx, instance_id, bpmn_id, who=HANDLER, **data):
    task = next(t for t in ready(ctx, instance_id) if t["bpmn_id"] == bpmn_id)
    return human_tasks.complete(ctx, task["id"], who, data)


def instance_row(ctx, instance_id) -> ProcessInstance:
    with ctx.uow(write=False) as uow:
        return uow.session.get(ProcessInstance, instance_id)


def version_of(ctx, instance_id) -> int:
    with ctx.uow(write=False) as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        return uow.session.get(ProcessDefinition, instance.definition_id).version


def by_id(rows: list[dict]) -> dict[int, dict]:
    return {row["instance_id"]: row for row in rows}


@pytest.fixture
def versions(ctx):
    """mig v1 (A → B, checked by a script), v2 (A → N → B), v3 (B only)."""
    deploy(ctx, {"mig.bpmn": process_xml("mig", ["A", "B"], check_script=True)}, "v1")
    deploy(ctx, {"mig.bpmn": process_xml("mig", ["A", "N", "B"], check_script=True)}, "v2")
    deploy(ctx, {"mig.bpmn": process_xml("mig", ["B"], check_script=True)}, "v3")
    return ctx


def test_dry_run_lists_who_can_move_and_why_the_others_cannot(ctx, versions):
    ids = {}  # every instance below starts on v1
    for label in ("waiting", "suspended", "completed", "terminated", "at_b"):
        ids[label] = instances.start(ctx, "mig", actor="tiepdan", version=1, business_key=label,
                                     data={"divisor": 2})["instance_id"]
    ids["error"] = instances.start(ctx, "mig", actor="tiepdan", version=1, business_key="error",
                                   data={"divisor": 0})["instance_id"]
    instances.suspend(ctx, ids["suspended"], actor=ADMIN, reason="Chờ ý kiến")
    complete(ctx, ids["completed"], "A")
    complete(ctx, ids["completed"], "B")
    instances.terminate(ctx, ids["terminated"], actor=ADMIN, reason="Rút đơn")
    complete(ctx, ids["at_b"], "A")
    later = instances.start(ctx, "mig", actor="tiepdan", data={"divisor": 1})["instance_id"]
    assert version_of(ctx, later) == 3  # new instances follow the latest version

    plan = by_id(migration.plan_migration(ctx, "mig", 1, 2))
    assert set(plan) == set(ids.values())  # only v1 instances
    assert plan[ids["waiting"]]["can_migrate"] and plan[ids["suspended"]]["can_migrate"]
    assert "vẫn tạm dừng" in plan[ids["suspended"]]["warnings"][0]
    assert plan[ids["waiting"]]["warnings"] == []
    assert plan[ids["at_b"]]["can_migrate"]
    assert "'Bước A'" in plan[ids["waiting"]]["reason"]
    assert plan[ids["waiting"]]["active_tasks"][0]["bpmn_id"] == "A"
    assert not plan[ids["completed"]]["can_migrate"] and "đã kết thúc" in plan[ids["completed"]]["reason"]
    assert not plan[ids["terminated"]]["can_migrate"] and "chấm dứt" in plan[ids["terminated"]]["reason"]
    assert not plan[ids["error"]]["can_migrate"] and "đang lỗi ở bước Script_check" in plan[ids["error"]]["reason"]
    for row in plan.values():
        assert row["business_key"] and row["status"] and row["from_version"] == 1

    # v3 dropped A: an instance waiting at A cannot move, nor one that already did A.
    plan3 = by_id(migration.plan_migration(ctx, "mig", 1, 3))
    assert not plan3[ids["waiting"]]["can_migrate"]
    assert "đang chờ xử lý 'Bước A' (A)" in plan3[ids["waiting"]]["reason"]
    assert not plan3[ids["at_b"]]["can_migrate"]
    assert "đã thực hiện 'Bước A' (A)" in plan3[ids["at_b"]]["reason"]

    # Named instances: one on another version, one unknown.
    named = by_id(migration.plan_migration(ctx, "mig", 1, 2, [ids["waiting"], later, 99999]))
    assert named[ids["waiting"]]["can_migrate"]
    assert not named[later]["can_migrate"] and "phiên bản 3" in named[later]["reason"]
    assert not named[99999]["can_migrate"] and "Không có hồ sơ #99999" in named[99999]["reason"]
    # The dry run wrote nothing.
    assert version_of(ctx, ids["waiting"]) == 1


def test_migrate_moves_audits_resyncs_and_runs_to_the_end_on_the_new_version(ctx, versions):
    first = instances.start(ctx, "mig", actor="tiepdan", version=1, business_key="one",
                            data={"divisor": 2})["instance_id"]
    held = instances.start(ctx, "mig", actor="tiepdan", version=1, business_key="two",
                           data={"divisor": 2})["instance_id"]
    done = instances.start(ctx, "mig", actor="tiepdan", version=1, business_key="three",
                           data={"divisor": 2})["instance_id"]
    complete(ctx, done, "A")
    complete(ctx, done, "B")
    task_a = ready(ctx, first)[0]
    human_tasks.claim(ctx, task_a["id"], HANDLER)
    instances.suspend(ctx, held, actor=ADMIN, reason="Tạm dừng")

    results = by_id(migration.migrate(ctx, [first, held, done, first], 2, ADMIN,
                                      "  Bổ sung bước N theo quy định mới  "))
    assert len(results) == 3  # duplicates once
    assert results[first]["ok"] and results[first]["from_version"] == 1
    assert results[held]["ok"] and results[held]["status"] == "suspended"
    assert not results[done]["ok"] and "đã kết thúc" in results[done]["message"]
    assert version_of(ctx, first) == 2 and version_of(ctx, held) == 2 and version_of(ctx, done) == 1

    with ctx.uow(write=False) as uow:
        event = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == first, AuditEvent.event_type == "instance_migrated")).one()
        assert event.actor == ADMIN
        assert (event.payload["from_version"], event.payload["to_version"]) == (1, 2)
        assert event.payload["reason"] == "Bổ sung bước N theo quy định mới"
        assert event.payload["active_tasks"][0]["bpmn_id"] == "A"
        assert audit.verify(uow.session).ok
        assert not uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == done, AuditEvent.event_type == "instance_migrated")).all()
        row = uow.session.get(HumanTask, task_a["id"])
        assert (row.status, row.assignee) == ("ready", "xuly")  # same row, claim kept

    # The migrated instance follows v2: A → N (new) → B → end.
    complete(ctx, first, "A")
    assert [t["bpmn_id"] for t in ready(ctx, first)] == ["N"]
    complete(ctx, first, "N")
    complete(ctx, first, "B")
    assert instances.summary(ctx, first)["status"] == "completed"
    instances.resume(ctx, held, actor=ADMIN, reason="Tiếp tục")
    for step in ("A", "N", "B"):
        complete(ctx, held, step)
    assert instances.summary(ctx, held)["status"] == "completed"
    # A second migration of the same instances is refused: they are no longer on an older version.
    again = by_id(migration.migrate(ctx, [first], 2, ADMIN, "lại"))
    assert not again[first]["ok"]


def test_refused_migration_writes_nothing(ctx, versions):
    waiting = instances.start(ctx, "mig", actor="tiepdan", version=1,
                              data={"divisor": 2})["instance_id"]
    before = instance_row(ctx, waiting)
    result = migration.migrate(ctx, [waiting], 3, ADMIN, "Bỏ bước A")[0]
    assert not result["ok"] and "'Bước A' (A)" in result["message"]
    after = instance_row(ctx, waiting)
    assert (after.definition_id, after.state, after.row_version, after.audit_seq) == (
        before.definition_id, before.state, before.row_version, before.audit_seq)
    # The instance still works on v1.
    complete(ctx, waiting, "A")
    complete(ctx, waiting, "B")
    assert instances.summary(ctx, waiting)["status"] == "completed"


def test_one_broken_instance_does_not_stop_the_others(ctx, versions):
    ids = [instances.start(ctx, "mig", actor="tiepdan", version=1,
                           data={"divisor": 2})["instance_id"] for _ in range(3)]
    with ctx.uow() as uow:
        uow.session.execute(update(ProcessInstance).where(ProcessInstance.id == ids[1])
                            .values(state=json.dumps({"broken": True})))
        uow.commit()
    results = by_id(migration.migrate(ctx, ids + [424242], 2, ADMIN, "Đợt chuyển 1"))
    assert results[ids[0]]["ok"] and results[ids[2]]["ok"]
    assert not results[ids[1]]["ok"] and "không thay đổi" in results[ids[1]]["message"]
    assert not results[424242]["ok"] and "424242" in results[424242]["message"]
    assert [version_of(ctx, i) for i in ids] == [2, 1, 2]


def test_bad_requests_are_refused(ctx, versions):
    waiting = instances.start(ctx, "mig", actor="tiepdan", version=1,
                              data={"divisor": 2})["instance_id"]
    with pytest.raises(InvalidInput, match="lý do"):
        migration.migrate(ctx, [waiting], 2, ADMIN, "   ")
    with pytest.raises(InvalidInput, match="Chưa chọn"):
        migration.migrate(ctx, [], 2, ADMIN, "x")
    with pytest.raises(InvalidInput, match="mới hơn"):
        migration.plan_migration(ctx, "mig", 2, 1)
    with pytest.raises(InvalidInput, match="tối đa"):
        migration.migrate(ctx, range(1, migration.MAX_BATCH + 2), 2, ADMIN, "x")
    down = migration.migrate(ctx, [waiting], 1, ADMIN, "x")[0]
    assert not down["ok"] and "mới hơn" in down["message"]
    missing = migration.migrate(ctx, [waiting], 9, ADMIN, "x")[0]
    assert not missing["ok"] and "phiên bản 9" in missing["message"]


def test_running_deadline_keeps_its_due_time(ctx, clock):
    deploy(ctx, {"mig.bpmn": process_xml("mig", ["A", "B"], timer_on="A")}, "v1")
    instance_id = start(ctx)["instance_id"]
    with ctx.uow(write=False) as uow:
        timer = uow.session.scalars(select(Timer).where(Timer.instance_id == instance_id)).one()
        due, timer_id = timer.due_at, timer.id
    deploy(ctx, {"mig.bpmn": process_xml("mig", ["A", "N", "B"], timer_on="A")}, "v2")
    clock.advance(days=2)
    result = migration.migrate(ctx, [instance_id], 2, ADMIN, "Thêm bước N")[0]
    assert result["ok"], result
    with ctx.uow(write=False) as uow:
        timer = uow.session.scalars(select(Timer).where(Timer.instance_id == instance_id,
                                                        Timer.status == "pending")).one()
        assert (timer.id, timer.due_at) == (timer_id, due)  # not restarted from the migration
        event = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.event_type == "instance_migrated")).one()
        assert event.payload["kept_timers"] == ["Timer_deadline"]
        task = uow.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)).one()
        assert task.due_at == due
    complete(ctx, instance_id, "A")
    assert [t["bpmn_id"] for t in ready(ctx, instance_id)] == ["N"]


def test_timer_removed_with_its_task_blocks_only_instances_waiting_on_it(ctx):
    deploy(ctx, {"mig.bpmn": process_xml("mig", ["A", "B"], timer_on="A")}, "v1")
    at_a = start(ctx)["instance_id"]
    deploy(ctx, {"mig.bpmn": process_xml("mig", ["A", "B"])}, "v2")  # deadline dropped
    plan = migration.plan_migration(ctx, "mig", 1, 2)[0]
    assert not plan["can_migrate"] and "Timer_deadline" in plan["reason"]
    assert version_of(ctx, at_a) == 1


def test_role_change_of_the_open_task_requeues_a_claimed_task(ctx):
    deploy(ctx, {"mig.bpmn": process_xml("mig", ["A", "B"])}, "v1")
    instance_id = start(ctx)["instance_id"]
    task = ready(ctx, instance_id)[0]
    human_tasks.claim(ctx, task["id"], HANDLER)
    deploy(ctx, {"mig.bpmn": process_xml("mig", ["A", "B"], roles={"A": "head_of_unit"},
                                         name_suffix=" (thủ trưởng)")}, "v2")
    result = migration.migrate(ctx, [instance_id], 2, ADMIN, "A do thủ trưởng làm")[0]
    assert result["ok"] and any("trả về hàng chờ" in w for w in result["warnings"])
    with ctx.uow(write=False) as uow:
        row = uow.session.get(HumanTask, task["id"])
        assert (row.candidate_role, row.assignee, row.name) == ("head_of_unit", None,
                                                                "Bước A (thủ trưởng)")
    complete(ctx, instance_id, "A", who=HEAD)
    complete(ctx, instance_id, "B")
    assert instances.summary(ctx, instance_id)["status"] == "completed"


def test_instance_inside_a_called_process_migrates_with_it(ctx):
    def bundle(child_steps):
        return {"parent.bpmn": process_xml("mig_parent", ["Call_child", "P"], call="mig_child"),
                "child.bpmn": process_xml("mig_child", child_steps)}
    deploy(ctx, bundle(["C1", "C2"]), "v1")
    instance_id = start(ctx, "mig_parent")["instance_id"]
    assert [t["bpmn_id"] for t in ready(ctx, instance_id)] == ["C1"]
    deploy(ctx, bundle(["C1", "C_new", "C2"]), "v2")
    plan = migration.plan_migration(ctx, "mig_parent", 1, 2)[0]
    assert plan["can_migrate"], plan
    assert migration.migrate(ctx, [instance_id], 2, ADMIN, "Thêm bước con")[0]["ok"]
    for step in ("C1", "C_new", "C2", "P"):
        assert [t["bpmn_id"] for t in ready(ctx, instance_id)] == [step]
        complete(ctx, instance_id, step)
    assert instances.summary(ctx, instance_id)["status"] == "completed"
    # v3 drops the called process's C2: an instance in the child waiting at C2 cannot move.
    other = start(ctx, "mig_parent")["instance_id"]
    complete(ctx, other, "C1")
    complete(ctx, other, "C_new")
    deploy(ctx, bundle(["C1", "C_new"]), "v3")
    plan = migration.plan_migration(ctx, "mig_parent", 2, 3, [other])[0]
    assert not plan["can_migrate"] and "quy trình con 'mig_child'" in plan["reason"]
    assert "'Bước C2' (C2)" in plan["reason"]


def test_shipped_intake_instance_moves_to_an_edited_version(ctx):
    from tests.bpmn.harness import deploy_processes
    deploy_processes(ctx)
    instance_id = instances.start(ctx, "petition_intake", actor="tiepdan", business_key="D-1",
                                  data={})["instance_id"]
    with ctx.uow(write=False) as uow:
        v1 = deployment.get_definition(uow, "petition_intake")
        files = dict(v1.files)
    main = next(name for name in files if name.endswith("petition_intake.bpmn"))
    files[main] = files[main].replace('name="Vào sổ, tiếp nhận đơn"',
                                      'name="Vào sổ, tiếp nhận đơn (mẫu mới)"')
    result = deploy(ctx, files, "v2")
    assert {r["key"]: r["new"] for r in result}["petition_intake"]
    assert not {r["key"]: r["new"] for r in result}["complaint"]  # unchanged: no new version
    plan = migration.plan_migration(ctx, "petition_intake", 1, 2)
    assert [p["can_migrate"] for p in plan] == [True]
    assert migration.migrate(ctx, [instance_id], 2, ADMIN, "Đổi tên bước")[0]["ok"]
    assert [t["name"] for t in ready(ctx, instance_id)] == ["Vào sổ, tiếp nhận đơn (mẫu mới)"]
    assert instances.details(ctx, instance_id)["version"] == 2
