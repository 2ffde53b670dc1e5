"""Layout checks of a generated diagram: every element drawn, nothing drawn over anything else."""
from __future__ import annotations

from pathlib import Path

from lxml import etree

_FLOW_NODES = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
               "boundaryEvent", "task", "userTask", "manualTask", "scriptTask", "serviceTask",
               "businessRuleTask", "sendTask", "receiveTask", "callActivity", "subProcess",
               "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"}
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}


def _overlap(a, b, inset=0.0) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return (ax + inset < bx + bw - inset and bx + inset < ax + aw - inset
            and ay + inset < by + bh - inset and by + inset < ay + ah - inset)


def _segment_box(p, q):
    (x1, y1), (x2, y2) = p, q
    return (min(x1, x2), min(y1, y2), abs(x2 - x1) or 0.01, abs(y2 - y1) or 0.01)


def diagram_problems(path: Path) -> list[str]:
    """Every flow node has a shape and every sequence flow an edge; no two node shapes overlap (a
    boundary event only touches its own task); no edge runs through a shape it does not connect."""
    tree = etree.parse(str(path))
    nodes = {el.get("id"): el for el in tree.iterfind(".//bpmn:process//*", NS)
             if isinstance(el.tag, str) and etree.QName(el).localname in _FLOW_NODES}
    flows = {el.get("id"): el for el in tree.iterfind(".//bpmn:sequenceFlow", NS)}
    shapes = {}
    for shape in tree.iterfind(".//bpmndi:BPMNShape", NS):
        b = shape.find("dc:Bounds", NS)
        shapes[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    edges = {edge.get("bpmnElement"): [(float(p.get("x")), float(p.get("y")))
                                       for p in edge.iterfind("di:waypoint", NS)]
             for edge in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    problems = [f"no shape for {n}" for n in nodes if n not in shapes]
    problems += [f"no edge for {f}" for f in flows if len(edges.get(f, ())) < 2]
    if problems:
        return problems
    host = {n: el.get("attachedToRef") for n, el in nodes.items()
            if etree.QName(el).localname == "boundaryEvent"}
    # An expanded (event) sub-process encloses its nodes and their flows.
    inside = {n: {a.get("id") for a in el.iterancestors() if etree.QName(a).localname == "subProcess"}
              for n, el in nodes.items()}
    ids = sorted(nodes)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if host.get(a) == b or host.get(b) == a or a in inside[b] or b in inside[a]:
                continue
            if _overlap(shapes[a], shapes[b]):
                problems.append(f"shapes overlap: {a} / {b}")
    for a, task in host.items():
        if not _overlap(shapes[a], shapes[task]):
            problems.append(f"boundary {a} is not on its task {task}")
    for flow_id, flow in flows.items():
        ends = {flow.get("sourceRef"), flow.get("targetRef")}
        ends |= {host[e] for e in list(ends) if e in host}
        ends |= {s for e in list(ends) for s in inside.get(e, ())}
        points = edges[flow_id]
        for p, q in zip(points, points[1:]):
            for node in ids:
                if node not in ends and _overlap(_segment_box(p, q), shapes[node], inset=1):
                    problems.append(f"edge {flow_id} crosses {node}")
    return problems
