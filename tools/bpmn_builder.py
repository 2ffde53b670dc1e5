"""Authoring aid: describe a process in Python, get BPMN 2.0 XML with diagram interchange.

The generated ``processes/<key>/<key>.bpmn`` files are what gets deployed and what administrators
open in the modeler; this builder only saves hand-placing hundreds of shapes. Layout is a grid:
rows are lanes (roles) split into sub-rows, columns are grouped into phases (shown as BPMN groups),
and every flow node owns one grid cell, so shapes never overlap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
COL_W, ROW_H = 180, 130
POOL_LABEL_W, LANE_LABEL_W, MARGIN = 30, 30, 20
SIZES = {"task": (120, 80), "gateway": (50, 50), "event": (36, 36)}
TASK_TAGS = {"userTask", "manualTask", "scriptTask", "businessRuleTask", "callActivity", "task"}
EVENT_TAGS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"}


@dataclass
class Field:
    name: str
    type: str
    label: str
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)  # min, max, max_length, help, default

    def xml(self) -> str:
        attrs = {"name": self.name, "type": self.type, "label": self.label,
                 **({"required": "true"} if self.required else {}), **self.extra}
        head = "<petitions:field " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in attrs.items())
        if not self.choices:
            return head + "/>"
        body = "".join(f"<petitions:choice value={quoteattr(v)} label={quoteattr(lbl)}/>"
                       for v, lbl in self.choices)
        return f"{head}>{body}</petitions:field>"


@dataclass
class Node:
    id: str
    tag: str
    name: str
    lane: str
    phase: int
    col: int
    row: int = 0
    body: str = ""            # inner XML (script, event definition, extensions)
    attrs: dict = field(default_factory=dict)
    parent: str | None = None  # the event sub-process holding it

    @property
    def kind(self) -> str:
        if self.tag == "subProcess":
            return "subprocess"
        if self.tag in TASK_TAGS:
            return "task"
        return "gateway" if self.tag.endswith("Gateway") else "event"


@dataclass
class Boundary:
    id: str
    name: str
    attached: str
    time_date: str | None = None
    time_duration: str | None = None
    interrupting: bool = False
    slot: int = 0             # several boundary events on one task


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str | None = None
    condition: str | None = None


class Process:
    def __init__(self, key: str, name: str, documentation: str = ""):
        self.key, self.name, self.documentation = key, name, documentation
        self.lanes: list[tuple[str, str, str]] = []     # (id, name, role)
        self.phases: list[str] = []
        self.nodes: dict[str, Node] = {}
        self.boundaries: dict[str, Boundary] = {}
        self.flows: list[Flow] = []
        self.defaults: dict[str, str] = {}              # gateway id -> default flow id
        self.messages: dict[str, str] = {}              # message id -> BPMN message name

    # ---- declaration -------------------------------------------------------------------------
    def lane(self, lane_id: str, name: str, role: str) -> "Process":
        self.lanes.append((lane_id, name, role))
        return self

    def phase(self, name: str) -> int:
        self.phases.append(name)
        return len(self.phases) - 1

    def _add(self, node: Node) -> str:
        if node.id in self.nodes or node.id in self.boundaries:
            raise ValueError(f"duplicate id {node.id}")
        self.nodes[node.id] = node
        return node.id

    def start(self, id, name, lane, phase, col, row=0, start_data: str = ""):
        """``start_data``: the variables a start must give, e.g. "received_on" (the engine refuses
        a start without them; docs/process-authoring.md, "Start data")."""
        body = ("<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property "
                f'name="startData" value={quoteattr(start_data)}/></spiffworkflow:properties>'
                "</bpmn:extensionElements>") if start_data else ""
        return self._add(Node(id, "startEvent", name, lane, phase, col, row, body))

    def message(self, id, name) -> str:
        """A BPMN message (``name`` is what ``petitions message NAME`` delivers)."""
        self.messages[id] = name
        return id

    def event_subprocess(self, id, name, lane, phase, doc: str = "") -> str:
        """An event sub-process (triggeredByEvent); its shape encloses the nodes given it as
        ``parent``, each in its own grid cell."""
        return self._add(Node(id, "subProcess", name, lane, phase, 0, 0, _doc(doc),
                              {"triggeredByEvent": "true"}))

    def message_start(self, id, name, lane, phase, col, message: str, row=0, parent=None,
                      variable: str | None = None, interrupting: bool = True):
        """A message start event (of an event sub-process); the payload lands in ``variable``."""
        ext = ("<bpmn:extensionElements><spiffworkflow:messageVariable>"
               f"{escape(variable)}</spiffworkflow:messageVariable></bpmn:extensionElements>"
               if variable else "")
        body = f'<bpmn:messageEventDefinition id="{id}_def" messageRef="{message}">{ext}' \
               "</bpmn:messageEventDefinition>"
        attrs = {} if interrupting else {"isInterrupting": "false"}
        return self._add(Node(id, "startEvent", name, lane, phase, col, row, body, attrs, parent))

    def end(self, id, name, lane, phase, col, row=0, terminate=False, parent=None):
        body = f'<bpmn:terminateEventDefinition id="{id}_def"/>' if terminate else ""
        return self._add(Node(id, "endEvent", name, lane, phase, col, row, body, parent=parent))

    def user(self, id, name, lane, phase, col, row=0, form: list[Field] = (), doc: str = "",
             unit: str | None = None, parent=None):
        ext = ""
        if form:
            ext = ("<bpmn:extensionElements><petitions:form>" + "".join(f.xml() for f in form)
                   + "</petitions:form></bpmn:extensionElements>")
        attrs = {"petitions:unit": unit} if unit else {}
        return self._add(Node(id, "userTask", name, lane, phase, col, row,
                              _doc(doc) + ext, attrs, parent))

    def script(self, id, name, lane, phase, col, code: str, row=0, doc: str = "", parent=None):
        return self._add(Node(id, "scriptTask", name, lane, phase, col, row,
                              _doc(doc) + f"<bpmn:script>{escape(code.strip())}</bpmn:script>",
                              parent=parent))

    def rule(self, id, name, lane, phase, col, decision: str, row=0, doc: str = ""):
        ext = ("<bpmn:extensionElements><spiffworkflow:calledDecisionId>"
               f"{escape(decision)}</spiffworkflow:calledDecisionId></bpmn:extensionElements>")
        return self._add(Node(id, "businessRuleTask", name, lane, phase, col, row, _doc(doc) + ext))

    def call(self, id, name, lane, phase, col, called: str, row=0, doc: str = ""):
        return self._add(Node(id, "callActivity", name, lane, phase, col, row, _doc(doc),
                              {"calledElement": called}))

    def xor(self, id, name, lane, phase, col, row=0):
        return self._add(Node(id, "exclusiveGateway", name, lane, phase, col, row))

    def parallel(self, id, name, lane, phase, col, row=0):
        return self._add(Node(id, "parallelGateway", name, lane, phase, col, row))

    def timer_catch(self, id, name, lane, phase, col, time_date: str, row=0):
        body = (f'<bpmn:timerEventDefinition id="{id}_def"><bpmn:timeDate>{escape(time_date)}'
                "</bpmn:timeDate></bpmn:timerEventDefinition>")
        return self._add(Node(id, "intermediateCatchEvent", name, lane, phase, col, row, body))

    def timer(self, id, name, attached, *, time_date=None, time_duration=None,
              interrupting=False, slot=0):
        """A boundary timer on a task: a legal deadline. Non-interrupting by default (remind/escalate)."""
        if id in self.nodes or id in self.boundaries:
            raise ValueError(f"duplicate id {id}")
        self.boundaries[id] = Boundary(id, name, attached, time_date, time_duration,
                                       interrupting, slot)
        return id

    def flow(self, source, target, name=None, condition=None, default=False, id=None):
        flow_id = id or f"Flow_{source}_{target}"
        self.flows.append(Flow(flow_id, source, target, name, condition))
        if default:
            self.defaults[source] = flow_id
        return flow_id

    # ---- output ------------------------------------------------------------------------------
    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_xml(), encoding="utf-8")

    def to_xml(self) -> str:
        self._check()
        layout = _Layout(self)
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<bpmn:definitions xmlns:bpmn="{BPMN}" '
            'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
            'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
            'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
            'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
            'xmlns:petitions="urn:petitions:bpmn:1" '
            f'id="Definitions_{self.key}" targetNamespace="urn:petitions:processes" '
            'exporter="petitions tools/bpmn_builder.py" exporterVersion="1">',
            f'<bpmn:collaboration id="Collaboration_{self.key}">'
            f'<bpmn:participant id="Participant_{self.key}" name={quoteattr(self.name)} '
            f'processRef="{self.key}"/></bpmn:collaboration>',
            f'<bpmn:process id="{self.key}" name={quoteattr(self.name)} isExecutable="true">',
            _doc(self.documentation),
            self._lanes_xml(),
            *(self._node_xml(n) for n in self.nodes.values() if n.parent is None),
            *(self._boundary_xml(b) for b in self.boundaries.values()),
            *(self._flow_xml(f) for f in self.flows if self._parent_of(f.source) is None),
            *(f'<bpmn:group id="Group_phase_{i}" categoryValueRef="CategoryValue_phase_{i}"/>'
              for i in range(len(self.phases))),
            "</bpmn:process>",
            *(f'<bpmn:message id="{mid}" name={quoteattr(name)}/>'
              for mid, name in self.messages.items()),
            f'<bpmn:category id="Category_phases_{self.key}">'
            + "".join(f'<bpmn:categoryValue id="CategoryValue_phase_{i}" value={quoteattr(p)}/>'
                      for i, p in enumerate(self.phases)) + "</bpmn:category>",
            layout.diagram_xml(),
            "</bpmn:definitions>",
        ]
        return "\n".join(p for p in parts if p) + "\n"

    def _check(self) -> None:
        known = set(self.nodes) | set(self.boundaries)
        for f in self.flows:
            if f.source not in known or f.target not in known:
                raise ValueError(f"flow {f.id} refers to an unknown element")
        lanes = {lane_id for lane_id, _, _ in self.lanes}
        cells = {}
        for node in self.nodes.values():
            if node.lane not in lanes:
                raise ValueError(f"{node.id}: unknown lane {node.lane}")
            if node.kind == "subprocess":
                continue  # drawn around its children, which own the cells
            cell = (node.lane, node.row, node.phase, node.col)
            if cell in cells:
                raise ValueError(f"{node.id} and {cells[cell]} share a grid cell {cell}")
            cells[cell] = node.id
        for b in self.boundaries.values():
            if b.attached not in self.nodes or self.nodes[b.attached].kind != "task":
                raise ValueError(f"{b.id}: boundary must be attached to a task")

    def _lanes_xml(self) -> str:
        lanes = []
        for lane_id, name, role in self.lanes:
            refs = [n.id for n in self.nodes.values() if n.lane == lane_id]
            refs += [b.id for b in self.boundaries.values() if self.nodes[b.attached].lane == lane_id]
            lanes.append(f'<bpmn:lane id="{lane_id}" name={quoteattr(name)} petitions:role="{role}">'
                         + "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in refs)
                         + "</bpmn:lane>")
        return f'<bpmn:laneSet id="LaneSet_{self.key}">' + "".join(lanes) + "</bpmn:laneSet>"

    def _io(self, element_id: str) -> str:
        inc = "".join(f"<bpmn:incoming>{f.id}</bpmn:incoming>" for f in self.flows if f.target == element_id)
        out = "".join(f"<bpmn:outgoing>{f.id}</bpmn:outgoing>" for f in self.flows if f.source == element_id)
        return inc + out

    def _parent_of(self, element_id: str) -> str | None:
        node = self.nodes.get(element_id)
        return node.parent if node is not None else None

    def _node_xml(self, node: Node) -> str:
        if node.kind == "subprocess":
            inner = [self._node_xml(n) for n in self.nodes.values() if n.parent == node.id]
            inner += [self._flow_xml(f) for f in self.flows if self._parent_of(f.source) == node.id]
            attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in
                             {"id": node.id, "name": node.name, **node.attrs}.items())
            return f"<bpmn:subProcess {attrs}>{node.body}{''.join(inner)}</bpmn:subProcess>"
        attrs = {"id": node.id, "name": node.name, **node.attrs}
        if node.id in self.defaults:
            attrs["default"] = self.defaults[node.id]
        attr_text = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
        body = node.body
        # BPMN's schema order: documentation, extensionElements, incoming/outgoing, then the rest.
        split = body.find("<bpmn:script>")
        split = body.find("<bpmn:terminateEventDefinition") if split < 0 else split
        split = body.find("<bpmn:timerEventDefinition") if split < 0 else split
        split = body.find("<bpmn:messageEventDefinition") if split < 0 else split
        head, tail = (body, "") if split < 0 else (body[:split], body[split:])
        return f"<bpmn:{node.tag} {attr_text}>{head}{self._io(node.id)}{tail}</bpmn:{node.tag}>"

    def _boundary_xml(self, b: Boundary) -> str:
        kind, value = ("timeDate", b.time_date) if b.time_date else ("timeDuration", b.time_duration)
        interrupting = "" if b.interrupting else ' cancelActivity="false"'
        return (f'<bpmn:boundaryEvent id="{b.id}" name={quoteattr(b.name)} '
                f'attachedToRef="{b.attached}"{interrupting}>{self._io(b.id)}'
                f'<bpmn:timerEventDefinition id="{b.id}_def"><bpmn:{kind}>{escape(value)}'
                f"</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:boundaryEvent>")

    def _flow_xml(self, f: Flow) -> str:
        name = f" name={quoteattr(f.name)}" if f.name else ""
        head = f'<bpmn:sequenceFlow id="{f.id}"{name} sourceRef="{f.source}" targetRef="{f.target}"'
        if f.condition is None:
            return head + "/>"
        return (head + f'><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f"{escape(f.condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>")


def _doc(text: str) -> str:
    return f"<bpmn:documentation>{escape(text.strip())}</bpmn:documentation>" if text.strip() else ""


class _Layout:
    """Grid coordinates, shapes and orthogonal edge routes for a Process."""

    def __init__(self, process: Process):
        self.p = process
        widths = [1] * len(process.phases)
        for node in process.nodes.values():
            widths[node.phase] = max(widths[node.phase], node.col + 1)
        self.phase_start = [sum(widths[:i]) for i in range(len(widths))]
        self.phase_width = widths
        rows = {lane_id: 1 for lane_id, _, _ in process.lanes}
        for node in process.nodes.values():
            rows[node.lane] = max(rows[node.lane], node.row + 1)
        self.lane_top, top = {}, MARGIN
        for lane_id, _, _ in process.lanes:
            self.lane_top[lane_id] = top
            top += rows[lane_id] * ROW_H
        self.lane_rows = rows
        self.height = top - MARGIN
        self.width = LANE_LABEL_W + POOL_LABEL_W + sum(widths) * COL_W + MARGIN
        self.x0 = MARGIN + POOL_LABEL_W + LANE_LABEL_W

    def center(self, node: Node) -> tuple[int, int]:
        col = self.phase_start[node.phase] + node.col
        return (self.x0 + col * COL_W + COL_W // 2,
                self.lane_top[node.lane] + node.row * ROW_H + ROW_H // 2)

    def bounds(self, element_id: str) -> tuple[int, int, int, int]:
        if element_id in self.p.boundaries:
            b = self.p.boundaries[element_id]
            tx, ty, tw, th = self.bounds(b.attached)
            return (tx + tw - 30 - b.slot * 44, ty + th - 18, 36, 36)
        node = self.p.nodes[element_id]
        if node.kind == "subprocess":
            boxes = [self.bounds(n.id) for n in self.p.nodes.values() if n.parent == node.id]
            left, top = min(b[0] for b in boxes) - 24, min(b[1] for b in boxes) - 22
            right = max(b[0] + b[2] for b in boxes) + 24
            bottom = max(b[1] + b[3] for b in boxes) + 22
            return (left, top, right - left, bottom - top)
        w, h = SIZES[node.kind]
        cx, cy = self.center(node)
        return (cx - w // 2, cy - h // 2, w, h)

    def waypoints(self, flow: Flow) -> list[tuple[int, int]]:
        sx, sy, sw, sh = self.bounds(flow.source)
        tx, ty, tw, th = self.bounds(flow.target)
        if flow.source in self.p.boundaries:
            return self._boundary_route((sx + sw // 2, sy + sh), (tx, ty, tw, th))
        start = (sx + sw, sy + sh // 2)
        end = (tx, ty + th // 2)
        if end[0] > start[0]:
            if start[1] == end[1]:
                return [start, end]
            mid = end[0] - 30
            return [start, (mid, start[1]), (mid, end[1]), end]
        # Backward flow (a loop): under the source row, back left, up into the target's bottom.
        channel = max(sy + sh, ty + th) + 25
        bottom_start = (sx + sw // 2, sy + sh)
        bottom_end = (tx + tw // 2, ty + th)
        return [bottom_start, (bottom_start[0], channel), (bottom_end[0], channel), bottom_end]

    @staticmethod
    def _boundary_route(start, target) -> list[tuple[int, int]]:
        """Leave a boundary event downwards, then reach the target from the left or below."""
        tx, ty, tw, th = target
        centre_y = ty + th // 2
        if tx > start[0] and centre_y > start[1]:
            return [start, (start[0], centre_y), (tx, centre_y)]
        if tx > start[0]:
            lane = start[1] + 20
            return [start, (start[0], lane), (tx - 30, lane), (tx - 30, centre_y), (tx, centre_y)]
        channel = max(start[1], ty + th) + 20
        return [start, (start[0], channel), (tx + tw // 2, channel), (tx + tw // 2, ty + th)]

    def diagram_xml(self) -> str:
        p = self.p
        shapes = [f'<bpmndi:BPMNShape id="Participant_{p.key}_di" bpmnElement="Participant_{p.key}" '
                  f'isHorizontal="true">{_bounds(MARGIN, MARGIN, self.width, self.height)}</bpmndi:BPMNShape>']
        for lane_id, _, _ in p.lanes:
            shapes.append(f'<bpmndi:BPMNShape id="{lane_id}_di" bpmnElement="{lane_id}" isHorizontal="true">'
                          + _bounds(MARGIN + POOL_LABEL_W, self.lane_top[lane_id],
                                    self.width - POOL_LABEL_W, self.lane_rows[lane_id] * ROW_H)
                          + "</bpmndi:BPMNShape>")
        for i in range(len(p.phases)):
            x = self.x0 + self.phase_start[i] * COL_W + 4
            shapes.append(f'<bpmndi:BPMNShape id="Group_phase_{i}_di" bpmnElement="Group_phase_{i}">'
                          + _bounds(x, MARGIN + 4, self.phase_width[i] * COL_W - 8, self.height - 8)
                          + "</bpmndi:BPMNShape>")
        for node_id in list(p.nodes) + list(p.boundaries):
            tag = p.nodes[node_id].tag if node_id in p.nodes else None
            extra = {"exclusiveGateway": ' isMarkerVisible="true"',
                     "subProcess": ' isExpanded="true"'}.get(tag, "")
            shapes.append(f'<bpmndi:BPMNShape id="{node_id}_di" bpmnElement="{node_id}"{extra}>'
                          + _bounds(*self.bounds(node_id)) + "</bpmndi:BPMNShape>")
        edges = [f'<bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">'
                 + "".join(f'<di:waypoint x="{x}" y="{y}"/>' for x, y in self.waypoints(f))
                 + "</bpmndi:BPMNEdge>" for f in p.flows]
        return (f'<bpmndi:BPMNDiagram id="Diagram_{p.key}"><bpmndi:BPMNPlane id="Plane_{p.key}" '
                f'bpmnElement="Collaboration_{p.key}">' + "".join(shapes + edges)
                + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>")


def _bounds(x, y, w, h) -> str:
    return f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}"/>'
