"""Message correlation by correlation properties (BPMN 2.0 §8.3.2), for messages from outside.

A BPMN message may declare correlation properties: each has a retrieval expression, evaluated on
the message's payload, and belongs to correlation keys. An instance holds its own values of the
keys (``workflow.correlations``): set by the message that started or reached it (key-based
correlation) or, with ``spiffworkflow:processVariableCorrelation``, from its own data when a catch
starts waiting (context-based). SpiffWorkflow compares the two inside ``send_event``; routing a
message to the right instance among thousands is the application's job. The values are kept on
the instance row at every save (``ProcessInstance.correlations``) so that candidates are found
without loading their workflows.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition

from engine.errors import InvalidInput
from engine.running.loading import new_budget
from engine.scripting.sandbox import with_budget

if TYPE_CHECKING:
    from engine.context import EngineContext

Correlations = dict[str, dict[str, Any]]


def _definitions_of(spec) -> list:
    """Every event definition of ``spec``'s tasks, the parts of combined ones included (an
    event-based gateway waits on a MultipleEventDefinition of its events)."""
    found = []
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if definition is None:
            continue
        found.append(definition)
        found.extend(getattr(definition, "event_definitions", ()))
    return found


def message_properties(definition, name: str) -> list:
    """The correlation properties that the message ``name`` carries in a deployed definition (its
    processes and the processes it calls), each once."""
    properties, seen = [], set()
    for spec in [definition.spec, *definition.subprocess_specs.values()]:
        for event in _definitions_of(spec):
            if not isinstance(event, MessageEventDefinition) or event.name != name:
                continue
            for prop in event.correlation_properties:
                if prop.name not in seen:
                    seen.add(prop.name)
                    properties.append(prop)
    return properties


def message_correlations(ctx: "EngineContext", definition, name: str,
                         payload: Mapping[str, Any]) -> Correlations:
    """The key values the message carries, computed as the library does on catching it; a payload
    that lacks a property is refused, naming it (the library would raise a bare NameError)."""
    properties = message_properties(definition, name)
    if not properties:
        return {}
    environment = with_budget(ctx.script_engine(), new_budget(ctx)).environment
    correlations: Correlations = {}
    for prop in properties:
        try:
            value = environment.evaluate(prop.retrieval_expression, dict(payload))
        except Exception as err:  # any failure of the diagram's expression on this payload is bad input
            raise InvalidInput(
                f"Thông điệp '{name}' thiếu thuộc tính tương quan '{prop.name}' (biểu thức "
                f"'{prop.retrieval_expression}' trên dữ liệu gửi kèm: {type(err).__name__})"
            ) from None
        for key in prop.correlation_keys:
            correlations.setdefault(key, {})[prop.name] = value
    return correlations


def workflow_correlations(workflow) -> Correlations | None:
    """The key values an instance holds, in its workflow and every subprocess (a catch inside a
    call activity keeps them on the subprocess), merged; None when there are none."""
    merged: Correlations = {}
    for holder in [workflow, *workflow.subprocesses.values()]:
        for key, values in (getattr(holder, "correlations", None) or {}).items():
            merged.setdefault(key, {}).update(values)
    return merged or None


def matches(held: Mapping[str, Any] | None, carried: Correlations) -> bool:
    """Does an instance holding ``held`` receive a message carrying ``carried``, when no business
    key chooses it? Every key both know must agree, and at least one must: an instance without
    values is never chosen by a value alone."""
    if not held or not carried:
        return False
    common = [key for key in carried if key in held]
    return bool(common) and all(held[key] == carried[key] for key in common)
