"""Scenario harness for the petition processes: drive one instance through the real engine and
record which outgoing flows of every gateway were taken (flow coverage).

    def test_accept_route(ctx, clock, coverage):
        s = Scenario(ctx, "petition_intake", coverage, clock=clock)
        s.complete("Task_register", {...})
        assert s.ready() == ["Task_classify"]

A module's last test asserts ``coverage.missing("petition_intake") == []``; the session summary
prints every process's coverage. Scenarios move the clocks with the ``travel`` fixture (conftest.py).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

from lxml import etree
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.accounts.actor import Actor
from engine.definitions import deployment
from engine.persistence.models import ProcessInstance
from engine.running import instances, loading, stepping
from engine.work import human_tasks, timers
from petitions.roles import ROLES

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
BPMN_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway")
_TAKEN_STATES = TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
# Every role at once: scenarios test routes, role checks are tested in tests/integration.
# Of every unit the tests use too (the demo commune and the report tests' u1/u2).
EVERYONE = Actor(username="kichban", roles=frozenset(ROLES),
                 supervised=frozenset({"ubnd-xa-demo", "u1", "u2", "phong_kinh_te"}))
# SpiffWorkflow reaches a task that carries boundary events through a hidden task of its own,
# "<task id>.BoundaryEventSplit" (bpmn_id None), placed between the incoming flow and the task.
_BOUNDARY_SPLIT = ".BoundaryEventSplit"

# A letter registered at the intake and the classification facts of an eligible complaint within
# competence (route "accept"): shared by the intake scenarios and the processes it calls.
LETTER = {
    "received_on": "2026-12-01", "channel": "post", "forwarder_kind": "none",
    "sender_name": "Nguyễn Văn An", "sender_id_number": "012080001234", "sender_phone": "0912345678",
    "sender_address": "Bản Nậm Loỏng, xã Bình Lư, tỉnh Lai Châu", "signers": 1,
    "summary": "Đề nghị xem xét việc thu hồi đất làm đường liên xã", "field": "land_housing",
    "remote_area": False,
}
FACTS = {
    "petition_type": "complaint", "in_vietnamese": True, "has_identity": True, "anonymous": False,
    "within_competence": True, "already_sent_to_competent": False, "already_guided": False,
    "already_transferred": False, "resolved_nothing_new": False, "crime_signs": False,
    "party_member": False, "concrete_content": True, "proposal_note": "Đề xuất thụ lý",
}


def utc_deadline(day: str) -> str:
    """The timer value of a due day: 23:59:59 in Hà Nội that day, stored in UTC."""
    return f"{day}T16:59:59+00:00"


def gateway_flows(path: Path) -> dict[str, dict[tuple[str, str], str]]:
    """process id -> {(gateway id, target id): flow id} for every gateway's outgoing flows."""
    tree = etree.parse(str(path))
    result: dict[str, dict[tuple[str, str], str]] = {}
    for process in tree.iterfind("bpmn:process", BPMN_NS):
        gateways = {g.get("id") for tag in GATEWAYS
                    for g in process.iterfind(f".//bpmn:{tag}", BPMN_NS)}
        flows = {}
        for flow in process.iterfind(".//bpmn:sequenceFlow", BPMN_NS):
            if flow.get("sourceRef") in gateways:
                flows[(flow.get("sourceRef"), flow.get("targetRef"))] = flow.get("id")
        result[process.get("id")] = flows
    return result


class FlowCoverage:
    """Gateway flows taken, per process, across all scenarios of a test session."""

    def __init__(self):
        self.taken: dict[str, set[str]] = defaultdict(set)
        self.flows: dict[str, dict[tuple[str, str], str]] = {}
        for path in sorted(PROCESSES.rglob("*.bpmn")):
            self.flows.update(gateway_flows(path))

    def record(self, workflow) -> None:
        specs = [(workflow.spec.name, workflow)] + [
            (sub.spec.name, sub) for sub in workflow.subprocesses.values()]
        for process_id, wf in specs:
            known = self.flows.get(process_id, {})
            for task in wf.tasks.values():
                if type(task.task_spec).__name__ not in _GATEWAY_CLASSES or \
                        task.state != TaskState.COMPLETED:
                    continue
                for child in task.children:
                    if not child.state & _TAKEN_STATES:
                        continue
                    target = child.task_spec.bpmn_id or \
                        child.task_spec.name.removesuffix(_BOUNDARY_SPLIT)
                    flow = known.get((task.task_spec.bpmn_id, target))
                    if flow:
                        self.taken[process_id].add(flow)

    def missing(self, process_id: str) -> list[str]:
        return sorted(set(self.flows.get(process_id, {}).values()) - self.taken[process_id])

    def report(self) -> list[str]:
        lines = []
        for process_id, flows in sorted(self.flows.items()):
            total = len(set(flows.values()))
            done = len(self.taken[process_id] & set(flows.values()))
            pct = 100.0 * done / total if total else 100.0
            line = f"{process_id}: {done}/{total} gateway flows taken ({pct:.0f}%)"
            missing = self.missing(process_id)
            lines.append(line + (f"; not taken: {', '.join(missing)}" if missing else ""))
        return lines


_GATEWAY_CLASSES = {"ExclusiveGateway", "InclusiveGateway", "ParallelGateway", "EventBasedGateway"}


def deploy_processes(ctx, folders: list[str] | None = None) -> list[dict]:
    """Deploy all of processes/, or only the named sub-folders (e.g. ["complaint"])."""
    paths = [PROCESSES / name for name in folders] if folders else [PROCESSES]
    files: dict[str, bytes] = {}
    for path in paths:
        files.update({f"{path.name}/{name}" if folders else name: content
                      for name, content in deployment.read_paths([path]).items()})
    return deployment.deploy(ctx, files, actor="admin")


class Scenario:
    """One instance of a process, driven step by step through the engine's public handlers."""

    def __init__(self, ctx, process_key: str, coverage: FlowCoverage | None = None, *,
                 data: dict | None = None, clock=None, version: int | None = None,
                 business_key: str | None = None, folders: list[str] | None = None):
        self.ctx, self.coverage, self.clock = ctx, coverage, clock
        with ctx.uow(write=False) as uow:
            deployed = deployment.latest_versions(uow)
        if process_key not in deployed:
            deploy_processes(ctx, folders)
        started = instances.start(ctx, process_key, actor="kichban", version=version,
                                  business_key=business_key, data=data or {})
        self.instance_id = started["instance_id"]
        self._record()

    # ---- reading -----------------------------------------------------------------------------
    def tasks(self) -> list[dict]:
        return human_tasks.list_tasks(self.ctx, instance_id=self.instance_id)

    def ready(self) -> list[str]:
        return sorted(t["bpmn_id"] for t in self.tasks())

    def task(self, bpmn_id: str) -> dict:
        matches = [t for t in self.tasks() if t["bpmn_id"] == bpmn_id]
        assert matches, f"{bpmn_id} is not ready; ready: {self.ready()} (status {self.status})"
        return matches[0]

    @property
    def details(self) -> dict:
        return instances.details(self.ctx, self.instance_id)

    @property
    def data(self) -> dict:
        return self.details["data"]

    @property
    def status(self) -> str:
        return instances.summary(self.ctx, self.instance_id)["status"]

    def timers(self) -> list[dict]:
        return instances.summary(self.ctx, self.instance_id)["timers"]

    def timer(self, bpmn_id: str) -> dict:
        matches = [t for t in self.timers() if t["bpmn_id"] == bpmn_id]
        assert matches, f"timer {bpmn_id} is not pending; pending: {[t['bpmn_id'] for t in self.timers()]}"
        return matches[0]

    # ---- acting ------------------------------------------------------------------------------
    def complete(self, bpmn_id: str, data: dict | None = None, actor: Actor = EVERYONE) -> dict:
        result = human_tasks.complete(self.ctx, self.task(bpmn_id)["id"], actor, data or {})
        self._record()
        summary = instances.summary(self.ctx, self.instance_id)
        assert summary["status"] != "error", summary["error"]
        return result

    def fire_timers(self, at: datetime) -> int:
        if self.clock is not None:
            self.clock.current = at
        fired = timers.fire_instance_timers(self.ctx, self.instance_id, at)
        self._record()
        return fired

    def workflow(self):
        """The instance's SpiffWorkflow workflow as stored now (read only)."""
        with self.ctx.uow(write=False) as uow:
            instance = uow.session.scalars(select(ProcessInstance).where(
                ProcessInstance.id == self.instance_id)).one()
            definition = loading.load_definition(self.ctx, uow, instance.definition_id)
            return loading.load_workflow(self.ctx, definition, instance)

    def _record(self) -> None:
        if self.coverage is not None:
            self.coverage.record(self.workflow())


def task_data(s: Scenario, bpmn_id: str, *, open_only: bool = False) -> dict:
    """The data of the open task ``bpmn_id``, else (unless ``open_only``) of its last finished run:
    each parallel branch has its own copy."""
    tasks = [t for t in stepping.all_tasks(s.workflow()) if t.task_spec.bpmn_id == bpmn_id]
    open_tasks = [t for t in tasks if t.state & (TaskState.READY | TaskState.WAITING)]
    if open_only:
        assert open_tasks, f"{bpmn_id} is not open"
    done = sorted((t for t in tasks if t.state == TaskState.COMPLETED),
                  key=lambda t: t.last_state_change)
    assert open_tasks or done, f"{bpmn_id} never ran"
    return dict((open_tasks or done[-1:])[0].data)
