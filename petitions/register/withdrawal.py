"""An officer records that the citizen withdrew a complaint ("công dân rút đơn").

The petition domain's side of a kernel message: the complaint process catches the BPMN message
``complaint_withdrawn`` at any step (tools/process_sources/complaint.py) and opens the termination
decision. The message is addressed by the petition number (the instance's business key) and
delivered once per petition (its message id), so a second click changes nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from engine.work import messages
from petitions.register import registration
from engine.errors import Forbidden, InvalidInput, InvalidState
from engine.accounts.actor import Actor

if TYPE_CHECKING:
    from engine.context import EngineContext

WITHDRAWAL_MESSAGE = "complaint_withdrawn"
# Who may record it: the people who receive and handle the letter, and the head of the unit.
MAY_RECORD = frozenset({"reception_officer", "handling_officer", "head_of_unit", "administrator"})
MAX_REASON = 1000


def record_withdrawal(ctx: "EngineContext", petition_id: int, actor: Actor, reason: str) -> dict:
    """Deliver the withdrawal to the petition's complaint; returns the delivery (``duplicate``
    when it was recorded before)."""
    petition = registration.get_petition(ctx, petition_id, actor)  # another unit's: not found
    if not actor.roles & MAY_RECORD:
        raise Forbidden("Chỉ cán bộ tiếp nhận, xử lý đơn hoặc thủ trưởng đơn vị được ghi nhận rút đơn")
    reason = (reason or "").strip()
    if len(reason) < 5 or len(reason) > MAX_REASON:
        raise InvalidInput(f"Cần ghi nội dung rút đơn (từ 5 đến {MAX_REASON} ký tự)")
    if petition.petition_type != "complaint" or petition.instance_id is None:
        raise InvalidState("Chỉ ghi nhận rút đơn cho đơn khiếu nại đang được giải quyết")
    try:
        return messages.deliver_message(ctx, WITHDRAWAL_MESSAGE, business_key=petition.number,
                                        actor=actor.username, data={"reason": reason},
                                        message_id=f"petition-{petition.id}-withdrawn")
    except messages.MessageUnmatched:
        raise InvalidState("Hồ sơ không ở bước có thể ghi nhận rút đơn (quy trình khiếu nại "
                           "chưa bắt đầu hoặc đã kết thúc); yêu cầu đã được lưu lại") from None
