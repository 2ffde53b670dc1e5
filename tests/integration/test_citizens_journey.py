"""The citizens' side end to end on the real processes: an online complaint waits for the
reception officer's check, is handled to a published decision, tracked in plain words by code and
PIN, answered "not satisfied"; a denunciation's conclusion is published without the denouncer."""
from __future__ import annotations

from sqlalchemy import select

from petitions.citizens import pins, publications, satisfaction, tracking
from petitions.citizens.models import OnlineLetter, Publication, TrackingPin
from petitions.demo import seed_demo_users
from petitions.persistence.models import OutboundEmail, PetitionDocument
from petitions.register.documents import FolderDocumentStore
from engine.work import human_tasks
from tests.bpmn.harness import deploy_processes
from tests.integration import citizens_journey as journey

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _setup(ctx, clock, time_machine):
    time_machine.move_to(clock.current, tick=False)
    seed_demo_users(ctx)
    deploy_processes(ctx)


def test_online_complaint_from_submission_to_published_decision_and_answer(
        ctx, clock, time_machine, tmp_path):
    _setup(ctx, clock, time_machine)
    store = FolderDocumentStore(tmp_path / "documents")
    stored = store.put("quyet-dinh.pdf", PDF)
    result = journey.submit(ctx, documents=[stored])
    assert result["repeated"] is False and len(result["pin"]) == 8 and result["pin"].isdigit()
    code, pin = result["tracking_code"], result["pin"]
    # The same form sent again creates nothing and never shows the PIN again.
    again = journey.submit(ctx)
    assert again == {**again, "tracking_code": code, "pin": None, "repeated": True}
    petition = journey.petition_of(ctx, code)
    assert petition.channel == "online" and petition.created_by == "system:online"
    with ctx.uow(write=False) as uow:
        pin_row = uow.session.get(TrackingPin, petition.id)
        assert pin_row.pin_hash.startswith("$argon2") and pin not in pin_row.pin_hash
        # (Officers get their own mails about new work; only the citizen's are looked at here.)
        mails = list(uow.session.scalars(select(OutboundEmail).where(
            OutboundEmail.to_address == "congdan@example.vn")))
        assert len(mails) == 1
        assert code in mails[0].body and pin not in mails[0].body
        assert uow.session.get(OnlineLetter, petition.id).consent_at is not None
        docs = list(uow.session.scalars(select(PetitionDocument).where(
            PetitionDocument.petition_id == petition.id)))
        assert [d.file_name for d in docs] == ["quyet-dinh.pdf"]
    # Waiting for the reception officer's check: the intake's first step is open.
    open_steps = [t["bpmn_id"] for t in human_tasks.list_tasks(ctx, instance_id=petition.instance_id)]
    assert open_steps == ["Task_register"]
    view = tracking.status(ctx, code.lower().replace("-", " "), pin)
    assert [s["text"] for s in view["steps"]] == ["Cơ quan đã nhận đơn gửi trực tuyến"]
    assert view["upcoming"][0]["text"] == "Đơn gửi trực tuyến đang chờ cán bộ tiếp nhận kiểm tra"
    # Mon 23/11/2026 + 10 working days (LTCD Điều 28; 24/11 is a day off in the 2026 calendar):
    # 25–27, 30/11, 1–4, 7, 8/12.
    assert view["upcoming"][0]["due"].isoformat() == "2026-12-08"
    assert view["may_answer"] is False

    data = journey.steps(ctx, kind="complaint", publish=True, level="first")
    done = journey.drive(ctx, petition.instance_id, data, "Task_kn_publish")
    assert done[:4] == ["Task_register", "Task_classify", "Task_approve_route", "Task_kn_receive"]

    view = tracking.status(ctx, code, pin)
    texts = [s["text"] for s in view["steps"]]
    for expected in ("Cán bộ tiếp nhận đã kiểm tra và vào sổ đơn",
                     "Khiếu nại đã được thụ lý và thông báo thụ lý", "Đã tổ chức đối thoại",
                     "Đã ban hành quyết định giải quyết khiếu nại", "Quyết định đã được công khai",
                     "Đã đăng trên trang công khai kết quả (số 215/QĐ-UBND)"):
        assert expected in texts
    assert all(s["on"] is not None for s in view["steps"])
    assert all(u["due"] is not None for u in view["upcoming"])  # the legal date of the next step
    # No step open during the posting period: what is awaited is said, with its legal date (the
    # decision takes effect 30 days after it was issued, LKN Điều 33).
    from datetime import timedelta
    assert [(u["text"][:38], u["due"]) for u in view["upcoming"]] == [
        ("Quyết định đang chờ có hiệu lực pháp l", journey.petition_of(ctx, code).received_on
         + timedelta(days=30))]
    shown = repr(view)
    assert "Ý kiến nội bộ" not in shown and "Đơn giá chưa đúng" not in shown  # no internal notes
    assert view["may_answer"] and view["first_complaint_decision"]

    entries = publications.search(ctx)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["title"] == "Quyết định giải quyết khiếu nại lần đầu số 215/QĐ-UBND"
    assert entry["agency"] and entry["posted_on"].isoformat() == journey.today(ctx)
    assert (entry["visible_until"] - entry["posted_on"]).days >= 15
    # The complainant's name and phone were typed into the decision: cut from the public copy.
    assert "Công Dân" not in entry["content"] and "0912" not in entry["content"]
    assert "Chấp nhận một phần khiếu nại" in entry["content"]
    assert publications.search(ctx, kind="denunciation_conclusion") == []

    answered = satisfaction.answer(ctx, code, pin, satisfied=False,
                                   reason="Đơn giá điều chỉnh vẫn thấp")
    assert answered["answered"]["satisfied"] is False and answered["may_answer"] is False
    with ctx.uow(write=False) as uow:
        assert satisfaction.counts(uow.session) == {"satisfied": 0, "not_satisfied": 1}
    # Emails at acceptance, dialogue invitation, decision and publication; never the PIN.
    with ctx.uow(write=False) as uow:
        subjects = [m.subject for m in uow.session.scalars(select(OutboundEmail).where(
            OutboundEmail.to_address == "congdan@example.vn").order_by(OutboundEmail.id))]
        bodies = [m.body for m in uow.session.scalars(select(OutboundEmail))]
    assert subjects[1:] == ["Khiếu nại đã được thụ lý", "Mời đối thoại",
                            "Đã có quyết định giải quyết khiếu nại", "Quyết định đã được công khai"]
    assert not any(pin in body for body in bodies)


def test_first_decision_not_chosen_for_publication_stays_off_the_page(ctx, clock, time_machine):
    _setup(ctx, clock, time_machine)
    result = journey.submit(ctx, email=None)
    petition = journey.petition_of(ctx, result["tracking_code"])
    data = journey.steps(ctx, kind="complaint", publish=False)
    done = journey.drive(ctx, petition.instance_id, data, "Task_kn_send_decision")
    assert "Task_kn_publish" not in done
    with ctx.uow(write=False) as uow:
        assert uow.session.scalars(select(Publication)).all() == []


def test_denunciation_conclusion_published_without_the_denouncer(ctx, clock, time_machine):
    _setup(ctx, clock, time_machine)
    result = journey.submit(ctx, kind="denunciation", name=journey.SEALED_NAME,
                            id_number=journey.SEALED_ID, phone=journey.SEALED_PHONE)
    code, pin = result["tracking_code"], result["pin"]
    petition = journey.petition_of(ctx, code)
    assert petition.identity_sealed
    data = journey.steps(ctx, kind="denunciation")
    journey.drive(ctx, petition.instance_id, data, "Task_den_publish")
    entries = publications.search(ctx)
    assert [e["title"] for e in entries] == ["Kết luận nội dung tố cáo số 20/KL-UBND"]
    text = repr(entries)
    for secret in (journey.SEALED_NAME, "Bí Mật", journey.SEALED_ID, journey.SEALED_PHONE):
        assert secret not in text
    assert "Trần Văn Bình thu tiền sai" in entries[0]["content"]
    # The denouncer is told only what the law lets a denouncer know (LTC Điều 9).
    view = tracking.status(ctx, code, pin)
    texts = [s["text"] for s in view["steps"]]
    assert "Tố cáo đã được thụ lý; cơ quan đã thông báo cho ông/bà" in texts
    assert "Đã ban hành kết luận nội dung tố cáo" in texts
    assert not any("xác minh" in t.lower() or "phân loại" in t.lower() for t in texts)


def test_wrong_pairs_get_one_answer_and_a_new_pin_replaces_the_old(ctx, clock, time_machine):
    _setup(ctx, clock, time_machine)
    result = journey.submit(ctx)
    code, pin = result["tracking_code"], result["pin"]
    messages = []
    for guess_code, guess_pin in ((code, "00000000" if pin != "00000000" else "11111111"),
                                  ("ZZZZZ-ZZZZZ", pin), ("", ""), ("not a code", pin)):
        try:
            tracking.status(ctx, guess_code, guess_pin)
        except pins.TrackingRefused as err:
            messages.append(err.message)
    assert messages == [pins.REFUSED] * 4
    from engine.accounts.users import actor_for
    petition = journey.petition_of(ctx, code)
    new = pins.reissue(ctx, actor_for(ctx, "tiepdan"), petition.id, identity_checked=True)
    assert new["tracking_code"] == code and new["pin"] != pin
    assert tracking.status(ctx, code, new["pin"])["code"] == code
    try:
        tracking.status(ctx, code, pin)
        raise AssertionError("the old PIN still works")
    except pins.TrackingRefused:
        pass
