"""A letter registered at the desk gets progress notices when the citizen asked for them: the
officer records an e-mail address and/or SMS to the sender's phone with the consent. Before this,
only letters sent online kept a contact, so a citizen who came to the counter was never told."""
from __future__ import annotations

import json
from datetime import date
import pytest
from sqlalchemy import func, select

from engine.accounts.users import actor_for
from engine.errors import FormInvalid
from petitions.citizens import notices
from petitions.citizens.models import CitizenContact
from petitions.demo import seed_demo_users
from petitions.persistence.models import OutboundEmail
from petitions.register import registration
from petitions.register.registration import Registration, Sender
from tests.bpmn.harness import deploy_processes
from tests.integration import citizens_journey as journey


def _letter(ctx, **contact) -> Registration:
    return Registration(
        received_on=date.fromisoformat(journey.today(ctx)), channel="direct", petition_type="complaint",
        field="land_housing", summary="Khiếu nại quyết định thu hồi đất thửa số 7.",
        senders=[Sender(name="Trần Văn Quầy", id_number="001080054321", phone="0913 222 333",
                        address_detail="Thôn Bắc, xã Demo")], **contact)


@pytest.fixture
def desk(ctx, clock, time_machine, tmp_path):
    time_machine.move_to(clock.current, tick=False)
    seed_demo_users(ctx)
    deploy_processes(ctx)
    messages = tmp_path / "messages.jsonl"
    notices.install(notices.FileGateway(messages))
    yield actor_for(ctx, "tiepdan"), messages
    notices.install(notices.NoGateway())


def test_a_desk_letter_with_a_contact_is_told_of_its_acceptance(ctx, desk):
    officer, messages = desk
    result = registration.register(ctx, officer, _letter(
        ctx, notify_email="quay@example.vn", notify_sms=True))
    with ctx.uow(write=False) as uow:
        contact = uow.session.get(CitizenContact, result["petition_id"])
        assert (contact.email, contact.phone, contact.notify_sms) == (
            "quay@example.vn", "0913222333", True)
        assert contact.recorded_by == "tiepdan" and contact.consent_at is not None

    data = journey.steps(ctx, kind="complaint")
    journey.drive(ctx, result["instance_id"], data, "Task_kn_accept")

    with ctx.uow(write=False) as uow:
        mails = list(uow.session.scalars(select(OutboundEmail).where(
            OutboundEmail.to_address == "quay@example.vn")))
    assert [m.subject for m in mails] == ["Khiếu nại đã được thụ lý"]
    assert result["tracking_code"] in mails[0].body and result["pin"] not in mails[0].body
    assert "thu hồi đất" not in mails[0].body  # never the letter's content
    sent = [json.loads(line) for line in messages.read_text(encoding="utf-8").splitlines()]
    assert sent == [{"channel": "sms", "to": "0913222333",
                     "text": f"Khiếu nại đã được thụ lý. Mã tra cứu {result['tracking_code']}"}]


def test_without_consent_nothing_is_kept_and_nothing_is_sent(ctx, desk):
    officer, messages = desk
    result = registration.register(ctx, officer, _letter(ctx))
    journey.drive(ctx, result["instance_id"], journey.steps(ctx, kind="complaint"),
                  "Task_kn_accept")
    with ctx.uow(write=False) as uow:
        assert uow.session.get(CitizenContact, result["petition_id"]) is None
        assert uow.session.scalar(select(func.count()).select_from(OutboundEmail).where(
            OutboundEmail.subject == "Khiếu nại đã được thụ lý")) == 0
    assert not messages.exists()


@pytest.mark.parametrize("contact, key, message", [
    ({"notify_email": "khong-phai-thu"}, "notify_email", "Địa chỉ thư điện tử không hợp lệ"),
    ({"notify_sms": True, "phone": None}, "notify_sms",
     "Ghi số điện thoại của người gửi để nhận tin nhắn"),
    ({"notify_email": "a@example.vn", "anonymous": True}, "notify_email",
     "Đơn nặc danh không có người nhận thông báo"),
])
def test_a_contact_that_cannot_be_used_is_refused_and_nothing_is_written(ctx, desk, contact, key,
                                                                        message):
    officer, _ = desk
    contact = dict(contact)
    letter = _letter(ctx, **{k: v for k, v in contact.items() if k not in ("phone", "anonymous")})
    if "phone" in contact:
        letter.senders[0].phone = None
    if contact.get("anonymous"):
        letter.anonymous, letter.senders = True, []
    with pytest.raises(FormInvalid) as err:
        registration.register(ctx, officer, letter)
    assert err.value.errors[key] == message
    with ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(CitizenContact)) == 0

