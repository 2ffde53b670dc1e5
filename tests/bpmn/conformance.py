"""Small diagrams written from the BPMN 2.0 specification and SpiffWorkflow's documentation, one
pattern each, for the conformance tests (issue 14): what the library runs, the engine runs.

``definitions(process(...), ...)`` wraps process bodies in a BPMN document; the bodies are plain
BPMN XML with the ``bpmn:`` prefix. No diagram interchange: the engine does not need it.
"""
from __future__ import annotations

from engine.definitions import deployment

NAMESPACES = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
              'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
              'xmlns:petitions="urn:petitions:bpmn:1"')


def process(pid: str, body: str, *, executable: bool | None = True, lane: bool = True) -> str:
    """A process; ``executable`` None leaves ``isExecutable`` out. With ``lane`` every user task
    of the body sits in one lane of the handling officer."""
    attr = "" if executable is None else f' isExecutable="{"true" if executable else "false"}"'
    lanes = ""
    if lane:
        from lxml import etree
        tree = etree.fromstring(f"<r {NAMESPACES}>{body}</r>".encode())
        refs = "".join(f"<bpmn:flowNodeRef>{el.get('id')}</bpmn:flowNodeRef>"
                       for el in tree.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask"))
        if refs:
            lanes = (f'<bpmn:laneSet id="LS_{pid}"><bpmn:lane id="L_{pid}" name="Cán bộ xử lý" '
                     f'petitions:role="handling_officer">{refs}</bpmn:lane></bpmn:laneSet>')
    return f'<bpmn:process id="{pid}" name="{pid}"{attr}>{lanes}{body}</bpmn:process>'


def definitions(*parts: str, encoding: str = "UTF-8") -> bytes:
    """A BPMN document holding ``parts`` (processes, messages, signals...)."""
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n'
            f'<bpmn:definitions {NAMESPACES} id="D" targetNamespace="urn:test">'
            + "".join(parts) + "</bpmn:definitions>").encode("utf-8")


def flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'
    return (f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
            f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>")


def script(sid: str, code: str) -> str:
    return f'<bpmn:scriptTask id="{sid}"><bpmn:script>{code}</bpmn:script></bpmn:scriptTask>'


def chain(*nodes: str, prefix: str = "f") -> str:
    """Nodes given as ids joined by sequence flows, in order (flows named prefix1, prefix2...)."""
    return "".join(flow(f"{prefix}{i}", a, b) for i, (a, b) in enumerate(zip(nodes, nodes[1:]), 1))


def deploy(ctx, name: str, content: bytes) -> list[dict]:
    return deployment.deploy(ctx, {name: content}, actor="admin")


def start(ctx, key: str, **kwargs) -> int:
    from engine.running import instances
    return instances.start(ctx, key, actor="admin", **kwargs)["instance_id"]


def details(ctx, instance_id: int) -> dict:
    from engine.running import instances
    return instances.details(ctx, instance_id)


def ready(ctx, instance_id: int) -> list[str]:
    from engine.work import human_tasks
    return sorted(t["bpmn_id"] for t in human_tasks.list_tasks(ctx, instance_id=instance_id))


def complete(ctx, instance_id: int, bpmn_id: str, data: dict | None = None) -> dict:
    """Complete the ready task ``bpmn_id`` of the instance as an actor holding every role."""
    from engine.work import human_tasks
    from tests.bpmn.harness import EVERYONE
    task = next(t for t in human_tasks.list_tasks(ctx, instance_id=instance_id)
                if t["bpmn_id"] == bpmn_id)
    return human_tasks.complete(ctx, task["id"], EVERYONE, data or {})


def user(uid: str) -> str:
    return f'<bpmn:userTask id="{uid}" name="{uid}"/>'
