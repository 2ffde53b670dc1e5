"""Sending the email outbox: SMTP in production, a folder of .eml files (default) or the console.

Failed sends are retried with backoff (petitions.notifications.service.backoff) and, after
MAX_EMAIL_ATTEMPTS, end in status ``failed`` — listed by ``petitions mail list --status failed``,
never dropped silently. Delivery is at-least-once: a crash between sending and committing resends.
"""
from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from sqlalchemy import select

from engine.context import EngineContext
from petitions.notifications.service import MAX_EMAIL_ATTEMPTS, backoff
from petitions.persistence.models import OutboundEmail
from petitions.settings import Settings

log = logging.getLogger(__name__)


class EmailSender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class FileSender:
    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))


class ConsoleSender:
    def send(self, message: EmailMessage) -> None:
        log.info("email to %s: %s\n%s", message["To"], message["Subject"], message.get_content())


class SmtpSender:
    def __init__(self, settings: Settings):
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=15) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(message)


def sender_from_settings(settings: Settings) -> EmailSender:
    if settings.mail_sink == "smtp":
        return SmtpSender(settings)
    if settings.mail_sink == "console":
        return ConsoleSender()
    return FileSender(settings.mail_dir)


def _message(row: OutboundEmail, sender_address: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender_address, row.to_address, row.subject
    message.set_content(row.body)
    return message


def deliver_pending(ctx: EngineContext, sender: EmailSender, now: datetime, *,
                    mail_from: str = "don-thu@localhost", limit: int = 50) -> dict:
    """Send due outbox rows; each row is locked (skipped if another worker holds it)."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    with ctx.uow() as uow:
        query = (select(OutboundEmail).where(OutboundEmail.status == "pending",
                                             OutboundEmail.next_attempt_at <= now)
                 .order_by(OutboundEmail.id).limit(limit))
        if uow.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for row in uow.session.scalars(query):
            row.attempts += 1
            try:
                sender.send(_message(row, mail_from))
            except Exception as err:  # any transport failure: record it, retry later
                row.last_error = f"{type(err).__name__}: {err}"[:2000]
                if row.attempts >= MAX_EMAIL_ATTEMPTS:
                    row.status = "failed"
                    counts["failed"] += 1
                    log.error("email %s to %s failed for good: %s", row.id, row.to_address, err)
                else:
                    row.next_attempt_at = now + backoff(row.attempts)
                    counts["retry"] += 1
                continue
            row.status, row.sent_at, row.last_error = "sent", now, None
            # A sent body is purged: the outbox is a queue, not an archive of case details.
            row.body = ""
            counts["sent"] += 1
        uow.commit()
    return counts
