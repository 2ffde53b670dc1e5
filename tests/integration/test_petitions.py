"""Registering a petition: one transaction from the reception desk to the intake's next step."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.errors import Forbidden, FormInvalid, InvalidInput
from engine.persistence.models import ProcessInstance
from engine.running import instances
from engine.work import human_tasks
from petitions.persistence.models import Petition
from petitions.register import registration
from petitions.register.registration import Registration, Sender
from tests.bpmn.harness import deploy_processes
from tests.support import actor

RECEPTION = actor("tiepdan", "reception_officer", unit="ubnd-xa-demo")
HANDLER = actor("xuly", "handling_officer", unit="ubnd-xa-demo")
HEAD = actor("truong", "head_of_unit", unit="ubnd-xa-demo")


def _reg(**overrides) -> Registration:
    base = dict(received_on=date(2026, 11, 20), channel="direct", petition_type="complaint",
                field="land_housing", summary="Khiếu nại quyết định thu hồi đất thửa số 12",
                senders=[Sender(name="Nguyễn Văn An", id_number="001203004567", phone="0912345678",
                                province_code="1", ward_code=None, address_detail="Số 5 ngõ 3")])
    base.update(overrides)
    return Registration(**base)


def test_register_starts_intake_past_the_register_step(ctx):
    deploy_processes(ctx)
    result = registration.register(ctx, RECEPTION, _reg())
    assert result["number"] == "2026-000001" and len(result["tracking_code"]) == 11
    tasks = human_tasks.list_tasks(ctx, instance_id=result["instance_id"])
    assert [t["bpmn_id"] for t in tasks] == ["Task_classify"]
    details = instances.details(ctx, result["instance_id"])
    assert details["business_key"] == "2026-000001"
    assert details["data"]["summary"].startswith("Khiếu nại") and details["data"]["signers"] == 1
    assert "sender_name" not in details["data"]  # identity stays out of workflow data
    assert "petition_registered" in [e["type"] for e in details["events"]]
    second = registration.register(ctx, RECEPTION, _reg(link_ids=[result["petition_id"]]))
    assert second["number"] == "2026-000002"


def test_invalid_registration_changes_nothing(ctx):
    deploy_processes(ctx)
    with pytest.raises(FormInvalid) as info:
        registration.register(ctx, RECEPTION, _reg(
            summary=" ", signers=7, received_on=date(2030, 1, 1),
            senders=[Sender(name="", id_number="12ab", phone="12", province_code="999")]))
    assert set(info.value.errors) == {"summary", "senders.0.name", "senders.0.id_number",
                                      "senders.0.phone", "senders.0.ward_code",
                                      "representatives", "received_on"}
    with pytest.raises(Forbidden):
        registration.register(ctx, HANDLER, _reg())
    with pytest.raises(InvalidInput):
        registration.register(ctx, RECEPTION, _reg(link_ids=[999]))
    with ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Petition)) == 0
        assert uow.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_group_representatives_rule(ctx):
    deploy_processes(ctx)
    people = [Sender(name=f"Người {i}", is_representative=i < 3) for i in range(3)]
    with pytest.raises(FormInvalid) as info:  # 8 signers: at most 2 representatives
        registration.register(ctx, RECEPTION, _reg(signers=8, senders=people))
    assert "representatives" in info.value.errors
    assert registration.register(ctx, RECEPTION, _reg(signers=12, senders=people))["number"]


def test_denunciation_identity_is_sealed_and_unsealing_is_audited(ctx):
    deploy_processes(ctx)
    result = registration.register(ctx, RECEPTION, _reg(petition_type="denunciation",
                                                     summary="Tố cáo cán bộ địa chính nhận tiền"))
    masked = registration.senders(ctx, result["petition_id"], HANDLER)
    assert masked[0]["masked"] and masked[0]["id_number"] is None and "Nguyễn" not in masked[0]["name"]
    with pytest.raises(Forbidden):
        registration.senders(ctx, result["petition_id"], HANDLER, reason="Muốn xem thử")
    with pytest.raises(InvalidInput):
        registration.senders(ctx, result["petition_id"], HEAD, reason=" ")
    shown = registration.senders(ctx, result["petition_id"], HEAD, reason="Gửi thông báo thụ lý")
    assert shown[0]["name"] == "Nguyễn Văn An" and shown[0]["id_number"] == "001203004567"
    events = instances.details(ctx, result["instance_id"])["events"]
    unsealed = [e for e in events if e["type"] == "identity_unsealed"]
    assert len(unsealed) == 1 and unsealed[0]["actor"] == "truong"
    assert unsealed[0]["payload"]["reason"] == "Gửi thông báo thụ lý"
    # The sealed sender, not any "Nguyễn" (officers' display names may appear in payloads).
    assert all("Nguyễn Văn An" not in str(e["payload"]) and "001203004567" not in str(e["payload"])
               for e in events)


def test_classifying_as_denunciation_seals_the_senders(ctx):
    deploy_processes(ctx)
    result = registration.register(ctx, RECEPTION, _reg(petition_type="complaint"))
    assert registration.senders(ctx, result["petition_id"], HANDLER)[0]["masked"] is False
    task = human_tasks.list_tasks(ctx, instance_id=result["instance_id"])[0]
    from tests.bpmn.harness import FACTS
    human_tasks.complete(ctx, task["id"], actor("xuly", "handling_officer", unit="ubnd-xa-demo"),
                         {**FACTS, "petition_type": "denunciation"})
    masked = registration.senders(ctx, result["petition_id"], HANDLER)
    assert masked[0]["masked"] is True and masked[0]["id_number"] is None
