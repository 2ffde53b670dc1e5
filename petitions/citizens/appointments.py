"""The public reception schedule (/lich-tiep-cong-dan) and citizens' registrations for a session.

The sessions are citizen reception's (``petitions.reception``, read from its table: the two
packages are siblings): planned ones from today on, of
every unit, with the leader's position (never a private detail). A citizen registers with a name,
a contact and the matter in one line and gets a confirmation code; the session's staff list reads
them with ``for_session`` (the reception officer's session page).
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine.errors import FormInvalid, NotFound
from engine.working_days import VN_TZ
from petitions.agencies.profiles import agency_for
from petitions.citizens.models import SessionRegistration
from petitions.persistence.reception_models import ReceptionSession

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

DAYS_AHEAD = 60
MAX_PER_SESSION = 200
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def upcoming(ctx: "EngineContext") -> list[dict]:
    """Planned sessions of every unit from today, for the next two months, by date."""
    today = ctx.clock.now().astimezone(VN_TZ).date()
    with ctx.uow(write=False) as uow:
        rows = list(uow.session.scalars(select(ReceptionSession).where(
            ReceptionSession.status == "planned", ReceptionSession.held_on >= today,
            ReceptionSession.held_on <= today + timedelta(days=DAYS_AHEAD))
            .order_by(ReceptionSession.held_on, ReceptionSession.id)))
        names = {code: agency_for(uow.session, code).full_name
                 for code in {r.unit_code for r in rows}}
        return [{"id": r.id, "held_on": r.held_on, "hours": r.hours, "place": r.place,
                 "agency": names.get(r.unit_code, ""), "online": r.online,
                 "who": r.leader_name}
                for r in rows]


def register(ctx: "EngineContext", session_id: int, *, name: str, contact: str,
             matter: str) -> dict:
    """A registration for a planned session; ``{"code", "held_on", "hours", "place"}``."""
    errors = {}
    name, contact, matter = (name or "").strip(), (contact or "").strip(), (matter or "").strip()
    if not 2 <= len(name) <= 200:
        errors["name"] = "Hãy nhập họ và tên"
    if not 6 <= len(contact) <= 200:
        errors["contact"] = "Hãy nhập số điện thoại hoặc thư điện tử để cơ quan liên hệ"
    if not 5 <= len(matter) <= 300:
        errors["matter"] = "Hãy tóm tắt việc cần trình bày trong một dòng (5–300 ký tự)"
    today = ctx.clock.now().astimezone(VN_TZ).date()
    with ctx.uow() as uow:
        row = uow.session.get(ReceptionSession, session_id)
        if row is None or row.status != "planned" or row.held_on < today:
            raise NotFound("Không tìm thấy buổi tiếp công dân này (có thể đã qua hoặc bị hủy)")
        if errors:
            raise FormInvalid(errors)
        taken = uow.session.scalar(select(func.count(SessionRegistration.id)).where(
            SessionRegistration.session_id == row.id))
        if taken >= MAX_PER_SESSION:
            raise FormInvalid({"session": "Buổi tiếp này đã đủ số người đăng ký; hãy chọn buổi khác"})
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        uow.session.add(SessionRegistration(session_id=row.id, code=code, name=name,
                                            contact=contact, matter=matter,
                                            created_at=ctx.clock.now()))
        result = {"code": code, "held_on": row.held_on, "hours": row.hours, "place": row.place,
                  "agency": agency_for(uow.session, row.unit_code).full_name}
        uow.commit()
        return result


def for_session(ctx: "EngineContext", actor: "Actor", session_id: int) -> list[dict]:
    """The registrations of one session of the actor's units (another unit's: NotFound)."""
    with ctx.uow(write=False) as uow:
        row = uow.session.get(ReceptionSession, session_id)
        if row is None or row.unit_code not in actor.units:
            raise NotFound("Không tìm thấy phiên tiếp")
        regs = uow.session.scalars(select(SessionRegistration).where(
            SessionRegistration.session_id == session_id).order_by(SessionRegistration.id))
        return [{"code": r.code, "name": r.name, "contact": r.contact, "matter": r.matter,
                 "at": r.created_at.astimezone(VN_TZ)} for r in regs]
