"""In-app notifications and the email outbox.

The engine only writes rows, in the same unit of work as the change that causes them; sending is
the workers' job (workers/mailer.py), so a notification is never lost to a failed SMTP call and
never sent for a change that rolled back.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import select, update

from engine.accounts.models import User
from engine.errors import NotFound
from petitions.persistence.models import Notification, OutboundEmail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.context import EngineContext


MAX_EMAIL_ATTEMPTS = 5


def notify(session: "Session", users: Iterable[User], *, kind: str, title: str, body: str,
           now: datetime, instance_id: int | None = None, task_id: int | None = None) -> list[str]:
    """Add an in-app notification (and an outbox email where the user has an address) per user."""
    names = []
    for user in users:
        session.add(Notification(username=user.username, kind=kind, title=title, body=body,
                                 instance_id=instance_id, task_id=task_id, created_at=now))
        if user.email:
            session.add(OutboundEmail(to_address=user.email, subject=title, body=body,
                                      status="pending", attempts=0, next_attempt_at=now,
                                      created_at=now))
        names.append(user.username)
    return names


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes between attempts, capped at an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def list_notifications(ctx: "EngineContext", username: str, *, unread_only: bool = False,
                       limit: int = 100) -> list[dict]:
    with ctx.uow(write=False) as uow:
        query = select(Notification).where(Notification.username == username)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        rows = uow.session.scalars(query.order_by(Notification.id.desc()).limit(limit))
        return [{"id": n.id, "kind": n.kind, "title": n.title, "body": n.body,
                 "instance_id": n.instance_id, "task_id": n.task_id,
                 "created_at": n.created_at.isoformat(),
                 "read_at": n.read_at.isoformat() if n.read_at else None} for n in rows]


def mark_read(ctx: "EngineContext", username: str, notification_id: int) -> None:
    with ctx.uow() as uow:
        changed = uow.session.execute(update(Notification).where(
            Notification.id == notification_id, Notification.username == username)
            .values(read_at=ctx.clock.now())).rowcount
        if not changed:
            raise NotFound(f"Không tìm thấy thông báo #{notification_id}")
        uow.commit()


def list_emails(ctx: "EngineContext", status: str | None = None, limit: int = 200) -> list[dict]:
    with ctx.uow(write=False) as uow:
        query = select(OutboundEmail).order_by(OutboundEmail.id.desc()).limit(limit)
        if status:
            query = query.where(OutboundEmail.status == status)
        return [{"id": e.id, "to": e.to_address, "subject": e.subject, "status": e.status,
                 "attempts": e.attempts, "last_error": e.last_error,
                 "next_attempt_at": e.next_attempt_at.isoformat(),
                 "sent_at": e.sent_at.isoformat() if e.sent_at else None}
                for e in uow.session.scalars(query)]


def retry_email(ctx: "EngineContext", email_id: int) -> None:
    """Put a failed email back in the queue (an operator fixed the address or the SMTP server)."""
    with ctx.uow() as uow:
        row = uow.session.get(OutboundEmail, email_id)
        if row is None:
            raise NotFound(f"Không tìm thấy thư #{email_id}")
        row.status, row.attempts, row.next_attempt_at = "pending", 0, ctx.clock.now()
        uow.commit()
