"""Drives a letter sent on the public form through the real processes, step by step through the
engine's handlers, with the demo officers (shared by the citizens' integration, web and browser
tests). Dates are "today" on the engine's clock; real time is moved there too (SpiffWorkflow
compares timers with the real clock)."""
from __future__ import annotations

from datetime import timedelta

from engine.accounts.users import actor_for
from engine.work import human_tasks
from engine.working_days import VN_TZ
from petitions.citizens import online
from petitions.persistence.models import Petition
from petitions.register.registration import Sender
from tests.bpmn.harness import FACTS

ROLE_USERS = {"reception_officer": "tiepdan", "handling_officer": "xuly",
              "head_of_unit": "truongdonvi", "verification_team": "xacminh",
              "publication_officer": "congkhai"}
SEALED_NAME, SEALED_ID, SEALED_PHONE = "Lê Thị Bí Mật", "001199887766", "0987654321"


def today(ctx) -> str:
    return ctx.clock.now().astimezone(VN_TZ).date().isoformat()


def day(ctx, days: int) -> str:
    return (ctx.clock.now().astimezone(VN_TZ).date() + timedelta(days=days)).isoformat()


def steps(ctx, *, kind: str, publish: bool = True, level: str = "first") -> dict:
    """What each step is filled with."""
    t = today(ctx)
    return {
        "Task_register": {"received_on": t, "channel": "online", "forwarder_kind": "none",
                          "forwarded_by": "", "signers": 1, "summary": "Đơn gửi trực tuyến",
                          "field": "land_housing", "priority_markers": [], "remote_area": False},
        "Task_classify": {**FACTS, "petition_type": kind, "proposal_note": "Đề xuất thụ lý"},
        "Task_approve_route": {"approve": True, "approval_note": "Đồng ý"},
        "Task_kn_receive": {"complaint_form": "letter", "respondent": "Chủ tịch UBND xã",
                            "contested_act": "Quyết định số 120/QĐ-UBND thu hồi đất",
                            "decision_known_on": day(ctx, -20),
                            "complaint_request": "Hủy quyết định thu hồi đất",
                            "documents_received": "Bản sao quyết định", "receipt_number": "BN-15"},
        "Task_kn_classify": {"complaint_level": level, "complainants_status": "single",
                             "acceptance": "accept", "proposal_note": "Đủ điều kiện thụ lý"},
        "Task_kn_accept": {"accepted_on": t, "acceptance_notice_number": "12/TB-UBND",
                           "complex_case": False, "verification_assignee": "Tổ xác minh xã",
                           "acceptance_notice_recipients": ["complainant", "inspectorate"]},
        "Task_kn_verify": {"verification_report_number": "03/BC-TXM",
                           "verification_report_date": t, "findings": "Đơn giá chưa đúng",
                           "findings_match_request": False},
        "Task_kn_assess": {"case_event": "proceed", "assessment_note": "Ý kiến nội bộ: cần đối thoại"},
        "Task_kn_dialogue_notice": {"notice_sent_on": t, "dialogue_date": f"{day(ctx, 6)}T08:00:00+07:00",
                                    "dialogue_place": "Trụ sở UBND xã",
                                    "dialogue_participants": "Chủ tịch UBND, người khiếu nại"},
        "Task_kn_dialogue": {"dialogue_result": "held", "dialogue_held_on": t,
                             "minutes_number": "07/BB-ĐT", "minutes_signed": True,
                             "dialogue_summary": "Các bên thống nhất điều chỉnh đơn giá"},
        "Task_kn_decide": {"decision_number": "215/QĐ-UBND", "decision_date": t,
                           "decision_result": "partly_correct",
                           "decision_content": "Chấp nhận một phần khiếu nại của ông Nguyễn Văn "
                                               "Công Dân, số điện thoại 0912 345 678.",
                           "publish_decision": publish},
        "Task_kn_send_decision": {"sent_on": t, "recipients": ["complainant", "superior",
                                                               "inspectorate"]},
        "Task_kn_publish": {"publication_form": "portal", "published_on": t,
                            "publication_start": t},
        "Task_den_register": {"denunciation_register_number": "TC-2026-015",
                              "initial_extended": False},
        "Task_den_classify": {"resolver_competent": True, "sent_to_competent_body": False,
                              "already_transferred_or_guided": False, "conditions_met": True,
                              "accused_name": "Trần Văn Bình",
                              "accused_position": "Công chức địa chính xã",
                              "denunciation_content": "Thu tiền đo đạc trái quy định"},
        "Task_den_accept": {"acceptance_number": "15/QĐ-UBND", "accepted_on": t},
        "Task_den_notify_accept": {"doc_nd31_m05": 1, "notice_denouncer_number": "16/TB-UBND",
                                   "notice_accused_number": "17/TB-UBND", "notices_sent_on": t},
        "Task_den_team": {"team_decision_number": "18/QĐ-UBND", "team_members": "Ông Phạm An",
                          "team_size": 2, "team_no_conflict": "checked"},
        "Task_den_plan": {"plan_summary": "Xác minh sổ thu tiền"},
        "Task_den_session": {"session_on": t, "session_minutes_number": "BB-01",
                             "denouncer_attended": True,
                             "session_information": "Cung cấp 03 biên lai"},
        "Task_den_accused": {"explanation_on": t, "explanation_summary": "Thừa nhận thu tiền"},
        "Task_den_report": {"report_number": "BC-01", "report_on": t,
                            "findings": "Thu 3 khoản không có căn cứ", "proposed_outcome": "true",
                            "verification_crime_signs": False},
        "Task_den_progress": {"progress_decision": "conclude"},
        "Task_den_conclusion": {"conclusion_number": "20/KL-UBND", "concluded_on": t,
                                "conclusion_outcome": "true",
                                # Typed by mistake with the denouncer's name, ID and phone.
                                "conclusion_summary": f"Tố cáo của bà {SEALED_NAME} (CCCD "
                                                      f"{SEALED_ID}, điện thoại {SEALED_PHONE}) là "
                                                      "đúng; ông Trần Văn Bình thu tiền sai.",
                                "crime_signs_conclusion": False},
        "Task_den_send_conclusion": {"conclusion_sent_on": t,
                                     "conclusion_recipients": "Người bị tố cáo; UBND xã",
                                     "denouncer_informed": True},
        "Task_den_sanction": {"sanction_measures": "Khiển trách", "sanction_on": t},
        "Task_den_publish": {"publication_form": "portal", "published_on": t,
                             "publication_place": "Cổng thông tin điện tử xã"},
    }


def submit(ctx, *, kind: str = "complaint", name: str = "Nguyễn Văn Công Dân",
           id_number: str = "001080012345", phone: str = "0912345678",
           email: str | None = "congdan@example.vn", key: str = "k" * 24, documents=()) -> dict:
    sub = online.OnlineSubmission(
        unit_code="ubnd-xa-demo", petition_type=kind,
        summary=f"Tôi là {name}, đề nghị xem xét quyết định thu hồi đất thửa số 12.",
        senders=[Sender(name=name, id_number=id_number, phone=phone,
                        address_detail="Thôn Đông, xã Demo")],
        submission_key=key, consent=True, email=email, phone=phone, notify_sms=True)
    return online.submit(ctx, sub, documents)


def petition_of(ctx, code: str) -> Petition:
    from sqlalchemy import select
    with ctx.uow(write=False) as uow:
        return uow.session.scalars(select(Petition).where(Petition.tracking_code == code)).one()


def drive(ctx, instance_id: int, data: dict, until: str) -> list[str]:
    """Complete the open steps (main line first) until ``until`` is done; the steps done."""
    done: list[str] = []
    while until not in done:
        tasks = [t for t in human_tasks.list_tasks(ctx, instance_id=instance_id)
                 if t["bpmn_id"] in data]
        assert tasks, (done, [t["bpmn_id"] for t in human_tasks.list_tasks(
            ctx, instance_id=instance_id)])
        tasks.sort(key=lambda t: (t["bpmn_id"] != until, t["id"]))
        task = tasks[0]
        actor = actor_for(ctx, ROLE_USERS[task["candidate_role"]])
        human_tasks.complete(ctx, task["id"], actor, data[task["bpmn_id"]])
        done.append(task["bpmn_id"])
        assert len(done) < 40, done
    return done
