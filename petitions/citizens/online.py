"""Letters sent on the public form (/gui-don): registered with channel ``online`` and left at the
intake's first step, ``Task_register``, where a reception officer checks them before intake
(the inbox marks them "chờ kiểm tra"). The citizen gets the tracking code and a PIN once; an
e-mail, when an address was given, carries the code and never the PIN.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from sqlalchemy import select

from engine.accounts.models import Unit
from engine.errors import FormInvalid, InvalidInput
from engine.working_days import VN_TZ
from petitions.agencies.profiles import agency_for
from petitions.citizens.models import OnlineLetter
from petitions.persistence.models import OutboundEmail, Petition
from petitions.register import contacts, registration
from petitions.register.registration import Registration, Sender, StoredDocument

if TYPE_CHECKING:
    from engine.context import EngineContext

CHANNEL = "online"
# Who "did" the registration in the audit chain and the register: the public form, not a person.
ONLINE_ACTOR = "system:online"
KINDS = ("complaint", "denunciation", "recommendation", "feedback")


@dataclass
class OnlineSubmission:
    unit_code: str
    petition_type: str
    summary: str
    senders: list[Sender]
    submission_key: str
    consent: bool
    signers: int = 1
    location: str | None = None
    email: str | None = None
    phone: str | None = None
    notify_sms: bool = False


def receiving_units(ctx: "EngineContext") -> list[dict]:
    """The agencies a citizen may send a letter to, by their printed names (never a code shown)."""
    with ctx.uow(write=False) as uow:
        units = list(uow.session.scalars(select(Unit).order_by(Unit.name)))
        return [{"code": u.code, "name": agency_for(uow.session, u.code).full_name or u.name}
                for u in units if getattr(u, "active", True)]


def _validate(ctx: "EngineContext", sub: OnlineSubmission, reg: Registration,
              units: set[str]) -> None:
    errors: dict[str, str] = {}
    if sub.petition_type not in KINDS:
        errors["petition_type"] = "Hãy chọn loại đơn"
    if sub.unit_code not in units:
        errors["unit_code"] = "Hãy chọn cơ quan nhận đơn"
    if not sub.consent:
        errors["consent"] = "Cần đồng ý cho cơ quan xử lý dữ liệu cá nhân để giải quyết đơn"
    if sub.email and not contacts.EMAIL.match(sub.email):
        errors["email"] = "Địa chỉ thư điện tử không hợp lệ"
    if sub.notify_sms and not (sub.phone or any(s.phone for s in sub.senders)):
        errors["phone"] = "Cần số điện thoại để nhận tin nhắn"
    try:
        registration.validate(reg, ctx.clock.now().astimezone(VN_TZ).date())
    except FormInvalid as err:
        errors.update(err.errors)
    if errors:
        raise FormInvalid(errors)


def submit(ctx: "EngineContext", sub: OnlineSubmission,
           documents: Sequence[StoredDocument] = ()) -> dict:
    """Register an online letter; ``{tracking_code, pin, number, repeated}``. The same form sent
    twice (same one-time key) creates nothing more and gives ``pin=None, repeated=True``."""
    if not sub.submission_key or not (16 <= len(sub.submission_key) <= 64):
        raise InvalidInput("Biểu mẫu đã cũ; vui lòng tải lại trang và gửi lại")
    today = ctx.clock.now().astimezone(VN_TZ).date()
    reg = Registration(received_on=today, channel=CHANNEL, petition_type=sub.petition_type,
                       field="other", summary=sub.summary or "", senders=list(sub.senders),
                       signers=max(sub.signers, len(sub.senders), 1),
                       location=(sub.location or "").strip() or None, unit_code=sub.unit_code)
    units = {u["code"] for u in receiving_units(ctx)}
    with ctx.uow(write=False) as uow:
        earlier = _earlier(uow.session, sub.submission_key)
    if earlier:
        return earlier
    _validate(ctx, sub, reg, units)
    with ctx.uow() as uow:
        session = uow.session
        earlier = _earlier(session, sub.submission_key)
        if earlier:
            return earlier
        now = ctx.clock.now()
        petition, instance, _ = registration.store_letter(
            ctx, uow, reg, unit=sub.unit_code, created_by=ONLINE_ACTOR, documents=documents)
        registration.record_registered(session, petition, instance, reg, ONLINE_ACTOR, now)
        pin = registration.issue_pin(session, petition.id, ONLINE_ACTOR, now)
        email = (sub.email or "").strip() or None
        session.add(OnlineLetter(petition_id=petition.id, submission_key=sub.submission_key,
                                 consent_at=now, email=email,
                                 phone=(sub.phone or "").strip() or None,
                                 notify_sms=sub.notify_sms))
        agency = agency_for(session, sub.unit_code).full_name
        if email:
            session.add(OutboundEmail(
                to_address=email,
                subject=f"Đã nhận đơn của ông/bà — mã tra cứu {petition.tracking_code}",
                body=receipt_mail(petition.tracking_code, agency, today),
                status="pending", attempts=0, next_attempt_at=now, created_at=now))
        result = {"tracking_code": petition.tracking_code, "pin": pin, "number": petition.number,
                  "repeated": False, "received_on": today, "agency": agency}
        uow.commit()
        return result


def _earlier(session, key: str) -> dict | None:
    row = session.execute(select(Petition.tracking_code, Petition.number, Petition.received_on)
                          .join(OnlineLetter, OnlineLetter.petition_id == Petition.id)
                          .where(OnlineLetter.submission_key == key)).first()
    if row is None:
        return None
    return {"tracking_code": row[0], "pin": None, "number": row[1], "repeated": True,
            "received_on": row[2], "agency": ""}


def receipt_mail(code: str, agency: str, day) -> str:
    """The e-mail receipt: the code, the date, where to track; never the PIN."""
    return (f"{agency or 'Cơ quan'} đã nhận đơn ông/bà gửi trực tuyến ngày "
            f"{day.strftime('%d/%m/%Y')}.\n\nMã tra cứu: {code}\n\n"
            "Đơn sẽ được cán bộ tiếp nhận kiểm tra rồi vào sổ xử lý. Để theo dõi, mở trang "
            "“Tra cứu đơn” (/tra-cuu) và nhập mã tra cứu cùng mã PIN đã hiện khi gửi đơn. "
            "Vì an toàn, thư này không chứa mã PIN.\n")
