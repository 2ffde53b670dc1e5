"""The email outbox: sent once, retried with backoff on failure, then visibly failed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

from petitions.notifications import service as notifications
from petitions.persistence.models import OutboundEmail
from workers.mailer import FileSender, deliver_pending

UTC = timezone.utc
NOW = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)


class BrokenSender:
    def __init__(self):
        self.calls = 0

    def send(self, message):
        self.calls += 1
        raise ConnectionRefusedError("SMTP server refused the connection")


def _queue(ctx, to="an@example.vn"):
    with ctx.uow() as uow:
        uow.session.add(OutboundEmail(to_address=to, subject="Nhắc hạn: Xem xét đơn",
                                      body="Hồ sơ KN-1 hết hạn hôm nay.", status="pending",
                                      attempts=0, next_attempt_at=NOW, created_at=NOW))
        uow.commit()


def test_file_sink_sends_once(ctx, tmp_path):
    _queue(ctx)
    sender = FileSender(tmp_path / "mail")
    assert deliver_pending(ctx, sender, NOW) == {"sent": 1, "retry": 0, "failed": 0}
    assert deliver_pending(ctx, sender, NOW + timedelta(hours=1)) == {"sent": 0, "retry": 0, "failed": 0}
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["To"] == "an@example.vn"
    assert message["Subject"] == "Nhắc hạn: Xem xét đơn"
    assert message.get_content().strip() == "Hồ sơ KN-1 hết hạn hôm nay."
    assert notifications.list_emails(ctx, "sent")[0]["to"] == "an@example.vn"


def test_failures_back_off_then_end_in_the_failed_list(ctx, tmp_path):
    _queue(ctx)
    sender = BrokenSender()
    # Not retried before its backoff (1 minute after the first failure).
    assert deliver_pending(ctx, sender, NOW)["retry"] == 1
    assert deliver_pending(ctx, sender, NOW + timedelta(seconds=30))["retry"] == 0
    assert sender.calls == 1
    moment = NOW
    for _ in range(10):
        moment += timedelta(hours=2)
        deliver_pending(ctx, sender, moment)
    assert sender.calls == notifications.MAX_EMAIL_ATTEMPTS
    failed = notifications.list_emails(ctx, "failed")
    assert len(failed) == 1 and "refused" in failed[0]["last_error"]
    assert failed[0]["attempts"] == notifications.MAX_EMAIL_ATTEMPTS
    # An operator fixes the server and puts the failed email back in the queue.
    notifications.retry_email(ctx, failed[0]["id"])
    assert deliver_pending(ctx, FileSender(tmp_path), ctx.clock.now())["sent"] == 1
    assert notifications.list_emails(ctx, "failed") == []
