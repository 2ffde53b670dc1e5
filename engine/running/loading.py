"""Loading a workflow: the cached definition view, a new or restored workflow with its script budget."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy.orm import defer

from engine.errors import NotFound
from engine.persistence.models import ProcessDefinition, ProcessInstance
from engine.persistence.serialization import load_spec, load_state
from engine.scripting.budget import Budget
from engine.scripting.sandbox import with_budget

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.persistence.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class DefinitionView:
    """What running an instance needs of its (immutable) definition, cached per context: the
    restored spec and the declarations, without the stored BPMN files."""

    id: int
    process_key: str
    version: int
    name: str
    forms: dict
    lane_roles: dict
    task_units: dict
    spec: object
    subprocess_specs: dict


def load_definition(ctx: "EngineContext", uow: "UnitOfWork", definition_id: int) -> DefinitionView:
    """The definition of an instance, from the context's cache after its first use.

    Deployed versions never change, so a cached entry never goes stale; reading it once per
    process saves a query (and the large spec column) on every workflow step.
    """
    def build() -> DefinitionView:
        definition = uow.session.get(ProcessDefinition, definition_id, options=[
            defer(ProcessDefinition.files)])
        if definition is None:
            raise NotFound(f"Không tìm thấy định nghĩa quy trình #{definition_id}")
        spec, subs = spec_of(ctx, definition)
        return DefinitionView(definition.id, definition.process_key, definition.version,
                              definition.name, definition.forms or {},
                              definition.lane_roles or {}, definition.task_units or {}, spec, subs)
    return ctx.definitions.get(definition_id, build)


def spec_of(ctx: "EngineContext", definition) -> tuple:
    """(spec, subprocess specs) of a DefinitionView or a ProcessDefinition row."""
    if isinstance(definition, DefinitionView):
        return definition.spec, definition.subprocess_specs
    return ctx.specs.get(definition.id, lambda: load_spec(definition.spec_json))


def new_budget(ctx: "EngineContext", *, shared: bool = False) -> Budget:
    """The CPU budget of one unit of work (``shared``: one batch of several instances)."""
    return Budget(ctx.script_cpu_budget_s, shared=shared, max_steps=ctx.step_budget)


def new_workflow(ctx: "EngineContext", definition, *, budget: Budget | None = None) -> BpmnWorkflow:
    spec, subs = spec_of(ctx, definition)
    return BpmnWorkflow(spec, subs, script_engine=with_budget(ctx.script_engine(),
                                                              budget or new_budget(ctx)))


def load_workflow(ctx: "EngineContext", definition, instance: ProcessInstance, *,
                  budget: Budget | None = None) -> BpmnWorkflow:
    """Restore an instance's workflow; its scripts run under ``budget`` (a fresh one per command
    unless the caller shares one across a batch)."""
    spec, subs = spec_of(ctx, definition)
    workflow = load_state(instance.state, spec, subs)
    # The script engine is not serialized: without this the library's unrestricted default runs.
    workflow.script_engine = with_budget(ctx.script_engine(), budget or new_budget(ctx))
    return workflow
