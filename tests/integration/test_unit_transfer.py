"""A letter transferred between two units of one system (issue 20 §5).

The letter goes through the real intake process: registered in u1, classified as outside its
competence, transferred to u2 at ``Task_intake_transfer``. u2 then holds it with its history at
its reception check; u1 keeps only its trace; the tracking page names u2; the sealed denouncer
stays sealed; a second transfer is refused, by either path, and changes nothing.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from engine.errors import FormInvalid, InvalidInput, NotFound
from engine.persistence.models import HumanTask
from engine.work import human_tasks
from petitions.citizens import tracking
from petitions.persistence.models import Petition
from petitions.persistence.transfer_models import CaseTransfer
from petitions.register import registration
from petitions.transfers import trace
from tests.bpmn.harness import EVERYONE, deploy_processes
from tests.integration.test_reports import Desk
from tests.support import actor

U1 = actor("canbo_u1", "reception_officer", "handling_officer", unit="u1")
U2 = actor("canbo_u2", "reception_officer", "handling_officer", unit="u2")
NAME, ID_NUMBER = "Trần Thị Bích", "001203009876"


def _transfer(desk, instance_id: int, to_unit: str | None, slip: str) -> None:
    data = {"transfer_number": slip, "receiving_body": "UBND xã khác", "transferred_on": "2026-10-03"}
    if to_unit is not None:
        data["receiving_unit"] = to_unit
    desk.complete(instance_id, "Task_intake_transfer", data)


def _ready(ctx, instance_id: int) -> list[str]:
    return [t["bpmn_id"] for t in human_tasks.list_tasks(ctx, instance_id=instance_id)]


def test_transfer_between_units_moves_the_case_once(ctx, clock):
    deploy_processes(ctx)
    desk = Desk(ctx, clock)
    desk.at("2026-10-01")
    letter = desk.register("2026-10-01", "denunciation", field="corruption", unit="u1",
                           sender=NAME, id_number=ID_NUMBER,
                           summary="Tố cáo cán bộ địa chính nhận tiền của bà Trần Thị Bích")
    first = letter["instance_id"]
    desk.at("2026-10-02")
    desk.classify(first, petition_type="denunciation", within_competence=False)
    assert "Task_intake_transfer" in _ready(ctx, first)

    # A unit that is not in the units list is refused by the form; nothing moves.
    with pytest.raises(FormInvalid):
        _transfer(desk, first, "khong-co", "05/PC")
    desk.at("2026-10-03")
    _transfer(desk, first, "u2", "05/PC")
    # The sending unit still tells the sender where the letter went (LTCD Điều 28.1): its own
    # instance goes on without the letter's row.
    assert "Task_notify_citizen" in _ready(ctx, first)
    desk.complete(first, "Task_notify_citizen", {"notice_number": "06/TB", "sent_on": "2026-10-03"})
    assert "Task_notify_citizen" not in _ready(ctx, first)

    with ctx.uow(write=False) as uow:
        petition = uow.session.get(Petition, letter["petition_id"])
        moved = (petition.unit_code, petition.number, petition.tracking_code, petition.instance_id)
        row = uow.session.scalars(select(CaseTransfer)).one()
        receiving = uow.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == petition.instance_id)).all()
    # Same letter, same number and tracking code, now u2's, at u2's reception check.
    assert moved[:3] == ("u2", letter["number"], letter["tracking_code"])
    assert moved[3] != first and row.to_instance_id == moved[3] and row.from_instance_id == first
    assert [(t.bpmn_id, t.status) for t in receiving] == [("Task_register", "ready")]
    assert (row.origin_agency, row.origin_number, row.slip_number) == ("u1", letter["number"], "05/PC")

    # The receiving unit sees it with its history; the sending unit does not see it any more.
    assert registration.get_petition(ctx, letter["petition_id"], U2).unit_code == "u2"
    with pytest.raises(NotFound):
        registration.get_petition(ctx, letter["petition_id"], U1)
    origin = trace.received(ctx, letter["petition_id"], U2)
    assert [(o["from_unit"], o["to_unit"], o["number"]) for o in origin] == \
        [("u1", "u2", letter["number"])]
    steps = [h["step"] for h in origin[0]["history"]]
    assert "Task_register" in steps and "Task_classify" in steps and "Task_approve_route" in steps
    with pytest.raises(NotFound):
        trace.received(ctx, letter["petition_id"], U1)
    # The sending unit keeps its trace: what it sent, to whom and when; u2 sent nothing.
    sent = trace.sent(ctx, U1)
    assert [(s["number"], s["to_unit"], s["slip_number"]) for s in sent] == \
        [(letter["number"], "u2", "05/PC")]
    assert sent[0]["sent_at"] is not None and trace.sent(ctx, U2) == []

    # The sealed denouncer stays sealed in both units for readers without the identity role.
    senders = registration.senders(ctx, letter["petition_id"], U2)
    assert senders[0]["masked"] and senders[0]["name"] != NAME and senders[0]["id_number"] is None
    with pytest.raises(NotFound):
        registration.senders(ctx, letter["petition_id"], U1)
    shown = json.dumps([sent, origin], default=str, ensure_ascii=False)
    assert NAME not in shown and ID_NUMBER not in shown and "Bích" not in shown

    # The citizen's tracking code keeps working and names the new agency.
    page = tracking.status(ctx, letter["tracking_code"], letter["pin"])
    assert page["agency"] == "Đơn vị u2" and page["code"] == letter["tracking_code"]

    # u2 checks it in and finds it outside its competence too: a second transfer is refused,
    # to a unit here or a body outside, and nothing changes.
    second = moved[3]
    desk.at("2026-10-05")
    desk.complete(second, "Task_register", {
        "received_on": "2026-10-01", "channel": "direct", "forwarder_kind": "none",
        "forwarded_by": "", "signers": 1, "representatives": "0", "field": "corruption",
        "summary": "Tố cáo cán bộ địa chính", "priority_markers": [], "remote_area": False},
        who=replace(EVERYONE, unit="u2"))
    desk.classify(second, petition_type="denunciation", within_competence=False)
    for to_unit in ("u1", None):
        with pytest.raises(InvalidInput, match="đã được chuyển một lần"):
            _transfer(desk, second, to_unit, "09/PC")
    assert "Task_intake_transfer" in _ready(ctx, second)
    with ctx.uow(write=False) as uow:
        assert uow.session.get(Petition, letter["petition_id"]).unit_code == "u2"
        assert len(uow.session.scalars(select(CaseTransfer)).all()) == 1
