"""What changed between two deployed versions of a process: elements added, removed and changed.

Elements are matched by file and id. An element is anything with an id that is drawn or listed on
its own (tasks, events, gateways, flows, lanes, participants, the process; DMN decisions, inputs,
outputs and rules); its details (event definitions, expressions, scripts, extension elements such
as forms, documentation…) belong to it even when they carry an id of their own, because modelers
re-number them on save. Layout (BPMN DI, DMN DI) is ignored: moving a shape is not a change.

``changed`` lists, per element, what differs: ``type``, ``name``, an attribute, or a detail kind
(``script``, ``condition``, ``timer``, ``form``, ``decision``, ``documentation``, ``members``…)
with the old and new text, so the web page can say it in Vietnamese and colour the diagram.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping

from lxml import etree

from engine.definitions.deployment import get_definition
from engine.definitions.safe_xml import parse_xml

if TYPE_CHECKING:
    from engine.context import EngineContext

MAX_SHOWN = 4000  # characters of old/new text kept per change
_LAYOUT = re.compile(r"/(DI|DC|DMNDI)/?$")
_DETAIL_NAMES = {
    "extensionElements", "documentation", "script", "conditionExpression", "condition",
    "timeDate", "timeDuration", "timeCycle", "laneSet", "ioSpecification", "dataInput",
    "dataOutput", "inputSet", "outputSet", "property", "dataInputAssociation",
    "dataOutputAssociation", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics",
    "loopCardinality", "completionCondition", "decisionTable", "inputEntry", "outputEntry",
    "inputExpression", "literalExpression", "text", "description", "childLaneSet",
    "categoryValue", "incoming", "outgoing", "flowNodeRef", "categoryValueRef",
}
_IGNORED_CHILDREN = {"incoming", "outgoing"}  # the flows themselves carry the connections
_KIND_BY_CHILD = {
    "script": "script", "preScript": "script", "postScript": "script",
    "conditionExpression": "condition", "conditionalEventDefinition": "condition",
    "timerEventDefinition": "timer", "form": "form", "calledDecisionId": "decision",
    "documentation": "documentation", "description": "documentation",
    "flowNodeRef": "members", "childLaneSet": "members",
    "multiInstanceLoopCharacteristics": "loop", "standardLoopCharacteristics": "loop",
    "properties": "properties", "serviceTaskOperator": "service",
    "instructionsForEndUser": "instructions", "unitTests": "tests",
    "inputEntry": "entries", "outputEntry": "entries", "inputExpression": "expression",
    "messagePayload": "message", "messageVariable": "message", "categoryValueRef": "group",
}
_KIND_BY_ATTR = {"name": "name", "{urn:petitions:bpmn:1}role": "role",
                 "{urn:petitions:bpmn:1}unit": "unit", "calledElement": "called_process",
                 "sourceRef": "connection", "targetRef": "connection",
                 "attachedToRef": "attached_to", "cancelActivity": "interrupting",
                 "default": "default_flow", "hitPolicy": "hit_policy", "isExecutable": "executable"}
_PREFIXES = {"http://www.omg.org/spec/BPMN/20100524/MODEL": "bpmn",
             "http://spiffworkflow.org/bpmn/schema/1.0/core": "spiffworkflow",
             "urn:petitions:bpmn:1": "petitions"}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _is_layout(element: etree._Element) -> bool:
    namespace = etree.QName(element).namespace or ""
    return bool(_LAYOUT.search(namespace))


def _is_detail(element: etree._Element) -> bool:
    name = _local(element)
    return name in _DETAIL_NAMES or name.endswith("EventDefinition") or \
        etree.QName(element).namespace in ("http://spiffworkflow.org/bpmn/schema/1.0/core",
                                           "urn:petitions:bpmn:1")


def _is_element(node) -> bool:
    return isinstance(node.tag, str) and node.get("id") is not None and not _is_layout(node) \
        and not _is_detail(node) and node.getparent() is not None


def _attr_name(name: str) -> str:
    qname = etree.QName(name)
    prefix = _PREFIXES.get(qname.namespace or "")
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


def _canonical(node: etree._Element) -> str:
    """Compact text of a detail subtree (ids dropped, prefixes short, elements with ids skipped)."""
    if not isinstance(node.tag, str):
        return ""
    children = [child for child in node if isinstance(child.tag, str) and not _is_element(child)
                and not _is_layout(child)]
    text = (node.text or "").strip()
    if not children and not [a for a in node.attrib if a != "id"]:
        return text
    attrs = " ".join(f'{_attr_name(k)}="{v}"' for k, v in sorted(node.attrib.items()) if k != "id")
    tag = _attr_name(node.tag)
    inner = text + "".join(_canonical_tagged(child) for child in children)
    return f"<{tag}{' ' + attrs if attrs else ''}>{inner}</{tag}>" if inner else \
        f"<{tag}{' ' + attrs if attrs else ''}/>"


def _canonical_tagged(node: etree._Element) -> str:
    body = _canonical(node)
    tag = _attr_name(node.tag)
    return body if body.startswith(f"<{tag}") else f"<{tag}>{body}</{tag}>"


def _details(element: etree._Element) -> dict[str, str]:
    """Detail kind → canonical text, for the element's own (non-element) children."""
    parts: dict[str, list[str]] = {}

    def add(kind: str, node: etree._Element) -> None:
        parts.setdefault(kind, []).append(_canonical(node) if kind in (
            "script", "condition", "documentation", "decision", "members", "instructions",
            "expression") else _canonical_tagged(node))

    for child in element:
        if not isinstance(child.tag, str) or _is_layout(child) or _is_element(child):
            continue
        name = _local(child)
        if name in _IGNORED_CHILDREN:
            continue
        if name == "extensionElements":
            for ext in child:
                if isinstance(ext.tag, str):
                    add(_KIND_BY_CHILD.get(_local(ext), "extension"), ext)
        elif name.endswith("EventDefinition"):
            add(_KIND_BY_CHILD.get(name, "event"), child)
        elif name == "laneSet" or name == "decisionTable":
            add("members" if name == "laneSet" else "table", child)
        else:
            add(_KIND_BY_CHILD.get(name, "content"), child)
    return {kind: "\n".join(texts) for kind, texts in parts.items()}


def _signature(element: etree._Element) -> dict:
    attrs = {name: value for name, value in element.attrib.items() if name != "id"}
    return {"type": _local(element), "name": element.get("name"), "attrs": attrs,
            "details": _details(element)}


def _elements(tree: etree._ElementTree) -> dict[str, etree._Element]:
    found: dict[str, etree._Element] = {}
    for node in tree.iter():
        if _is_element(node) and node.get("id") not in found:
            found[node.get("id")] = node
    return found


def _short(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"


def _compare(old: dict, new: dict) -> list[dict]:
    changes = []
    if old["type"] != new["type"]:
        changes.append({"kind": "type", "attribute": None, "old": old["type"], "new": new["type"]})
    for name in sorted(set(old["attrs"]) | set(new["attrs"]), key=_attr_name):
        before, after = old["attrs"].get(name), new["attrs"].get(name)
        if before != after:
            changes.append({"kind": _KIND_BY_ATTR.get(name, "attribute"),
                            "attribute": _attr_name(name), "old": _short(before),
                            "new": _short(after)})
    for kind in sorted(set(old["details"]) | set(new["details"])):
        before, after = old["details"].get(kind), new["details"].get(kind)
        if before != after:
            changes.append({"kind": kind, "attribute": None, "old": _short(before),
                            "new": _short(after)})
    return changes


def _item(file_name: str, element: etree._Element) -> dict:
    return {"file": file_name, "id": element.get("id"), "type": _local(element),
            "name": element.get("name")}


def diff_files(old_files: Mapping[str, str], new_files: Mapping[str, str]) -> dict:
    """Compare two bundles (file name → XML text) element by element."""
    result = {"added": [], "removed": [], "changed": [],
              "files": {"added": sorted(set(new_files) - set(old_files)),
                        "removed": sorted(set(old_files) - set(new_files)),
                        "changed": [], "unchanged": []}}
    for file_name in sorted(set(old_files) | set(new_files)):
        old_text, new_text = old_files.get(file_name), new_files.get(file_name)
        if old_text is not None and new_text is not None and old_text == new_text:
            result["files"]["unchanged"].append(file_name)
            continue
        old = _elements(parse_xml(old_text.encode("utf-8"), file_name)) if old_text else {}
        new = _elements(parse_xml(new_text.encode("utf-8"), file_name)) if new_text else {}
        if old_text is not None and new_text is not None:
            result["files"]["changed"].append(file_name)
        for element_id, element in new.items():
            if element_id not in old:
                result["added"].append(_item(file_name, element))
                continue
            changes = _compare(_signature(old[element_id]), _signature(element))
            if changes:
                result["changed"].append({**_item(file_name, element), "changes": changes})
        result["removed"] += [_item(file_name, element) for element_id, element in old.items()
                              if element_id not in new]
    result["summary"] = {kind: len(result[kind]) for kind in ("added", "removed", "changed")}
    return result


def compare_versions(ctx: "EngineContext", key: str, from_version: int, to_version: int) -> dict:
    """``diff_files`` of two versions of ``key`` (NotFound when either does not exist)."""
    with ctx.uow(write=False) as uow:
        old = get_definition(uow, key, from_version)
        new = get_definition(uow, key, to_version)
        old_files, new_files = dict(old.files), dict(new.files)
    return {"key": key, "from_version": from_version, "to_version": to_version,
            **diff_files(old_files, new_files)}
