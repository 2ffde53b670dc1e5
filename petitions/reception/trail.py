"""What every reception command shares: who may write, which unit a row belongs to (another
unit's row does not exist for the reader: NotFound, administrators included), and the audit line
each action leaves on its unit's reception chain."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, TypeVar

from engine.audit.chain import PendingEvent, append_chain_event
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.working_days import VN_TZ

if TYPE_CHECKING:
    from engine.accounts.actor import Actor

T = TypeVar("T")
# Officers at the desk plan sessions and keep the book; the head issues conclusions too.
WRITERS = frozenset({"reception_officer", "head_of_unit", "administrator"})
READERS = WRITERS | {"supervisor", "handling_officer"}


def chain_of(unit_code: str) -> str:
    """One audit chain per unit's reception work (schedules, sessions, book, conclusions)."""
    return f"reception:{unit_code}"


def audit(session, unit_code: str, actor: "Actor", event_type: str, payload: dict,
          now: datetime) -> None:
    append_chain_event(session, chain_of(unit_code), PendingEvent(event_type, actor.username,
                                                                  payload), now, lock=True)


def writing_unit(actor: "Actor") -> str:
    """The unit a new row belongs to: the writer's own."""
    if not (WRITERS & actor.roles):
        raise Forbidden("Chỉ cán bộ tiếp công dân hoặc thủ trưởng đơn vị mới ghi được")
    if not actor.unit:
        raise InvalidInput("Tài khoản của bạn chưa thuộc đơn vị nào; đề nghị quản trị hệ thống "
                           "gán đơn vị")
    return actor.unit


def check_reader(actor: "Actor") -> None:
    if not (READERS & actor.roles):
        raise Forbidden("Bạn không có quyền xem sổ tiếp công dân")


def visible(row: T | None, actor: "Actor", what: str) -> T:
    """``row`` if it exists and belongs to one of ``actor``'s units, else NotFound."""
    if row is None or getattr(row, "unit_code") not in actor.units:
        raise NotFound(f"Không tìm thấy {what}")
    return row


def own(row: T | None, actor: "Actor", what: str) -> T:
    """``row`` for writing: it must belong to the writer's own unit. Another unit's row is not
    found, whatever the role (checked before the role, so a 404 never turns into a 403)."""
    if row is None or getattr(row, "unit_code") != actor.unit:
        raise NotFound(f"Không tìm thấy {what}")
    writing_unit(actor)
    return row


def today(now: datetime) -> date:
    return now.astimezone(VN_TZ).date()


def clean(text: str | None, label: str, *, required: bool = False, limit: int = 5000) -> str | None:
    value = (text or "").strip()
    if required and not value:
        raise InvalidInput(f"Chưa nhập {label}")
    if len(value) > limit:
        raise InvalidInput(f"{label[0].upper()}{label[1:]} dài quá {limit} ký tự")
    return value or None
