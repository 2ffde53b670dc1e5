"""What a step's page shows and pre-fills besides its form (issue 19 §4: officers worked blind).

- the head approving a route sees the route the decision table computed and why
  (``route``, ``route_reason``, ``notify_citizen`` of the task's data);
- the classifier sees the senders, by the identity rules of ``petitions.register.registration.senders``
  (a sealed denouncer is masked; unmasking stays on the petition page, with a reason and an audit
  line), and finds pre-filled what is already known: the type chosen at the desk, whether the
  letter has a sender at all and whether every sender gave a name and an address;
- a transfer step finds the receiving agency named at classification (``competent_body``).

Read-only. The task's data is read only for the steps listed here (restoring a workflow costs one
deserialisation).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.errors import Forbidden, NotFound
from engine.persistence.models import HumanTask, ProcessInstance
from engine.running import loading, stepping
from petitions.persistence.models import Petition, PetitionSender
from petitions.register import registration

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

ROUTE_STEPS = frozenset({"Task_approve_route"})
SENDER_STEPS = frozenset({"Task_classify"})
# step -> {field of its form: variable of the task's data to pre-fill it from}
PREFILL_FROM_DATA = {
    "Task_intake_transfer": {"receiving_body": "competent_body"},
    "Task_den_transfer": {"transfer_to": "competent_body"},
}
ROUTE_LABELS = {  # the routes of processes/intake/classify_petition.dmn
    "accept": "Thụ lý giải quyết", "guide": "Hướng dẫn người gửi đến cơ quan có thẩm quyền",
    "split": "Hướng dẫn tách đơn", "store": "Lưu đơn, không xử lý",
    "refuse": "Trả lại đơn không đủ điều kiện xử lý",
    "inspection_info": "Chuyển thông tin phục vụ thanh tra, kiểm tra",
    "investigators": "Chuyển cơ quan điều tra, Viện kiểm sát",
    "party_committee": "Chuyển Ủy ban kiểm tra cấp ủy", "transfer": "Chuyển đơn đến cơ quan có thẩm quyền",
}


def _task_data(ctx: "EngineContext", uow, task: HumanTask) -> dict:
    instance = uow.session.get(ProcessInstance, task.instance_id)
    definition = loading.load_definition(ctx, uow, instance.definition_id)
    workflow = loading.load_workflow(ctx, definition, instance)
    spiff_task = stepping.find_task(workflow, task.task_guid)
    return dict(spiff_task.data) if spiff_task is not None else {}


def _desk_facts(session, petition_id: int, petition_type: str | None) -> dict[str, Any]:
    """What the desk already recorded, as classification values (no identity leaves here: only
    whether names and addresses were given)."""
    rows = session.execute(select(PetitionSender.name, PetitionSender.address_detail,
                                  PetitionSender.ward_code)
                           .where(PetitionSender.petition_id == petition_id)).all()
    facts: dict[str, Any] = {"anonymous": not rows,
                             "has_identity": bool(rows) and all(
                                 (r.name or "").strip() and ((r.address_detail or "").strip()
                                                             or r.ward_code) for r in rows)}
    if petition_type:
        facts["petition_type"] = petition_type
    return facts


def step_context(ctx: "EngineContext", task_id: int, actor: "Actor") -> dict:
    """``{route, prefill, senders}`` for the task page: ``route`` (approval steps) is
    ``{code, label, reason, notify_citizen}`` or None; ``prefill`` the values to offer before the
    officer's own (a draft or an earlier completion wins); ``senders`` (classification steps) the
    senders as the identity rules show them to ``actor``, else None."""
    result: dict[str, Any] = {"route": None, "prefill": {}, "senders": None}
    with ctx.uow(write=False) as uow:
        task = uow.session.get(HumanTask, task_id)
        if task is None or task.status != "ready":
            return result
        bpmn_id = task.bpmn_id
        petition = uow.session.execute(select(Petition.id, Petition.petition_type).where(
            Petition.instance_id == task.instance_id)).first()
        if bpmn_id in SENDER_STEPS and petition is not None:
            result["prefill"].update(_desk_facts(uow.session, petition.id, petition.petition_type))
        data = _task_data(ctx, uow, task) \
            if bpmn_id in ROUTE_STEPS or bpmn_id in PREFILL_FROM_DATA else {}
    for field, variable in PREFILL_FROM_DATA.get(bpmn_id, {}).items():
        if isinstance(data.get(variable), str) and data[variable].strip():
            result["prefill"][field] = data[variable].strip()
    if bpmn_id in ROUTE_STEPS and data.get("route"):
        result["route"] = {"code": data["route"], "label": ROUTE_LABELS.get(data["route"], data["route"]),
                           "reason": data.get("route_reason") or "",
                           "notify_citizen": data.get("notify_citizen")}
    if bpmn_id in SENDER_STEPS and petition is not None:
        try:  # the register's own visibility rules decide; a task viewer outside them sees none
            result["senders"] = registration.senders(ctx, petition.id, actor)
        except (NotFound, Forbidden):
            result["senders"] = None
    return result
