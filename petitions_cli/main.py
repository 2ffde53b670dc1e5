"""``petitions``: operate the engine from a shell. Settings come from the environment (DATABASE_URL)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import click

from engine.accounts import users
from engine.definitions import deployment
from engine.definitions.start_data import MissingStartData
from engine.persistence.database import private_umask
from engine.running import instances
from engine.work import human_tasks, messages, timers
from petitions.settings import Settings
from petitions_cli import backup_commands, worker_commands
from petitions_cli.audit_commands import audit_group
from petitions_cli.calendar_commands import calendar
from petitions_cli.key_commands import keys
from petitions_cli.reception_commands import reception
from petitions_cli.forms_commands import forms
from petitions_cli.api_commands import api_group
from petitions_cli.agency_commands import agencies_group
from petitions_cli.register_commands import register_group
from petitions_cli.output import Cli, emit, fail, json_option, open_context, parse_json_object


def _ctx():
    """One engine context per invocation, closed when the command ends."""
    return open_context()


@click.group(cls=Cli)
def cli():
    """Hệ thống xử lý đơn thư — công cụ dòng lệnh."""
    private_umask()  # the database, keys and files this command creates: 0600/0700
    Settings.from_env().check_data_dir()  # one line naming the setting (Cli.main) if unusable


@cli.group()
def db():
    """Cơ sở dữ liệu."""


@db.command("upgrade")
@json_option
def db_upgrade():
    """Tạo/cập nhật lược đồ cơ sở dữ liệu (Alembic)."""
    from petitions.persistence.schema import current
    from petitions.upgrade import upgrade
    url = Settings.from_env().database_url
    upgrade(url)
    return {"database": url.split("@")[-1], "revision": current(url)}


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--tag", help="Nhãn phiên bản (tùy chọn).")
@click.option("--user", "actor", default="cli", show_default=True, help="Người triển khai.")
@json_option
def deploy(paths, tag, actor):
    """Triển khai tệp BPMN/DMN hoặc thư mục thành phiên bản mới."""
    return deployment.deploy(_ctx(), deployment.read_paths(paths), actor=actor, tag=tag)


@cli.command()
@json_option
def processes():
    """Liệt kê các quy trình và phiên bản."""
    return deployment.list_definitions(_ctx())


@cli.command()
@click.argument("key")
@click.option("--version", type=int, help="Phiên bản (mặc định: mới nhất).")
@click.option("--business-key", help="Mã nghiệp vụ (số đơn).")
@click.option("--data", help="Dữ liệu khởi tạo (JSON).")
@click.option("--user", "actor", default="cli", show_default=True)
@json_option
def start(key, version, business_key, data, actor):
    """Khởi tạo một hồ sơ quy trình."""
    try:
        return instances.start(_ctx(), key, actor=actor, version=version,
                               business_key=business_key, data=parse_json_object(data))
    except MissingStartData as err:  # a command-line mistake: exit 2, nothing was written
        raise click.UsageError(f"{err.message} (truyền bằng --data)")


@cli.command()
@click.option("--instance", "instance_id", type=int)
@click.option("--user", help="Chỉ công việc người này thấy được (được giao hoặc theo vai trò).")
@click.option("--status", default="ready", show_default=True,
              type=click.Choice(["ready", "completed", "cancelled", "all"]))
@json_option
def tasks(instance_id, user, status):
    """Liệt kê công việc."""
    ctx = _ctx()
    roles = users.actor_for(ctx, user).roles if user else None
    return human_tasks.list_tasks(ctx, instance_id=instance_id, user=user, roles=roles,
                                  status=None if status == "all" else status)


@cli.command()
@click.argument("task_id", type=int)
@click.option("--user", required=True)
@json_option
def claim(task_id, user):
    """Nhận công việc."""
    ctx = _ctx()
    return human_tasks.claim(ctx, task_id, users.actor_for(ctx, user))


@cli.command()
@click.argument("task_id", type=int)
@click.option("--user", required=True)
@json_option
def unclaim(task_id, user):
    """Trả lại công việc."""
    ctx = _ctx()
    return human_tasks.unclaim(ctx, task_id, users.actor_for(ctx, user))


@cli.command()
@click.argument("task_id", type=int)
@click.option("--to", "assignee", required=True, help="Người được giao.")
@click.option("--user", required=True, help="Người giao (thủ trưởng/quản trị).")
@click.option("--reason", required=True)
@json_option
def assign(task_id, assignee, user, reason):
    """Giao/chuyển công việc cho người khác, có lý do."""
    ctx = _ctx()
    target = users.actor_for(ctx, assignee)
    return human_tasks.assign(ctx, task_id, target.username, users.actor_for(ctx, user), reason,
                              target.roles)


@cli.command()
@click.argument("task_id", type=int)
@click.option("--user", required=True)
@click.option("--data", default="{}", help="Dữ liệu biểu mẫu (JSON).")
@json_option
def complete(task_id, user, data):
    """Hoàn thành công việc với dữ liệu biểu mẫu."""
    ctx = _ctx()
    return human_tasks.complete(ctx, task_id, users.actor_for(ctx, user), parse_json_object(data))


@cli.command()
@click.argument("name")
@click.option("--business-key", help="Mã nghiệp vụ (số đơn) của hồ sơ nhận; không có thì thông "
              "điệp đi theo thuộc tính tương quan khai báo trong sơ đồ.")
@click.option("--data", help="Dữ liệu kèm thông điệp (JSON).")
@click.option("--message-id", help="Mã thông điệp: cùng một mã chỉ được chuyển một lần.")
@click.option("--user", "actor", default="cli", show_default=True)
@json_option
def message(name, business_key, data, message_id, actor):
    """Chuyển thông điệp BPMN (tên message) đến hồ sơ đang chờ nó (theo mã nghiệp vụ hoặc theo
    thuộc tính tương quan)."""
    return messages.deliver_message(_ctx(), name, business_key=business_key, actor=actor,
                                    data=parse_json_object(data), message_id=message_id)


@cli.command()
@click.argument("name")
@click.option("--data", help="Dữ liệu kèm tín hiệu (JSON).")
@click.option("--message-id", help="Mã: cùng một mã chỉ được phát một lần.")
@click.option("--user", "actor", default="cli", show_default=True)
@json_option
def signal(name, data, message_id, actor):
    """Phát tín hiệu BPMN đến mọi hồ sơ đang chờ nó."""
    return messages.broadcast_signal(_ctx(), name, actor=actor, data=parse_json_object(data),
                                     message_id=message_id)


@cli.command()
@click.argument("instance_id", type=int)
@json_option
def instance(instance_id):
    """Chi tiết một hồ sơ quy trình."""
    return instances.details(_ctx(), instance_id)


def _lifecycle(name, handler, help_text):
    @cli.command(name, help=help_text)
    @click.argument("instance_id", type=int)
    @click.option("--reason", required=True)
    @click.option("--user", "actor", default="cli", show_default=True)
    @json_option
    def command(instance_id, reason, actor):
        return handler(_ctx(), instance_id, actor=actor, reason=reason)
    return command


_lifecycle("suspend", instances.suspend, "Tạm dừng hồ sơ (có lý do).")
_lifecycle("resume", instances.resume, "Tiếp tục hồ sơ đã tạm dừng (có lý do).")
_lifecycle("terminate", instances.terminate, "Chấm dứt hồ sơ (có lý do).")


@cli.command()
@click.argument("instance_id", type=int)
@click.option("--data", help="Dữ liệu sửa lại cho bước lỗi (JSON).")
@click.option("--user", "actor", default="cli", show_default=True)
@json_option
def retry(instance_id, data, actor):
    """Chạy lại bước bị lỗi sau khi sửa dữ liệu."""
    return instances.retry(_ctx(), instance_id, actor=actor, data=parse_json_object(data))


@cli.group("timers")
def timers_group():
    """Hẹn giờ (thời hạn)."""


@timers_group.command("fire-due")
@click.option("--now", help="Thời điểm (ISO 8601, có múi giờ); mặc định: bây giờ.")
@json_option
def timers_fire_due(now):
    """Kích hoạt các hẹn giờ đã đến hạn."""
    moment = None
    if now:
        try:
            moment = datetime.fromisoformat(now)
        except ValueError:
            raise click.BadParameter("cần thời điểm ISO 8601, ví dụ 2027-02-11T08:00:00+07:00",
                                     param_hint="--now")
        if moment.tzinfo is None:
            raise click.BadParameter("thiếu múi giờ (ví dụ +07:00 hoặc Z)", param_hint="--now")
        moment = moment.astimezone(timezone.utc)
    result = timers.fire_due_timers(_ctx(), moment)
    if result["failed"]:  # the rest fired: show it all, then exit non-zero for scripts
        emit(result, click.get_current_context().params.get("as_json", False))
        ids = ", ".join(f"#{f['instance_id']}" for f in result["failed"])
        fail(f"không kích hoạt được hẹn giờ của hồ sơ {ids} (vẫn chờ): "
             f"{result['failed'][0]['error']}", 1)
    return result


@timers_group.command("list")
@click.option("--status", default="pending", show_default=True,
              type=click.Choice(["pending", "fired", "cancelled", "all"]))
@json_option
def timers_list(status):
    """Liệt kê hẹn giờ."""
    return timers.list_timers(_ctx(), None if status == "all" else status)


@cli.group("users")
def users_group():
    """Người dùng."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, help="Vai trò (lặp lại được).")
@click.option("--unit", help="Mã đơn vị.")
@click.option("--display-name")
@click.option("--email", help="Địa chỉ nhận thư nhắc hạn.")
@click.option("--password", help="Mật khẩu đăng nhập (phải đủ mạnh; có thể đặt sau bằng set-password).")
@click.option("--user", "actor", default="cli", show_default=True)
@json_option
def users_add(name, roles, unit, display_name, email, password, actor):
    """Thêm người dùng với vai trò và đơn vị."""
    return users.add_user(_ctx(), name, roles, actor=actor, unit=unit, display_name=display_name,
                          email=email, password=password)


@users_group.command("active")
@click.argument("name")
@click.argument("state", type=click.Choice(["yes", "no"]))
@click.option("--user", "actor", default="cli", show_default=True)
@json_option
def users_active(name, state, actor):
    """Vô hiệu hóa (no) hoặc mở lại (yes) tài khoản; người dùng không bao giờ bị xóa."""
    users.set_active(_ctx(), name, state == "yes", actor=actor)
    return {"username": name, "active": state == "yes"}


@users_group.command("scope")
@click.argument("name")
@click.argument("unit")
@click.option("--remove", is_flag=True, help="Bỏ đơn vị khỏi phạm vi giám sát.")
@click.option("--user", "actor", default="cli", show_default=True)
@json_option
def users_scope(name, unit, remove, actor):
    """Thêm (hoặc bỏ) một đơn vị trong phạm vi giám sát của cán bộ giám sát."""
    from engine.accounts import units
    (units.remove_scope if remove else units.add_scope)(_ctx(), name, unit, actor=actor)
    return {"username": name, "unit": unit, "in_scope": not remove}


@users_group.command("set-password")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--user", "actor", default="cli", show_default=True)
@json_option
def users_set_password(name, password, actor):
    """Đặt mật khẩu đăng nhập cho người dùng."""
    users.set_password(_ctx(), name, password, actor=actor)
    return {"username": name, "password": "đã cập nhật"}


@users_group.command("delegate")
@click.argument("acting")
@click.option("--by", "head", required=True, help="Thủ trưởng giao quyền (tên đăng nhập).")
@click.option("--from", "starts", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Ngày bắt đầu (YYYY-MM-DD, giờ Việt Nam).")
@click.option("--to", "ends", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Ngày kết thúc, hết ngày (YYYY-MM-DD).")
@click.option("--reason", required=True, help="Căn cứ giao quyền (số quyết định...).")
@json_option
def users_delegate(acting, head, starts, ends, reason):
    """Ghi nhận người được giao quyền thủ trưởng đơn vị trong một thời gian."""
    from datetime import time, timedelta

    from engine.accounts.delegations import delegate
    from engine.working_days import VN_TZ
    ctx = _ctx()
    start = datetime.combine(starts.date(), time(0, 0), VN_TZ).astimezone(timezone.utc)
    end = (datetime.combine(ends.date(), time(0, 0), VN_TZ) + timedelta(days=1)) \
        .astimezone(timezone.utc)
    return delegate(ctx, acting, users.actor_for(ctx, head), start, end, reason)


@cli.command("demo-seed")
@click.option("--no-cases", is_flag=True,
              help="Chỉ tạo tài khoản mẫu, không tạo hồ sơ mẫu của xã An Phú.")
@json_option
def demo_seed(no_cases):
    """Tạo tài khoản mẫu (mỗi vai trò một người) và, một lần, hồ sơ mẫu của xã An Phú: đơn các
    loại ở mọi trạng thái, văn bản, buổi tiếp công dân."""
    from petitions.demo import seed_demo_cases, seed_demo_users
    ctx = _ctx()
    created = seed_demo_users(ctx)
    seeded = {"cases": [], "visits": 0} if no_cases else \
        seed_demo_cases(ctx, Settings.from_env().data_dir)
    return {"created": created, "letters": [c["number"] for c in seeded["cases"]],
            "cases": seeded["cases"], "visits": seeded["visits"]}


@timers_group.command("sweep")
@click.option("--interval", type=click.FloatRange(min=0.5), default=5.0, show_default=True,
              help="Số giây giữa hai lần quét.")
def timers_sweep(interval):
    """Quét định kỳ và kích hoạt hẹn giờ đến hạn (chạy đến khi bị dừng)."""
    import logging

    from workers.sweeper import run_sweeper
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sweeper %(message)s")
    run_sweeper(_ctx(), interval)


cli.add_command(calendar)
cli.add_command(audit_group)
cli.add_command(keys)
cli.add_command(reception)
cli.add_command(forms)
cli.add_command(api_group)
cli.add_command(register_group)
cli.add_command(agencies_group)  # issue 20 §4: trusted agencies
for _command in (*worker_commands.COMMANDS, *backup_commands.COMMANDS):
    cli.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    cli()
