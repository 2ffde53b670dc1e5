"""Progress notices a citizen asked for at the desk: the contact is checked with the letter and
recorded with the consent, in the registration's unit of work (read by
``petitions.citizens.notices``)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from petitions.persistence.citizens_models import CitizenContact

if TYPE_CHECKING:
    from petitions.register.registration import Registration

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


def errors(reg: "Registration") -> dict[str, str]:
    found: dict[str, str] = {}
    if reg.notify_email and not EMAIL.match(reg.notify_email):
        found["notify_email"] = "Địa chỉ thư điện tử không hợp lệ"
    if reg.notify_sms and not _phone(reg):
        found["notify_sms"] = "Ghi số điện thoại của người gửi để nhận tin nhắn"
    if reg.anonymous and (reg.notify_email or reg.notify_sms):
        found["notify_email"] = "Đơn nặc danh không có người nhận thông báo"
    return found


def _phone(reg: "Registration") -> str | None:
    """The number to text: the first sender's that has one (the representative's comes first
    on a group letter only if typed first, as at the counter)."""
    return next((s.phone.replace(" ", "") for s in reg.senders if s.phone), None)


def record(session, petition_id: int, reg: "Registration", by: str, now) -> None:
    if reg.anonymous or not (reg.notify_email or reg.notify_sms):
        return
    session.add(CitizenContact(petition_id=petition_id, email=reg.notify_email or None,
                               phone=_phone(reg) if reg.notify_sms else None,
                               notify_sms=reg.notify_sms, consent_at=now, recorded_by=by))
