"""Identity protected when written, units apart, who may unseal (issue 12 §1–3), both backends.

The checks read the database itself: what is stored in clear (register rows, workflow state, audit
payloads, drafts, file names) must not hold the sender's identity in any spelling.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select, text

from engine.accounts.models import Unit, User
from engine.accounts.users import add_user
from engine.errors import Forbidden, FormInvalid, InvalidInput, NotFound
from engine.persistence.models import AuditEvent, HumanTask, ProcessInstance, TaskDraft
from engine.running import instances
from engine.work import deadlines, human_tasks
from petitions.identity import protection
from petitions.identity.matching import Identity, IdentityMatcher
from petitions.persistence.models import Notification, Petition, PetitionDocument, ProtectedText
from petitions.register import petition_file, registration
from petitions.register.registration import Registration, Sender, StoredDocument
from petitions.supervision import search
from petitions.tasks import inbox, task_page
from tests.bpmn.harness import deploy_processes
from tests.support import actor

UNIT, OTHER = "ubnd-xa-demo", "ubnd-xa-khac"
RECEPTION = actor("tiepdan", "reception_officer", unit=UNIT)
HANDLER = actor("xuly", "handling_officer", unit=UNIT)
HANDLER2 = actor("xuly2", "handling_officer", unit=UNIT)
HEAD = actor("truongdonvi", "head_of_unit", unit=UNIT)
VERIFIER = actor("xacminh", "verification_team", unit=UNIT)
ADMIN = actor("quantri", "administrator", unit=UNIT)
SUPERVISOR = actor("giamsat", "supervisor", unit=UNIT)
OTHER_HEAD = actor("truongkhac", "head_of_unit", unit=OTHER)
OTHER_HANDLER = actor("xulykhac", "handling_officer", unit=OTHER)
NO_UNIT = actor("vodonvi", "handling_officer", "head_of_unit")

NAME, ID_NUMBER, PHONE, STREET = ("Lương Hữu Phước Thịnh", "025999888777", "0966555444",
                                  "Số 17 ngõ Văn Chương")
CANARY = IdentityMatcher([Identity(NAME, ID_NUMBER, PHONE, STREET)])
SPELLINGS = ["LƯƠNG HỮU PHƯỚC THỊNH", "luong huu phuoc thinh",
             unicodedata.normalize("NFD", NAME), "025 999 888 777", "0966.555.444",
             "+84 966 555 444", "số 17, ngõ Văn Chương"]
QUOTED = "Người gửi " + "; ".join(SPELLINGS) + " phản ánh cán bộ địa chính nhận tiền"
FACTS = {"in_vietnamese": True, "has_identity": True, "anonymous": False,
         "within_competence": True, "already_sent_to_competent": False, "already_guided": False,
         "already_transferred": False, "resolved_nothing_new": False, "crime_signs": False,
         "party_member": False, "concrete_content": True}


@pytest.fixture
def seeded(ctx):
    deploy_processes(ctx)
    with ctx.uow() as uow:
        demo = Unit(code=UNIT, name="UBND xã Demo")
        uow.session.add(demo)
        uow.session.add(Unit(code=OTHER, name="UBND xã Khác"))
        uow.commit()
    for who in (RECEPTION, HANDLER, HANDLER2, HEAD, VERIFIER, SUPERVISOR, OTHER_HEAD,
                OTHER_HANDLER):
        add_user(ctx, who.username, sorted(who.roles), actor="test", unit=who.unit)
    return ctx


def _register(ctx, petition_type="complaint") -> dict:
    return registration.register(ctx, RECEPTION, Registration(
        received_on=date(2026, 11, 20), channel="direct", petition_type=petition_type,
        field="corruption", summary=QUOTED, location=f"Gần nhà {NAME}",
        senders=[Sender(name=NAME, id_number=ID_NUMBER, phone=PHONE, address_detail=STREET)]),
        [StoredDocument(file_name=f"Đơn của {SPELLINGS[1]} {PHONE}.pdf", stored_name="a" * 32,
                        content_type="application/pdf", size=10, sha256="0" * 64)])


def _classify(ctx, instance_id: int, who=HANDLER, petition_type="denunciation") -> None:
    task = next(t for t in human_tasks.list_tasks(ctx, instance_id=instance_id)
                if t["bpmn_id"] == "Task_classify")
    human_tasks.claim(ctx, task["id"], who)
    human_tasks.complete(ctx, task["id"], who, {
        **FACTS, "petition_type": petition_type, "proposal_note": f"Đề xuất: {QUOTED}",
        "competent_body": f"UBND xã, người gửi {SPELLINGS[2]}"})


def _stored_text(ctx) -> str:
    """Every clear-text column that could hold free text, as one string."""
    with ctx.uow(write=False) as uow:
        s = uow.session
        parts = [json.dumps(row, ensure_ascii=False, default=str) for row in [
            list(s.execute(select(Petition.summary, Petition.search_text, Petition.location,
                                  Petition.forwarded_by))),
            list(s.scalars(select(ProcessInstance.state))),
            list(s.scalars(select(AuditEvent.payload))),
            list(s.scalars(select(TaskDraft.data))),
            list(s.scalars(select(PetitionDocument.file_name))),
            list(s.scalars(select(ProtectedText.redacted))),
            list(s.execute(select(Notification.title, Notification.body)))]]
    return "\n".join(parts)


def test_identity_is_cut_from_everything_written_in_clear(seeded):
    ctx = seeded
    case = _register(ctx)  # a complaint: protected from registration on, sealed or not
    _classify(ctx, case["instance_id"])
    task = next(t for t in human_tasks.list_tasks(ctx, instance_id=case["instance_id"]))
    human_tasks.claim(ctx, task["id"], HEAD)
    human_tasks.save_draft(ctx, task["id"], HEAD, {"approval_note": f"Nháp {SPELLINGS[0]}"})
    stored = _stored_text(ctx)
    assert "[thông tin được bảo mật]" in stored
    assert not CANARY.contains(stored), "a spelling of the sender survived in clear text"
    with ctx.uow(write=False) as uow:
        petition = uow.session.get(Petition, case["petition_id"])
        assert petition.identity_sealed  # classified as a denunciation: sealed from then on
        originals = list(uow.session.scalars(select(ProtectedText.original)))
        raw = [r[0] for r in uow.session.execute(text("SELECT original FROM protected_texts"))]
    assert QUOTED in originals  # the original is kept for those the law allows ...
    assert not any(CANARY.contains(value) for value in raw)  # ... encrypted at rest


def test_audit_refers_to_protected_text_and_history_resolves_by_right(seeded):
    ctx = seeded
    case = _register(ctx)
    _classify(ctx, case["instance_id"])
    with ctx.uow(write=False) as uow:
        completed = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == case["instance_id"],
            AuditEvent.event_type == "task_completed_by_user")).all()
    after = completed[-1].payload["after"]
    assert set(after["proposal_note"]) == {protection.PROTECTED}
    hidden = petition_file.petition_file(ctx, case["petition_id"], HANDLER)
    assert not CANARY.contains(json.dumps(hidden, ensure_ascii=False, default=str))
    shown = petition_file.petition_file(ctx, case["petition_id"], HEAD, reason="Giải quyết tố cáo")
    dumped = json.dumps(shown, ensure_ascii=False, default=str)
    assert NAME in dumped and f"Đề xuất: {QUOTED}" in dumped
    assert [r["who"] for r in shown["identity_reads"]] == [HEAD.username]


def test_search_finds_only_what_the_searcher_may_see(seeded):
    ctx = seeded
    case = _register(ctx, "denunciation")
    for words in ("luong huu phuoc thinh", "LƯƠNG HỮU", "0966555444"):
        found = search.search(ctx, search.SearchFilters(q=words), SUPERVISOR)
        assert found["rows"] == [], words
    assert [r["number"] for r in search.search(ctx, search.SearchFilters(q="địa chính"),
                                               SUPERVISOR)["rows"]] == [case["number"]]
    assert search.search(ctx, search.SearchFilters(q="địa chính"), OTHER_HEAD)["rows"] == []


def test_another_unit_gets_not_found_everywhere(seeded):
    ctx = seeded
    case = _register(ctx, "denunciation")
    task = human_tasks.list_tasks(ctx, instance_id=case["instance_id"])[0]
    assert task["candidate_unit"] == UNIT  # a task's unit defaults to the case's
    for who in (OTHER_HEAD, OTHER_HANDLER):
        for call in (lambda: human_tasks.claim(ctx, task["id"], who),
                     lambda: human_tasks.complete(ctx, task["id"], who, FACTS),
                     lambda: human_tasks.save_draft(ctx, task["id"], who, {}),
                     lambda: task_page.task_page(ctx, task["id"], who),
                     lambda: petition_file.petition_file(ctx, case["petition_id"], who),
                     lambda: registration.senders(ctx, case["petition_id"], who, reason="xem lý do"),
                     lambda: petition_file.document(ctx, case["petition_id"], 1, who)):
            with pytest.raises(NotFound):
                call()
    views = [inbox.view_condition(v, actor_, ctx.clock.now(), ctx.calendar())
             for v in ("queue", "unit") for actor_ in (OTHER_HEAD, NO_UNIT)]
    with ctx.uow(write=False) as uow:
        for condition in views:
            assert uow.session.scalars(select(HumanTask.id).where(condition)).all() == []


def test_who_may_unseal(seeded):
    ctx = seeded
    case = _register(ctx, "denunciation")
    for who in (HANDLER, VERIFIER, RECEPTION, ADMIN):
        with pytest.raises(Forbidden):
            registration.senders(ctx, case["petition_id"], who, reason="cần xem danh tính")
    with pytest.raises(InvalidInput):  # supervisors only with a reason
        registration.senders(ctx, case["petition_id"], SUPERVISOR, reason=" ")
    assert registration.senders(ctx, case["petition_id"], SUPERVISOR,
                             reason="Thanh tra theo kế hoạch")[0]["name"] == NAME
    assert registration.senders(ctx, case["petition_id"], HEAD, reason="Giải quyết")[0]["id_number"] \
        == ID_NUMBER
    masked = registration.senders(ctx, case["petition_id"], HEAD)
    assert masked[0]["masked"] and masked[0]["name"] != NAME
    reads = petition_file.petition_file(ctx, case["petition_id"], HEAD)["identity_reads"]
    assert [r["who"] for r in reads] == [SUPERVISOR.username, HEAD.username]
    assert petition_file.petition_file(ctx, case["petition_id"], HANDLER)["identity_reads"] is None


def test_the_classifying_officer_may_unseal_while_holding_that_step(seeded):
    """LTC Điều 24: the officer classifying must check the name and address; only at that step."""
    ctx = seeded
    case = _register(ctx, "denunciation")
    task = human_tasks.list_tasks(ctx, instance_id=case["instance_id"])[0]
    with pytest.raises(Forbidden):  # not before taking the step
        registration.senders(ctx, case["petition_id"], HANDLER, reason="Kiểm tra họ tên, địa chỉ")
    human_tasks.claim(ctx, task["id"], HANDLER)
    assert registration.senders(ctx, case["petition_id"], HANDLER,
                             reason="Kiểm tra họ tên, địa chỉ")[0]["name"] == NAME
    with pytest.raises(Forbidden):  # another officer of the unit: no
        registration.senders(ctx, case["petition_id"], HANDLER2, reason="Kiểm tra họ tên")
    human_tasks.complete(ctx, task["id"], HANDLER, {**FACTS, "petition_type": "denunciation"})
    with pytest.raises(Forbidden):  # the step is done
        registration.senders(ctx, case["petition_id"], HANDLER, reason="Kiểm tra họ tên, địa chỉ")


def test_drafts_belong_to_the_officer_holding_the_task(seeded):
    ctx = seeded
    case = _register(ctx)
    task = human_tasks.list_tasks(ctx, instance_id=case["instance_id"])[0]
    human_tasks.claim(ctx, task["id"], HANDLER)
    with pytest.raises(Forbidden):
        human_tasks.save_draft(ctx, task["id"], HANDLER2, {"proposal_note": "của người khác"})
    human_tasks.save_draft(ctx, task["id"], HANDLER, {"proposal_note": SPELLINGS[1]})
    assert human_tasks.get_draft(ctx, task["id"], HANDLER.username)["data"] == \
        {"proposal_note": "[thông tin được bảo mật]"}


def test_a_user_without_a_unit_cannot_register_and_sees_no_case(seeded):
    ctx = seeded
    with pytest.raises(InvalidInput):
        registration.register(ctx, replace(RECEPTION, unit=None), Registration(
            received_on=date(2026, 11, 20), channel="direct", petition_type="complaint",
            field="other", summary="Đơn", senders=[Sender(name="Trần Văn Bình")]))
    case = _register(ctx)
    with pytest.raises(NotFound):
        petition_file.petition_file(ctx, case["petition_id"], NO_UNIT)
    assert petition_file.list_petitions(ctx, NO_UNIT)["rows"] == []


def test_delegated_unit_must_come_from_the_units_list(seeded):
    ctx = seeded
    with ctx.uow(write=False) as uow:
        forms = uow.session.execute(text("SELECT forms FROM process_definitions WHERE "
                                         "process_key = 'recommendation_feedback'")).scalar()
    forms = json.loads(forms) if isinstance(forms, str) else forms
    field = next(f for f in forms["Task_pakn_consider"]["fields"] if f["name"] == "assigned_unit")
    assert field["type"] == "unit"
    case = instances.start(ctx, "recommendation_feedback", actor="test", unit=UNIT,
                           data={"received_on": "2026-12-01"})  # its declared start data
    assert case["status"] in ("waiting", "running", "error")
    with ctx.uow(write=False) as uow, pytest.raises(FormInvalid):
        human_tasks._check_unit_fields(uow.session, forms["Task_pakn_consider"],
                                       {"assigned_unit": "phong-kinh-te-go-tay"})
    with ctx.uow(write=False) as uow:  # a code from the list passes
        human_tasks._check_unit_fields(uow.session, forms["Task_pakn_consider"],
                                       {"assigned_unit": OTHER})


def test_escalation_goes_to_this_unit_and_up_never_sideways(seeded):
    """A hamlet office with no head of its own: the commune's head is told, never another
    commune's (the old rule fell back to every head in the system)."""
    ctx = seeded
    with ctx.uow() as uow:
        parent = uow.session.scalars(select(Unit).where(Unit.code == UNIT)).one()
        uow.session.add(Unit(code="thon-1", name="Thôn 1", parent_id=parent.id))
        uow.commit()
    desk = replace(RECEPTION, unit="thon-1")
    case = registration.register(ctx, desk, Registration(
        received_on=date(2026, 11, 20), channel="direct", petition_type="complaint",
        field="other", summary="Đường thôn hỏng", senders=[Sender(name="Trần Văn Bình")]))
    everyone_here = replace(HEAD, roles=frozenset({"handling_officer", "head_of_unit"}),
                            supervised=frozenset({"thon-1"}))
    _classify(ctx, case["instance_id"], who=everyone_here, petition_type="complaint")
    approve = human_tasks.list_tasks(ctx, instance_id=case["instance_id"])[0]
    human_tasks.complete(ctx, approve["id"], everyone_here, {"approve": True})
    ctx.clock.advance(days=40)
    deadlines.check_deadlines(ctx)
    with ctx.uow(write=False) as uow:
        told = set(uow.session.scalars(select(Notification.username).where(
            Notification.instance_id == case["instance_id"])))
    assert HEAD.username in told and OTHER_HEAD.username not in told
