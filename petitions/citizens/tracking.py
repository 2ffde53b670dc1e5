"""What a citizen sees on /tra-cuu: the steps of their letter in plain words, with dates and the
legal date the next step is due, read from the case's steps (``human_tasks``).

Never shown: internal notes, officers' opinions or names, other senders, sealed identities. A
denouncer is told only what the law lets a denouncer know (LTC Điều 9: that the denunciation was
received, accepted or not, transferred, extended, and its conclusion), so a denunciation's
internal verification steps are left out.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.persistence.models import HumanTask, ProcessInstance
from engine.working_days import VN_TZ
from petitions.agencies.profiles import agency_for
from petitions.citizens import case_values, pins
from petitions.citizens.models import Publication, SatisfactionAnswer
from petitions.persistence.models import Petition

if TYPE_CHECKING:
    from engine.context import EngineContext

KIND_WORDS = {"complaint": "Khiếu nại", "denunciation": "Tố cáo", "recommendation": "Kiến nghị",
              "feedback": "Phản ánh", "mixed": "Đơn có nhiều nội dung"}
# Texts built around a value; the page translates them by these keys (tools/i18n_dicts.py).
TEXTS = {"waiting": "Đơn đang được giải quyết", "received": "Cơ quan đã nhận đơn",
         "received_online": "Cơ quan đã nhận đơn gửi trực tuyến",
         "published": "Đã đăng trên trang công khai kết quả (số %(number)s)",
         "followup": "Quyết định, kết luận đã có hiệu lực, đang được theo dõi, đôn đốc thi hành"}
# Completed step → what happened, in plain words. "D": a denouncer may be told (LTC Điều 9).
DONE = {
    "Task_register": ("Cán bộ tiếp nhận đã kiểm tra và vào sổ đơn", "D"),
    "Task_classify": ("Đơn đã được phân loại", ""),
    "Task_approve_route": ("Lãnh đạo đã duyệt hướng xử lý đơn", ""),
    "Task_intake_guide": ("Ông/bà đã được hướng dẫn gửi đơn đến cơ quan có thẩm quyền", "D"),
    "Task_intake_split": ("Ông/bà đã được hướng dẫn tách đơn", "D"),
    "Task_intake_store": ("Đơn được lưu (không xử lý tiếp)", "D"),
    "Task_intake_refuse": ("Đơn được trả lại vì chưa đủ điều kiện xử lý", "D"),
    "Task_intake_transfer": ("Đơn đã được chuyển đến cơ quan có thẩm quyền", "D"),
    "Task_notify_citizen": ("Cơ quan đã thông báo kết quả xử lý đơn cho ông/bà", "D"),
    "Task_kn_accept": ("Khiếu nại đã được thụ lý và thông báo thụ lý", ""),
    "Task_kn_refuse": ("Cơ quan đã thông báo không thụ lý khiếu nại", ""),
    "Task_kn_verify": ("Đã xác minh nội dung khiếu nại", ""),
    "Task_kn_dialogue_notice": ("Ông/bà được mời đối thoại", ""),
    "Task_kn_dialogue": ("Đã tổ chức đối thoại", ""),
    "Task_kn_decide": ("Đã ban hành quyết định giải quyết khiếu nại", ""),
    "Task_kn_send_decision": ("Đã gửi quyết định giải quyết khiếu nại", ""),
    "Task_kn_publish": ("Quyết định đã được công khai", ""),
    "Task_kn_terminate": ("Việc giải quyết khiếu nại đã được đình chỉ", ""),
    "Task_den_transfer": ("Tố cáo đã được chuyển đến cơ quan có thẩm quyền", "D"),
    "Task_den_refuse": ("Cơ quan đã thông báo không thụ lý tố cáo", "D"),
    "Task_den_notify_accept": ("Tố cáo đã được thụ lý; cơ quan đã thông báo cho ông/bà", "D"),
    "Task_den_extension_notice": ("Thời hạn giải quyết tố cáo được gia hạn", "D"),
    "Task_den_conclusion": ("Đã ban hành kết luận nội dung tố cáo", "D"),
    "Task_den_send_conclusion": ("Cơ quan đã thông báo kết luận cho ông/bà", "D"),
    "Task_den_publish": ("Kết luận đã được công khai", "D"),
    "Task_den_termination_notice": ("Việc giải quyết tố cáo đã được đình chỉ", "D"),
    "Task_pakn_notice": ("Cơ quan đã thông báo tiếp nhận kiến nghị, phản ánh", ""),
    "Task_pakn_meeting": ("Ông/bà được mời gặp gỡ, đối thoại", ""),
    "Task_pakn_answer": ("Cơ quan đã gửi văn bản trả lời", ""),
    "Task_pakn_refusal": ("Cơ quan đã thông báo từ chối xử lý vì trùng lặp", ""),
}
# An open step → what is happening now.
OPEN = {
    "Task_register": "Đơn gửi trực tuyến đang chờ cán bộ tiếp nhận kiểm tra",
    "Task_classify": "Đơn đang được phân loại, xem xét thẩm quyền",
    "Task_approve_route": "Đơn đang được phân loại, xem xét thẩm quyền",
    "Task_kn_accept": "Đang xem xét việc thụ lý khiếu nại",
    "Task_kn_verify": "Đang xác minh nội dung khiếu nại",
    "Task_kn_dialogue_notice": "Đang chuẩn bị đối thoại",
    "Task_kn_dialogue": "Đang tổ chức đối thoại",
    "Task_kn_decide": "Đang chuẩn bị quyết định giải quyết",
    "Task_kn_send_decision": "Đang gửi quyết định giải quyết",
    "Task_kn_publish": "Đang công khai quyết định",
    "Task_kn_track_finality": "Quyết định đang chờ có hiệu lực pháp luật; trong thời gian này "
                              "ông/bà có thể khiếu nại lần hai hoặc khởi kiện",
    "Task_den_accept": "Đang xem xét việc thụ lý tố cáo",
    "Task_den_notify_accept": "Đang thông báo việc thụ lý tố cáo",
    "Task_den_conclusion": "Đang giải quyết tố cáo",
    "Task_pakn_answer": "Đang chuẩn bị văn bản trả lời",
    # issue 19 §1: the follow-up of a decision in force or a conclusion (decision_followup)
    **{step: TEXTS["followup"]
       for step in ("Task_df_plan", "Task_df_first_level", "Task_df_track", "Task_df_urge",
                    "Task_df_report")},
}
WAITING = TEXTS["waiting"]
DECIDED = {"Task_kn_decide", "Task_kn_terminate", "Task_den_conclusion",
           "Task_den_termination_notice", "Task_pakn_answer", "Task_pakn_refusal",
           "Task_intake_refuse", "Task_intake_store", "Task_intake_guide", "Task_intake_transfer",
           "Task_notify_citizen"}
SECOND_COMPLAINT_DAYS, SECOND_COMPLAINT_DAYS_REMOTE = 30, 45
NOTICE_WORKING_DAYS = 10
INTAKE_STEPS = frozenset({"Task_register", "Task_classify", "Task_approve_route"})


def _waiting(session, petition: Petition, done_ids: set[str]) -> dict:
    """No step is open (the case waits on a date: the posting period, the decision taking
    effect): say what is awaited, and the legal date when the law sets one (LKN Điều 33, 44)."""
    if "Task_kn_decide" in done_ids and "Task_kn_track_finality" not in done_ids:
        decided_on = case_values.recorded(session, petition.instance_id,
                                          ["Task_kn_decide"]).get("decision_date")
        try:
            due = date.fromisoformat(str(decided_on)[:10]) + timedelta(
                days=SECOND_COMPLAINT_DAYS_REMOTE if petition.remote_area
                else SECOND_COMPLAINT_DAYS)
        except ValueError:
            due = None
        return {"text": OPEN["Task_kn_track_finality"], "due": due}
    return {"text": WAITING, "due": None}


def _vn_date(value):
    return value.astimezone(VN_TZ).date() if value is not None else None


def status(ctx: "EngineContext", code: str | None, pin: str | None) -> dict:
    """The plain-words status of the letter with this code and PIN (``TrackingRefused`` for any
    wrong pair, after the same work)."""
    with ctx.uow(write=False) as uow:
        petition = pins.find(uow.session, code, pin)
        return describe(uow.session, petition, notice_due_of(ctx, petition))


def notice_due_of(ctx: "EngineContext", petition: Petition):
    """The day the agency must tell the citizen what it does with the letter: 10 working days
    from receipt (LTCD Điều 28), the due date of the intake's steps that carry none."""
    return ctx.calendar().add_working_days(petition.received_on, NOTICE_WORKING_DAYS)


def describe(session, petition: Petition, notice_due=None) -> dict:
    denouncer = petition.identity_sealed or petition.petition_type == "denunciation"
    tasks = list(session.scalars(select(HumanTask).where(
        HumanTask.instance_id == petition.instance_id).order_by(HumanTask.created_at,
                                                                HumanTask.id))) \
        if petition.instance_id else []
    instance = session.get(ProcessInstance, petition.instance_id) if petition.instance_id else None
    steps = [{"on": petition.received_on,
              "text": TEXTS["received_online" if petition.channel == "online" else "received"]}]
    for task in tasks:
        words = DONE.get(task.bpmn_id)
        if task.status != "completed" or words is None or (denouncer and words[1] != "D"):
            continue
        steps.append({"on": _vn_date(task.completed_at), "text": words[0]})
    for pub in session.scalars(select(Publication).where(
            Publication.petition_id == petition.id, Publication.withdrawn_at.is_(None))):
        args = {"number": pub.number}
        steps.append({"on": pub.posted_on, "text": TEXTS["published"] % args,
                      "msgid": TEXTS["published"], "args": args})
    steps.sort(key=lambda s: s["on"])
    upcoming = []
    for task in tasks:
        if task.status != "ready":
            continue
        words = OPEN.get(task.bpmn_id)
        if denouncer and task.bpmn_id not in ("Task_register", "Task_den_accept",
                                              "Task_den_notify_accept", "Task_den_conclusion"):
            words = None
        due = _vn_date(task.due_at)
        if due is None and task.bpmn_id in INTAKE_STEPS:
            due = notice_due
        upcoming.append({"text": words or WAITING, "due": due})
    done_ids = {t.bpmn_id for t in tasks if t.status == "completed"}
    closed = instance is not None and instance.status in ("completed", "terminated")
    if not upcoming and not closed and not denouncer:
        upcoming.append(_waiting(session, petition, done_ids))
    decided = bool(done_ids & DECIDED) or closed
    answer = session.get(SatisfactionAnswer, petition.id)
    level = None
    if "Task_kn_decide" in done_ids and not denouncer:
        level = case_values.recorded(session, petition.instance_id,
                                     ["Task_kn_classify"]).get("complaint_level")
    return {
        "code": petition.tracking_code, "kind": KIND_WORDS.get(petition.petition_type, ""),
        "received_on": petition.received_on, "online": petition.channel == "online",
        "agency": agency_for(session, petition.unit_code).full_name,
        "steps": steps, "upcoming": upcoming[:3] if not closed else [],
        "closed": closed, "decided": decided,
        "may_answer": decided and answer is None,
        "answered": None if answer is None else {"satisfied": answer.satisfied,
                                                 "on": _vn_date(answer.answered_at)},
        "first_complaint_decision": level == "first",
        "second_complaint_days": SECOND_COMPLAINT_DAYS_REMOTE if petition.remote_area
        else SECOND_COMPLAINT_DAYS,
    }
