"""Printing results (JSON with --json, readable text otherwise) and turning errors into one line."""
from __future__ import annotations

import functools
import json
import os
import re
import sys

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from engine.errors import EngineError
from engine.settings import DataDirError
from petitions.settings import Settings
from petitions.wiring import build_context


def open_context():
    """The engine context for this command; closed by click when the command ends."""
    click_ctx = click.get_current_context()
    engine_ctx = click_ctx.meta.get("petitions.engine")
    if engine_ctx is None:
        settings = Settings.from_env()
        engine_ctx = build_context(settings, scheduler=_scheduler(settings))
        click_ctx.meta["petitions.engine"] = engine_ctx
        click_ctx.call_on_close(engine_ctx.close)
    return engine_ctx


def _scheduler(settings: Settings):
    """Wake-ups go to RQ when REDIS_URL is set; otherwise the workers' sweep finds the timers."""
    if not settings.redis_url:
        return None
    from workers.redis_connection import connect
    from workers.scheduler import RQTimerScheduler
    return RQTimerScheduler(connect(settings.redis_url))


def emit(result, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        return
    if isinstance(result, list):
        for item in result:
            click.echo(_line(item))
        if not result:
            click.echo("(không có)")
    elif isinstance(result, dict):
        for key, value in result.items():
            shown = json.dumps(value, ensure_ascii=False, default=str) \
                if isinstance(value, (dict, list)) else value
            click.echo(f"{key}: {shown}")
    else:
        click.echo(result)


def _line(item) -> str:
    if isinstance(item, dict):
        return "  ".join(f"{k}={v}" for k, v in item.items() if v is not None)
    return str(item)


def fail(message: str, code: int = 1):
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(code)


def json_option(func):
    """Adds --json and maps every error to one clear line on stderr and a non-zero exit."""
    @click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
    @functools.wraps(func)
    def wrapper(*args, as_json: bool = False, **kwargs):
        try:
            result = func(*args, **kwargs)
        except EngineError as err:
            fail(err.message, 1)
        except (OperationalError, ProgrammingError) as err:
            text = str(err.orig)
            if "no such table" in text or "does not exist" in text:
                fail("Cơ sở dữ liệu chưa được khởi tạo: chạy 'petitions db upgrade' trước", 1)
            fail(f"Lỗi cơ sở dữ liệu: {text.splitlines()[0]}", 1)
        except click.exceptions.Exit:
            raise
        except (click.ClickException, click.Abort):
            raise
        except Exception as err:  # never a traceback to a user; PETITIONS_DEBUG=1 shows it
            if os.environ.get("PETITIONS_DEBUG"):
                raise
            fail(f"Lỗi không mong đợi ({type(err).__name__}): {err}", 70)
        if result is not None:
            emit(result, as_json)
    return wrapper


def parse_json_object(text: str | None, what: str = "--data") -> dict:
    if text is None or text == "":
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise click.BadParameter(f"JSON không hợp lệ: {err.msg} (cột {err.colno})", param_hint=what)
    if not isinstance(value, dict):
        raise click.BadParameter("phải là một đối tượng JSON {...}", param_hint=what)
    return value


class Cli(click.Group):
    """The top group: every usage error of every command becomes one ``Lỗi: …`` line on stderr
    with exit status 2 (docs/api.md), instead of click's usage block in English."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as err:  # a bare group: its help, as click does
            err.show()
            sys.exit(err.exit_code)
        except click.UsageError as err:
            hint = f" (xem '{err.ctx.command_path} --help')" if err.ctx is not None else ""
            fail(usage_message(err) + hint, 2)
        except click.ClickException as err:
            fail(err.format_message(), err.exit_code)
        except click.Abort:
            fail("đã hủy", 1)
        except DataDirError as err:
            fail(str(err), 1)
        sys.exit(result if isinstance(result, int) else 0)  # an int is click's --help/exit code


def usage_message(err: click.UsageError) -> str:
    """Click's message in Vietnamese for the errors a user meets; others pass through."""
    if isinstance(err, click.MissingParameter):
        kind = "tham số" if isinstance(err.param, click.Argument) else "tùy chọn"
        return f"thiếu {kind} {_hint(err)}"
    if isinstance(err, click.BadParameter):
        return f"giá trị không hợp lệ cho {_hint(err)}: {_parameter_problem(err)}"
    if isinstance(err, click.NoSuchOption):
        guess = f" (có phải {' / '.join(err.possibilities)}?)" if err.possibilities else ""
        return f"không có tùy chọn {err.option_name}{guess}"
    message = err.message
    for pattern, text in _USAGE_MESSAGES:
        found = re.fullmatch(pattern, message)
        if found:
            return text.format(*found.groups())
    return message


_USAGE_MESSAGES = [
    (r"No such command '(.*)'\.", "không có lệnh '{}'"),
    (r"Got unexpected extra arguments? \((.*)\)", "thừa tham số: {}"),
    (r"Option '(.*)' requires an argument\.", "tùy chọn {} cần một giá trị"),
    (r"Option '(.*)' requires (\d+) arguments\.", "tùy chọn {} cần {} giá trị"),
    (r"Option '(.*)' does not take a value\.", "tùy chọn {} không nhận giá trị"),
    (r"Missing command\.", "thiếu lệnh"),
]


def _hint(err: click.BadParameter) -> str:
    if err.param_hint is not None:
        hint = err.param_hint
        return " / ".join(hint) if isinstance(hint, (list, tuple)) else str(hint)
    if err.param is not None:
        if isinstance(err.param, click.Argument):
            return err.param.human_readable_name
        return " / ".join(err.param.opts)
    return "tham số"


def _parameter_problem(err: click.BadParameter) -> str:
    kind = err.param.type if err.param is not None else None
    if isinstance(kind, click.Choice):
        return "chọn một trong " + ", ".join(str(choice) for choice in kind.choices)
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        found = re.search(r"not in the range (.*)\.", err.message)
        return f"cần một số trong khoảng {found.group(1)}" if found else "cần một số"
    if isinstance(kind, click.DateTime):
        return "cần dạng " + " hoặc ".join(kind.formats)
    found = re.fullmatch(r"(?:File|Directory|Path) '(.*)' does not exist\.", err.message)
    if found:
        return f"'{found.group(1)}' không tồn tại"
    return err.message
