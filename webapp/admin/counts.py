"""How many cases each process has, per version and status, as the process list shows them.

A process runs either as its own instance (``process_instances.process_key``) or called by another
(a complaint runs inside the intake instance that called it, with no row of its own). Counting
the rows alone showed "no case" for the complaint process while complaints were running, so the
called runs are counted too: an instance of a caller ran the called process when one of that
process's human tasks appeared in it (``human_tasks`` keeps every task, finished ones included;
user task ids are unique within a deployed bundle, so the ids say which process a task is of).
A run is shown with its caller instance's status. Indexed queries only: no workflow state is read.

Only the cases of the administrator's units (and cases of no unit) are counted: administrators
see cases of their own unit only (docs/security.md).
"""
from __future__ import annotations

import json

from sqlalchemy import and_, case, func, or_, select

from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance

HUMAN_TYPES = {"UserTask", "ManualTask"}
EMBEDDED_TYPES = {"SubWorkflowTask", "TransactionSubprocess"}


def _visible(units: frozenset[str]):
    """The instance rows an administrator of ``units`` may count (docs/security.md)."""
    return or_(ProcessInstance.unit_code.is_(None), ProcessInstance.unit_code.in_(sorted(units)))


def direct_counts(session, units: frozenset[str]) -> dict[int, dict[str, int]]:
    """definition id -> status -> number of its own instances."""
    rows = session.execute(
        select(ProcessInstance.definition_id, ProcessInstance.status, func.count())
        .where(_visible(units))
        .group_by(ProcessInstance.definition_id, ProcessInstance.status)).all()
    counts: dict[int, dict[str, int]] = {}
    for definition_id, status, count in rows:
        counts.setdefault(definition_id, {})[status] = count
    return counts


# definition id -> (sha256, called key -> its human task ids): a deployed version never changes,
# so its spec is read once per process.
_CALLED: dict[int, tuple[str, dict[str, frozenset[str]]]] = {}


def _human_tasks_of(specs: dict, name: str, seen: set[str]) -> set[str]:
    """Human task ids of spec ``name`` and of the sub-processes embedded in it (not of the
    processes it calls: those are counted as themselves)."""
    if name in seen or name not in specs:
        return set()
    seen.add(name)
    ids: set[str] = set()
    for task_spec in (specs[name].get("task_specs") or {}).values():
        if task_spec.get("typename") in HUMAN_TYPES and task_spec.get("bpmn_id"):
            ids.add(task_spec["bpmn_id"])
        elif task_spec.get("typename") in EMBEDDED_TYPES and task_spec.get("spec"):
            ids |= _human_tasks_of(specs, task_spec["spec"], seen)
    return ids


def _called_in(spec_json: str) -> dict[str, frozenset[str]]:
    """called process key -> ids of its human tasks, for every process a version calls."""
    data = json.loads(spec_json)
    specs = dict(data.get("subprocess_specs") or {})
    called: set[str] = set()
    for spec in [data.get("spec") or {}, *specs.values()]:
        for task_spec in (spec.get("task_specs") or {}).values():
            if task_spec.get("typename") == "CallActivity" and task_spec.get("spec"):
                called.add(task_spec["spec"])
    result = {key: frozenset(_human_tasks_of(specs, key, set())) for key in sorted(called)}
    return {key: ids for key, ids in result.items() if ids}


def _called_by_definition(session) -> dict[int, dict[str, frozenset[str]]]:
    rows = session.execute(select(ProcessDefinition.id, ProcessDefinition.sha256)).all()
    missing = [row.id for row in rows if _CALLED.get(row.id, ("",))[0] != row.sha256]
    for start in range(0, len(missing), 50):
        for definition_id, sha256, spec_json in session.execute(
                select(ProcessDefinition.id, ProcessDefinition.sha256, ProcessDefinition.spec_json)
                .where(ProcessDefinition.id.in_(missing[start:start + 50]))):
            _CALLED[definition_id] = (sha256, _called_in(spec_json))
    return {row.id: _CALLED[row.id][1] for row in rows if _CALLED[row.id][1]}


def called_counts(session, units: frozenset[str]) -> dict[str, dict[int, dict[str, int]]]:
    """called key -> caller definition id -> status -> number of runs, in one query on indexed
    columns (a task id says which called process it is of, within its caller's versions)."""
    by_key: dict[str, dict[int, frozenset[str]]] = {}
    for definition_id, called in _called_by_definition(session).items():
        for key, ids in called.items():
            by_key.setdefault(key, {})[definition_id] = ids
    if not by_key:
        return {}
    whens = [(and_(ProcessInstance.definition_id.in_(sorted(callers)),
                   HumanTask.bpmn_id.in_(sorted(frozenset().union(*callers.values())))), key)
             for key, callers in sorted(by_key.items())]
    called_key = case(*whens, else_=None).label("called_key")
    rows = session.execute(
        select(called_key, ProcessInstance.definition_id, ProcessInstance.status,
               func.count(func.distinct(ProcessInstance.id)))
        .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .where(_visible(units), or_(*(condition for condition, _ in whens)))
        .group_by(called_key, ProcessInstance.definition_id, ProcessInstance.status)).all()
    result: dict[str, dict[int, dict[str, int]]] = {}
    for key, definition_id, status, count in rows:
        if key is not None:
            result.setdefault(key, {}).setdefault(definition_id, {})[status] = count
    return result
