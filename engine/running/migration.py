"""Moving running instances to a newer version of their process.

``plan_migration`` is the dry run: for every instance of one version it says whether it can move to
the target version and why not. ``migrate`` moves instances one by one, each in its own unit of
work (row lock, state, definition, human tasks, timers and an ``instance_migrated`` audit event
commit together); a failure on one instance is reported and the others go on.

The dry run and the migration run exactly the same check (``_migrate_in_memory``) on the instance
state, so what the plan promises is what ``migrate`` does. It uses SpiffWorkflow's
``SpiffWorkflow.bpmn.util.diff`` (what ``diff_workflow`` does, with the spec comparison shared per
version pair, then ``migrate_workflow`` on the top workflow and every subprocess). The rules:

* only ``waiting``, ``running`` and ``suspended`` instances move (a suspended one stays suspended);
  completed and terminated instances are history, an instance in error is retried first;
* only to a newer version of the same process key;
* refused when a task of the instance, active or already done, has no counterpart in the target
  version (the library would leave the task behind and the next load would fail), when a called
  process the instance is inside is gone, when an active step changed its kind (user task →
  script task…), or when the migrated state does not reload against the target version;
* a deadline already running (a waiting timer whose expression did not change) keeps its due
  time: the library's reset would otherwise start a duration timer again from now;
* open human tasks keep their row (claim, drafts, reminders) and take the new name, lane and role;
  a claim whose role changed goes back to the queue.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from sqlalchemy import select

from engine.audit.chain import PendingEvent
from engine.definitions.deployment import get_definition
from engine.errors import EngineError, InvalidInput, NotFound
from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.persistence.serialization import dump_state, load_state, registry
from engine.running import loading, locks, migration_checks as checks, saving, stepping

if TYPE_CHECKING:
    from engine.context import EngineContext

log = logging.getLogger(__name__)

MIGRATABLE = ("waiting", "running", "suspended")
MAX_BATCH = 500
MAX_PLAN = 2000
MAX_REASON = 1000

_REFUSED_STATUS = {
    "completed": "Hồ sơ đã kết thúc: không cần chuyển phiên bản",
    "terminated": "Hồ sơ đã bị chấm dứt: không chuyển phiên bản",
    "error": "Hồ sơ đang lỗi{where}: hãy xử lý lỗi (chạy lại bước lỗi) trước khi chuyển phiên bản",
}
_STAYS_SUSPENDED = "Hồ sơ đang tạm dừng: sau khi chuyển vẫn tạm dừng cho đến khi được tiếp tục"


@dataclass
class _Outcome:
    ok: bool
    reason: str
    active: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kept_timers: list[str] = field(default_factory=list)


class _SpecDiffs:
    """``SpecDiff`` per (old spec, new spec) pair, computed once per plan or batch.

    What ``diff_workflow`` does, with the spec comparison (the costly part: both specs are
    serialized) shared by every instance of the same version. The pair is kept in the entry so
    the ids used as keys cannot be reused while the cache lives.
    """

    def __init__(self):
        self._entries: dict[tuple[int, int], tuple] = {}

    def get(self, old, new) -> SpecDiff:
        key = (id(old), id(new))
        if key not in self._entries:
            self._entries[key] = (old, new, SpecDiff(registry(), old, new))
        return self._entries[key][2]

    def workflow_diffs(self, workflow, target_spec, target_subs):
        top = WorkflowDiff(workflow, self.get(workflow.spec, target_spec))
        subs = {}
        for sp_id, sub in workflow.subprocesses.items():
            new = target_subs.get(sub.spec.name)
            subs[sp_id] = WorkflowDiff(sub, self.get(sub.spec, new)) if new is not None else None
        return top, subs


def _migrate_in_memory(workflow, target_spec, target_subs, target_version: int,
                       diffs: _SpecDiffs | None = None) -> _Outcome:
    """Migrate ``workflow`` (changed in place) and say whether the result is safe to save."""
    active = checks.active_tasks(workflow)
    diffs = diffs or _SpecDiffs()
    try:
        top_diff, sub_diffs = diffs.workflow_diffs(workflow, target_spec, target_subs)
    except Exception as err:  # noqa: BLE001 - the library's alignment can fail on odd trees
        return _Outcome(False, f"Không so khớp được hồ sơ với phiên bản {target_version} "
                               f"({type(err).__name__}: {err})", active)
    problems = checks.removed_problems(top_diff, f"quy trình '{workflow.spec.name}'")
    problems += checks.retyped_problems(top_diff)
    for sp_id, sp_diff in sub_diffs.items():
        sub = workflow.subprocesses[sp_id]
        if sp_diff is None:
            problems.append(f"quy trình con '{sub.spec.name}' mà hồ sơ đang thực hiện không còn "
                            "trong phiên bản đích")
            continue
        problems += checks.removed_problems(sp_diff, f"quy trình con '{sub.spec.name}'")
        problems += checks.retyped_problems(sp_diff)
    if problems:
        return _Outcome(False, "Không thể chuyển: " + "; ".join(problems), active)
    timers_before = checks.waiting_timers(workflow)
    try:
        migrate_workflow(top_diff, workflow, target_spec)
        for sp_id, sp_diff in sub_diffs.items():
            sub = workflow.subprocesses[sp_id]
            migrate_workflow(sp_diff, sub, target_subs[sub.spec.name])
        workflow.subprocess_specs = dict(target_subs)
        kept = checks.restore_timers(workflow, timers_before)
    except Exception as err:  # noqa: BLE001 - e.g. a changed timer expression that fails now
        return _Outcome(False, f"Không thể chuyển: lỗi khi cập nhật hồ sơ theo phiên bản "
                               f"{target_version} ({type(err).__name__}: {err})", active)
    orphans = checks.orphans(workflow)
    if orphans:
        return _Outcome(False, "Không thể chuyển: các bước " + ", ".join(orphans) +
                        " không khớp được với phiên bản đích", active)
    try:  # the real proof: the migrated state reloads against the target version
        load_state(dump_state(workflow), target_spec, target_subs)
    except Exception as err:  # noqa: BLE001
        return _Outcome(False, f"Không thể chuyển: trạng thái sau khi chuyển không nạp lại được "
                               f"({type(err).__name__}: {err})", active)
    waiting = ", ".join(f"'{t['name'] or t['bpmn_id']}'" for t in active
                        if t["state"] in ("READY", "WAITING", "STARTED"))
    reason = (f"Có thể chuyển: các bước đang mở ({waiting}) đều có trong phiên bản {target_version}"
              if waiting else f"Có thể chuyển sang phiên bản {target_version}")
    return _Outcome(True, reason, checks.active_tasks(workflow), checks.structure_warnings(workflow), kept)


def _status_refusal(instance: ProcessInstance) -> str | None:
    if instance.status in MIGRATABLE:
        return None
    template = _REFUSED_STATUS.get(instance.status,
                                   "Hồ sơ ở trạng thái '{status}': không chuyển phiên bản")
    where = f" ở bước {instance.error_task}" if instance.error_task else ""
    return template.format(where=where, status=instance.status)


def _load(ctx: "EngineContext", instance: ProcessInstance, source) -> object:
    workflow = load_state(instance.state, *source)
    workflow.script_engine = ctx.script_engine()  # never the library's unrestricted default
    return workflow


def _entry(instance: ProcessInstance, from_version: int, to_version: int, ok: bool, reason: str,
           outcome: _Outcome | None = None) -> dict:
    return {"instance_id": instance.id, "business_key": instance.business_key,
            "status": instance.status, "can_migrate": ok, "reason": reason,
            "from_version": from_version, "to_version": to_version,
            "active_tasks": outcome.active if outcome else [],
            "warnings": outcome.warnings if outcome else [],
            "kept_timers": outcome.kept_timers if outcome else []}


def _check_versions(from_version: int, to_version: int) -> None:
    if to_version <= from_version:
        raise InvalidInput(f"Chỉ chuyển được sang phiên bản mới hơn (từ {from_version} sang "
                           f"{to_version} không hợp lệ)")


def plan_migration(ctx: "EngineContext", key: str, from_version: int, to_version: int,
                   instance_ids: Iterable[int] | None = None, *, limit: int = MAX_PLAN) -> list[dict]:
    """Dry run: ``[{instance_id, business_key, status, can_migrate, reason, ...}]``; writes nothing.

    Without ``instance_ids`` every instance of ``key`` version ``from_version`` is examined (up to
    ``limit``); named instances that are not on that version are reported as such.
    """
    _check_versions(from_version, to_version)
    wanted = _ids(instance_ids, allow_empty=True) if instance_ids is not None else None
    with ctx.uow(write=False) as uow:
        source_def = get_definition(uow, key, from_version)
        target_def = get_definition(uow, key, to_version)
        source, target = loading.spec_of(ctx, source_def), loading.spec_of(ctx, target_def)
        query = select(ProcessInstance).where(ProcessInstance.process_key == key)
        if wanted is not None:
            query = query.where(ProcessInstance.id.in_(wanted))
        else:
            query = query.where(ProcessInstance.definition_id == source_def.id)
        instances = uow.session.scalars(query.order_by(ProcessInstance.id).limit(limit)).all()
        versions = dict(uow.session.execute(select(ProcessDefinition.id, ProcessDefinition.version)
                                            .where(ProcessDefinition.process_key == key)).all())
        results = []
        diffs = _SpecDiffs()
        for instance in instances:
            if instance.definition_id != source_def.id:
                results.append(_entry(instance, versions.get(instance.definition_id), to_version,
                                      False, f"Hồ sơ đang ở phiên bản "
                                             f"{versions.get(instance.definition_id)}, không phải "
                                             f"phiên bản {from_version}"))
                continue
            refusal = _status_refusal(instance)
            if refusal:
                results.append(_entry(instance, from_version, to_version, False, refusal))
                continue
            try:
                workflow = _load(ctx, instance, source)
                outcome = _migrate_in_memory(workflow, *target, to_version, diffs)
            except Exception as err:  # noqa: BLE001 - one unreadable instance must not hide others
                log.exception("migration plan failed for instance %s", instance.id)
                outcome = _Outcome(False, f"Không đọc được trạng thái hồ sơ ({type(err).__name__})")
            if outcome.ok and instance.status == "suspended":
                outcome.warnings.insert(0, _STAYS_SUSPENDED)
            results.append(_entry(instance, from_version, to_version, outcome.ok, outcome.reason,
                                  outcome))
        if wanted is not None:
            found = {r["instance_id"] for r in results}
            results += [{"instance_id": i, "business_key": None, "status": None,
                         "can_migrate": False, "reason": f"Không có hồ sơ #{i} của quy trình '{key}'",
                         "from_version": None, "to_version": to_version, "active_tasks": [],
                         "warnings": [], "kept_timers": []} for i in wanted if i not in found]
    return results


def _ids(instance_ids: Iterable[int] | None, *, allow_empty: bool = False) -> list[int]:
    try:
        ids = list(dict.fromkeys(int(i) for i in (instance_ids or [])))
    except (TypeError, ValueError):
        raise InvalidInput("Mã hồ sơ phải là số nguyên") from None
    if not ids and not allow_empty:
        raise InvalidInput("Chưa chọn hồ sơ nào để chuyển phiên bản")
    if len(ids) > MAX_BATCH:
        raise InvalidInput(f"Mỗi lần chuyển tối đa {MAX_BATCH} hồ sơ")
    return ids


def migrate(ctx: "EngineContext", instance_ids: Iterable[int], to_version: int, actor: str,
            reason: str, *, process_key: str | None = None) -> list[dict]:
    """Move each instance to ``to_version`` of its process; one unit of work per instance.

    Returns one result per instance: ``{instance_id, business_key, ok, status, from_version,
    to_version, message, warnings}``; a refused or failed instance leaves no trace in the database.
    With ``process_key`` an instance of another process is refused (the web page passes its key).
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Phải nêu lý do chuyển phiên bản")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Lý do tối đa {MAX_REASON} ký tự")
    if not isinstance(to_version, int) or isinstance(to_version, bool) or to_version < 1:
        raise InvalidInput("Phiên bản đích không hợp lệ")
    diffs = _SpecDiffs()
    return [_migrate_one(ctx, instance_id, to_version, actor, reason, process_key, diffs)
            for instance_id in _ids(instance_ids)]


def _migrate_one(ctx: "EngineContext", instance_id: int, to_version: int, actor: str,
                 reason: str, process_key: str | None, diffs: _SpecDiffs) -> dict:
    result = {"instance_id": instance_id, "business_key": None, "ok": False, "status": None,
              "from_version": None, "to_version": to_version, "message": "", "warnings": []}
    try:
        with ctx.uow() as uow:
            instance = locks.lock_instance(uow, instance_id)
            result.update(business_key=instance.business_key, status=instance.status)
            if process_key is not None and instance.process_key != process_key:
                result["message"] = (f"Hồ sơ #{instance_id} thuộc quy trình "
                                     f"'{instance.process_key}', không phải '{process_key}'")
                return result
            source_def = loading.load_definition(ctx, uow, instance.definition_id)
            result["from_version"] = source_def.version
            target_def = get_definition(uow, instance.process_key, to_version)
            if target_def.version <= source_def.version:
                result["message"] = (f"Hồ sơ đang ở phiên bản {source_def.version}: chỉ chuyển sang "
                                     "phiên bản mới hơn")
                return result
            refusal = _status_refusal(instance)
            if refusal:
                result["message"] = refusal
                return result
            workflow = _load(ctx, instance, loading.spec_of(ctx, source_def))
            before = stepping.snapshot(workflow)
            outcome = _migrate_in_memory(workflow, *loading.spec_of(ctx, target_def), to_version,
                                         diffs)
            if not outcome.ok:
                result["message"] = outcome.reason
                return result
            previous_status = instance.status
            instance.definition_id = target_def.id
            event = PendingEvent("instance_migrated", actor, {
                "process_key": instance.process_key, "from_version": source_def.version,
                "to_version": target_def.version, "from_definition_id": source_def.id,
                "to_definition_id": target_def.id, "reason": reason,
                "active_tasks": outcome.active, "kept_timers": outcome.kept_timers})
            saving.save(ctx, uow, instance, target_def, workflow, before=before, actor=actor,
                         error=None, events=[event],
                         status="suspended" if previous_status == "suspended" else None)
            warnings = ([_STAYS_SUSPENDED] if previous_status == "suspended" else []) + \
                outcome.warnings + _refresh_human_tasks(uow, instance, target_def, workflow)
            uow.commit()
            result.update(ok=True, status=instance.status, warnings=warnings,
                          message=f"Đã chuyển từ phiên bản {source_def.version} sang "
                                  f"{target_def.version}")
    except (NotFound, EngineError) as err:
        result["message"] = err.message
    except Exception as err:  # noqa: BLE001 - one failure must not stop the batch
        log.exception("migration of instance %s failed", instance_id)
        result["message"] = f"Lỗi ngoài dự kiến, hồ sơ không thay đổi ({type(err).__name__})"
    return result


def _refresh_human_tasks(uow, instance: ProcessInstance, definition: ProcessDefinition,
                         workflow) -> list[str]:
    """Open task rows take the target version's name, lane and role (sync keeps existing rows)."""
    warnings = []
    lane_roles = definition.lane_roles or {}
    rows = uow.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                       HumanTask.status == "ready"))
    for row in rows:
        task = stepping.find_task(workflow, row.task_guid)
        if task is None:
            continue
        spec = task.task_spec
        role = lane_roles.get(spec.lane) if spec.lane else None
        row.name, row.lane, row.bpmn_id = spec.bpmn_name or spec.bpmn_id, spec.lane, spec.bpmn_id
        if role != row.candidate_role:
            if row.assignee:
                warnings.append(f"Công việc '{row.name}' đổi vai trò xử lý ({row.candidate_role} → "
                                f"{role}): trả về hàng chờ, bỏ nhận của {row.assignee}")
                row.assignee = None
            row.candidate_role = role
    return warnings
