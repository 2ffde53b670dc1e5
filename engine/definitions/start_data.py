"""The start data a process declares: the variables its first steps read, which a start must give.

Without it a start with missing data is accepted, and the instance goes straight to error when a
script reads the name (NameError) — after the instance was written. A process declares its needs
on its (plain) start event, with SpiffWorkflow's own properties extension::

    <bpmn:startEvent id="start">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="startData" value="opened_on, category"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:startEvent>

The spiff parser keeps it as ``extensions["properties"]`` on the start event's spec, and the spec
serializer stores it with the deployed version. Names are separated by commas or spaces. Only plain
start events count: a message start event receives its data from the message.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from engine.errors import InvalidInput

START_DATA_PROPERTY = "startData"


class MissingStartData(InvalidInput):
    """A start without data its process declares; nothing was written. ``fields`` names them."""

    code = "missing_start_data"

    def __init__(self, process_key: str, fields: list[str]):
        super().__init__(f"Thiếu dữ liệu khởi tạo của quy trình '{process_key}': "
                         f"{', '.join(fields)}")
        self.process_key = process_key
        self.fields = fields


def declared_names(spec) -> list[str]:
    """The names declared on the plain start events of a process spec, in declaration order."""
    names: list[str] = []
    for task_spec in spec.task_specs.values():
        if not isinstance(task_spec, StartEvent) or \
                not isinstance(task_spec.event_definition, NoneEventDefinition):
            continue
        properties = (getattr(task_spec, "extensions", None) or {}).get("properties") or {}
        for name in re.split(r"[\s,]+", properties.get(START_DATA_PROPERTY) or ""):
            if name and name not in names:
                names.append(name)
    return names


def invalid_names(spec) -> list[str]:
    """Declared names that no start data could ever give (checked when deploying)."""
    return [name for name in declared_names(spec)
            if not name.isidentifier() or name.startswith("_")]


def check_start_data(spec, process_key: str, data: Mapping[str, Any]) -> None:
    """Refuse a start whose data lacks a declared name (or gives it empty)."""
    missing = [name for name in declared_names(spec) if data.get(name) in (None, "")]
    if missing:
        raise MissingStartData(process_key, missing)
