"""The process diagram of an instance, with the state of each node, for the history page."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from lxml import etree

from engine.errors import NotFound
from engine.definitions.validation import is_bpmn_name
from engine.persistence.models import ProcessDefinition, ProcessInstance
from petitions.supervision.history_replay import Snapshot, _Loaded

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext


BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


# Element kinds that are not drawn as shapes the path could pass through.
_NOT_NODES = {"process", "collaboration", "participant", "laneSet", "lane", "sequenceFlow",
              "messageFlow", "association", "textAnnotation", "group", "category",
              "categoryValue", "definitions", "extensionElements", "documentation",
              "incoming", "outgoing", "conditionExpression", "timerEventDefinition",
              "timeDate", "timeDuration", "timeCycle", "script", "dataObject",
              "dataObjectReference", "dataInputAssociation", "dataOutputAssociation",
              "flowNodeRef", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


# ---- diagram --------------------------------------------------------------------------------
def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_diagram(text: str) -> dict:
    """Process ids, flow-node ids and sequence flows (id → source, target) of one BPMN file."""
    root = etree.fromstring(text.encode("utf-8"), _PARSER)
    processes, nodes, flows = [], set(), {}
    for element in root.iter():
        name = _local(element.tag)
        if element.tag is etree.Comment or not element.get("id") \
                or not (element.tag or "").startswith("{" + BPMN_NS):
            continue
        if name == "process":
            processes.append(element.get("id"))
        elif name == "sequenceFlow":
            flows[element.get("id")] = (element.get("sourceRef"), element.get("targetRef"))
        elif name not in _NOT_NODES:
            nodes.add(element.get("id"))
    return {"processes": processes, "nodes": nodes, "flows": flows}


def _bpmn_files(definition: ProcessDefinition) -> list[tuple[str, str]]:
    return sorted((name, text) for name, text in (definition.files or {}).items()
                  if is_bpmn_name(name))


def diagram_state(loaded: _Loaded, snap: Snapshot, now: datetime, *, current: bool) -> dict:
    """The files of the instance's version worth showing, each with its element markers."""
    completed, active, failed = set(snap.completed), snap.active(), snap.failed()
    moment = now if current else (snap.at or now)
    overdue = {t.bpmn_id for t in loaded.tasks
               if t.due_at is not None and t.due_at < moment and t.bpmn_id in active
               and (t.status == "ready" if current else True)}
    if current and loaded.instance.status == "error" and loaded.instance.error_task:
        failed.add(loaded.instance.error_task)
    reached = completed | active | failed
    files = []
    for index, (name, text) in enumerate(_bpmn_files(loaded.definition)):
        parsed = parse_diagram(text)
        main = loaded.instance.process_key in parsed["processes"]
        mine = parsed["nodes"] & reached
        if not (main or mine):
            continue
        # A flow was taken when its target was reached after its source first completed (a loop's
        # way back is not marked just because both ends were visited once).
        taken = sorted(fid for fid, (src, dst) in parsed["flows"].items()
                       if src in snap.completed and snap.touched.get(dst, 0) > snap.completed[src])
        files.append({"index": index, "name": name, "main": main,
                      "markers": {"completed": sorted(mine & completed - active - failed),
                                  "active": sorted(mine & active - overdue - failed),
                                  "overdue": sorted(mine & overdue - failed),
                                  "failed": sorted(mine & failed),
                                  "flows": taken}})
    files.sort(key=lambda f: (not f["main"], f["name"]))
    return {"files": files}


def diagram_xml(ctx: "EngineContext", instance_id: int, index: int, actor: "Actor") -> str:
    """The BPMN text of one file of the instance's own deployed version."""
    with ctx.uow(write=False) as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        if instance is None or not actor.sees_unit(instance.unit_code):
            raise NotFound(f"Không tìm thấy hồ sơ quy trình #{instance_id}")
        definition = uow.session.get(ProcessDefinition, instance.definition_id)
        files = _bpmn_files(definition)
        if not 0 <= index < len(files):
            raise NotFound(f"Phiên bản quy trình không có sơ đồ số {index}")
        return files[index][1]
