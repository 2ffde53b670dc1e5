"""Workflow state and spec (de)serialization, with the spec stored once per definition version.

SpiffWorkflow embeds the whole spec in every saved workflow (about half of a small instance's
JSON). We store the spec once on ``process_definitions`` and keep instance state spec-free: the
workflow converter below leaves the spec out, and on load the cached spec objects are put back
into the dictionary before the library restores it (its ``restore`` passes unknown objects through
unchanged).
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import date
from decimal import Decimal

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpecFreeWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Task data may hold dates and decimals (form values, calendar helpers); the library does not
    # know them (spiffworkflow-notes "Serialization").
    registry.register(date, lambda v: {"value": v.isoformat()},
                      lambda v: date.fromisoformat(v["value"]), typename="date")
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]),
                      typename="Decimal")
    return BpmnWorkflowSerializer(registry)


_SERIALIZER = _make_serializer()


def registry():
    """The serializer registry (SpiffWorkflow's diff utilities compare specs with it)."""
    return _SERIALIZER.registry


def dump_spec(spec, subprocess_specs: dict) -> str:
    registry = _SERIALIZER.registry
    return json.dumps({
        "spec": registry.convert(spec),
        "subprocess_specs": {name: registry.convert(sub) for name, sub in subprocess_specs.items()},
    })


def load_spec(spec_json: str):
    data = json.loads(spec_json)
    registry = _SERIALIZER.registry
    spec = registry.restore(data["spec"])
    subs = {name: registry.restore(sub) for name, sub in data["subprocess_specs"].items()}
    for process_spec in [spec, *subs.values()]:
        _link_event_subprocesses(process_spec)
    return spec, subs


def _link_event_subprocesses(process_spec) -> None:
    """Give each event-triggered sub-process its links (start task in, end out) up front.

    SpiffWorkflow 3.2.0 makes them only when the event first arrives (``BpmnStartTask.trigger_wf``)
    and by mutating the spec. A spec restored from what was stored at deploy time then lacks them,
    and a restored instance whose event sub-process already runs fails ("No input task
    connected"); and since the spec is shared by every instance, the library's own link (the
    start task's new output) would start the sub-process in every instance started afterwards.
    The links made here are the library's except that one output, so ``trigger_wf`` finds the
    sub-process connected and changes nothing.
    """
    end = getattr(process_spec, "end", None)
    for task_spec in list(process_spec.task_specs.values()):
        for name in getattr(task_spec, "trigger_specs", ()):
            sub = process_spec.task_specs.get(name)
            if sub is None or end is None:
                continue
            if task_spec.name not in sub._inputs:
                sub._inputs.append(task_spec.name)
            if end.name not in sub._outputs:
                sub._outputs.append(end.name)
                end._inputs.append(sub.name)


def dump_state(workflow: BpmnWorkflow) -> str:
    return _SERIALIZER.serialize_json(workflow)


def load_state(state: str, spec, subprocess_specs: dict) -> BpmnWorkflow:
    dct = json.loads(state)
    _SERIALIZER.migrate(dct)
    dct["spec"] = spec
    dct["subprocess_specs"] = dict(subprocess_specs)
    return _SERIALIZER.from_dict(dct)


def to_jsonable(value):
    """Task data as plain JSON (dates as ISO strings) for the CLI, the web and audit payloads."""
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value):
    if isinstance(value, (date,)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return None


class BoundedCache:
    """Values by key, the least recently used dropped past ``max_entries``; for what never goes
    stale once deployed (restored specs, definition views). ``build`` runs on a miss, outside the
    lock; if it raises, nothing is cached."""

    def __init__(self, max_entries: int = 256):
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key, build):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry
        entry = build()
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return entry
