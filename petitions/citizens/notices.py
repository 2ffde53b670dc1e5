"""Notices to a citizen who gave a contact (on the online form, or at the desk with the consent
the officer recorded): e-mail through the outbox
(retries, the failed list: ``petitions.notifications``), and SMS or Zalo OA through a port.

A subscriber of the kernel's ``TaskCompleted``: at acceptance, transfer, dialogue invitation,
decision and publication one plain message, written in the same unit of work (e-mail) or handed
to the message gateway after the commit (SMS, Zalo). A message never carries the PIN, the
content of the letter or anyone's identity; a denouncer gets only what the law lets a denouncer
know (LTC Điều 9).

The gateway is chosen by ``CITIZEN_MESSAGES`` (``file``: one JSON line per message in
``<data dir>/messages/citizen_messages.jsonl``, for a real gateway's adapter to pick up;
``console``: a log line with the number masked; ``none``, the default: no SMS/Zalo at all).
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from engine.events import TaskCompleted
from petitions.citizens.models import CitizenContact, OnlineLetter
from petitions.identity.protection import petition_of_instance
from petitions.persistence.models import OutboundEmail

if TYPE_CHECKING:
    from engine.persistence.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# Step → (subject, text, a denouncer may be told).
MESSAGES = {
    "Task_kn_accept": ("Khiếu nại đã được thụ lý", "Khiếu nại của ông/bà đã được xem xét việc thụ "
                       "lý; cơ quan gửi thông báo bằng văn bản.", False),
    "Task_den_notify_accept": ("Tố cáo đã được thụ lý", "Tố cáo của ông/bà đã được thụ lý giải "
                               "quyết.", True),
    "Task_intake_transfer": ("Đơn đã được chuyển", "Đơn của ông/bà đã được chuyển đến cơ quan có "
                             "thẩm quyền giải quyết.", True),
    "Task_den_transfer": ("Tố cáo đã được chuyển", "Tố cáo của ông/bà đã được chuyển đến cơ quan "
                          "có thẩm quyền giải quyết.", True),
    "Task_kn_dialogue_notice": ("Mời đối thoại", "Cơ quan mời ông/bà đến đối thoại về khiếu nại; "
                                "thư mời ghi ngày, giờ và địa điểm.", False),
    "Task_pakn_meeting": ("Mời gặp gỡ, đối thoại", "Cơ quan mời ông/bà gặp gỡ, đối thoại về kiến "
                          "nghị, phản ánh.", False),
    "Task_kn_decide": ("Đã có quyết định giải quyết khiếu nại", "Đã ban hành quyết định giải quyết "
                       "khiếu nại của ông/bà; quyết định được gửi đến ông/bà.", False),
    "Task_den_send_conclusion": ("Đã có kết luận nội dung tố cáo", "Cơ quan đã ban hành kết luận "
                                 "nội dung tố cáo và thông báo cho ông/bà.", True),
    "Task_pakn_answer": ("Đã có văn bản trả lời", "Cơ quan đã gửi văn bản trả lời kiến nghị, phản "
                         "ánh của ông/bà.", False),
    "Task_kn_publish": ("Quyết định đã được công khai", "Quyết định giải quyết khiếu nại đã được "
                        "công khai trên trang Công khai kết quả.", False),
    "Task_den_publish": ("Kết luận đã được công khai", "Kết luận nội dung tố cáo đã được công khai "
                         "trên trang Công khai kết quả.", True),
}
FOOTER = ("\n\nMã tra cứu: {code}. Xem chi tiết tại trang “Tra cứu đơn” (/tra-cuu) với mã tra cứu "
          "và mã PIN của ông/bà.\n")


@dataclass(frozen=True)
class Message:
    channel: str       # sms | zalo
    to: str
    text: str


class MessageGateway(Protocol):
    """Where SMS and Zalo OA messages go: a real gateway's adapter implements ``send``."""

    def send(self, message: Message) -> None: ...


class NoGateway:
    def send(self, message: Message) -> None:
        return None


class FileGateway:
    """One JSON line per message, appended to a private file (0600)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def send(self, message: Message) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(json.dumps({"channel": message.channel, "to": message.to,
                                  "text": message.text}, ensure_ascii=False) + "\n")


class ConsoleGateway:
    """A log line per message; the number is masked (logs must not hold a citizen's contact)."""

    def send(self, message: Message) -> None:
        log.info("%s to ***%s: %s", message.channel, message.to[-3:], message.text)


_GATEWAY: list[MessageGateway] = [NoGateway()]


def install(gateway: MessageGateway) -> None:
    _GATEWAY[0] = gateway


def gateway_from_env(data_dir: str | os.PathLike) -> MessageGateway:
    choice = os.environ.get("CITIZEN_MESSAGES", "none").strip().lower()
    if choice == "file":
        return FileGateway(Path(data_dir) / "messages" / "citizen_messages.jsonl")
    if choice == "console":
        return ConsoleGateway()
    return NoGateway()


def notify_citizen(uow: "UnitOfWork", event: TaskCompleted) -> None:
    """A step the citizen is told of completed: e-mail (outbox) and SMS/Zalo (after commit)."""
    found = MESSAGES.get(event.task.bpmn_id)
    if found is None:
        return
    session = uow.session
    petition = petition_of_instance(session, event.instance.id)
    if petition is None:
        return
    contact = session.get(OnlineLetter, petition.id) or session.get(CitizenContact, petition.id)
    if contact is None:
        return
    subject, text, denouncer_may_know = found
    if (petition.identity_sealed or petition.petition_type == "denunciation") \
            and not denouncer_may_know:
        return
    body = text + FOOTER.format(code=petition.tracking_code)
    if contact.email:
        session.add(OutboundEmail(to_address=contact.email, subject=subject, body=body,
                                  status="pending", attempts=0, next_attempt_at=event.now,
                                  created_at=event.now))
    if contact.notify_sms and contact.phone:
        message = Message("sms", contact.phone, f"{subject}. Mã tra cứu {petition.tracking_code}")
        gateway = _GATEWAY[0]
        uow.after_commit(lambda: gateway.send(message))
