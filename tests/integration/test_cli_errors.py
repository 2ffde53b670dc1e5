"""Every command line mistake is one ``Lỗi: …`` line on stderr with exit status 2 (docs/api.md),
and an unusable PETITIONS_DATA_DIR is named, for the CLI and for the web app start."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from petitions_cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def _env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PETITIONS_")}
    return {**env, "PETITIONS_DATA_DIR": str(data_dir)}


@pytest.fixture
def run(tmp_path):
    def invoke(*args, data_dir=None, expect=2):
        env = {"PETITIONS_DATA_DIR": str(data_dir or tmp_path),
               "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
        result = CliRunner().invoke(cli, list(args), env=env)
        assert result.exit_code == expect, (result.stdout, result.stderr)
        assert result.stdout == ""
        return result.stderr
    return invoke


@pytest.mark.parametrize("args, line", [
    (("start", "complaint", "--data", "{x"),
     "Lỗi: giá trị không hợp lệ cho --data: JSON không hợp lệ: Expecting property name enclosed "
     "in double quotes (cột 2) (xem 'cli start --help')"),
    (("timers", "list", "--status", "bad"),
     "Lỗi: giá trị không hợp lệ cho --status: chọn một trong pending, fired, cancelled, all "
     "(xem 'cli timers list --help')"),
    (("nosuch",), "Lỗi: không có lệnh 'nosuch' (xem 'cli --help')"),
    (("start",), "Lỗi: thiếu tham số KEY (xem 'cli start --help')"),
    (("complete", "1", "--data", "{}"), "Lỗi: thiếu tùy chọn --user (xem 'cli complete --help')"),
    (("start", "x", "--bogus"),
     "Lỗi: không có tùy chọn --bogus (có phải --user?) (xem 'cli start --help')"),
    (("start", "x", "--user"), "Lỗi: tùy chọn --user cần một giá trị"),
    (("tasks", "--instance", "abc"),
     "Lỗi: giá trị không hợp lệ cho --instance: cần một số (xem 'cli tasks --help')"),
    (("calendar", "holidays", "3000"),
     "Lỗi: giá trị không hợp lệ cho YEAR: cần một số trong khoảng 1990<=x<=2100 "
     "(xem 'cli calendar holidays --help')"),
    (("users", "delegate", "a", "--by", "b", "--from", "hôm nay", "--to", "2027-01-02",
      "--reason", "r"),
     "Lỗi: giá trị không hợp lệ cho --from: cần dạng %Y-%m-%d (xem 'cli users delegate --help')"),
    (("start", "a", "b"), "Lỗi: thừa tham số: b (xem 'cli start --help')"),
])
def test_usage_errors_are_one_vietnamese_line_with_status_2(run, args, line):
    assert run(*args) == line + "\n"


def test_help_still_works_and_exits_0(run):
    result = CliRunner().invoke(cli, ["start", "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: cli start [OPTIONS] KEY")


def test_the_installed_command_prints_the_same_single_line(tmp_path):
    """Through the console script, as a user types it (click's own main is bypassed)."""
    env = _env(tmp_path)
    result = subprocess.run([str(Path(sys.executable).parent / "petitions"), "start", "complaint",
                             "--data", "[1]"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("Lỗi: giá trị không hợp lệ cho --data: phải là một đối tượng JSON "
                             "{...} (xem 'petitions start --help')\n")


def test_a_data_directory_that_is_a_file_is_named(run, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert run("processes", data_dir=blocker, expect=1) == \
        f"Lỗi: PETITIONS_DATA_DIR={blocker}: không phải là thư mục\n"
    assert run("db", "upgrade", data_dir=blocker / "sub", expect=1) == \
        f"Lỗi: PETITIONS_DATA_DIR={blocker / 'sub'}: không tạo được: {blocker} không phải là " \
        "thư mục\n"
    assert blocker.read_text() == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere: no unwritable folder")
def test_an_unwritable_data_directory_is_named(run, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert run("processes", data_dir=locked, expect=1) == \
        f"Lỗi: PETITIONS_DATA_DIR={locked}: không ghi được (không có quyền)\n"


def test_an_unwritable_data_directory_is_refused_by_the_settings(tmp_path, monkeypatch):
    """As root the permission check cannot be provoked with chmod: the setting's check is fed a
    refusal from os.access instead (the one place the rule is decided)."""
    from petitions.settings import Settings
    from engine.settings import DataDirError
    monkeypatch.setattr(os, "access", lambda *_args, **_kw: False)
    with pytest.raises(DataDirError) as refused:
        Settings.from_env({"PETITIONS_DATA_DIR": str(tmp_path)}).check_data_dir()
    assert str(refused.value) == f"PETITIONS_DATA_DIR={tmp_path}: không ghi được (không có quyền)"


def test_the_web_app_start_names_the_setting_without_a_traceback(tmp_path, capsys):
    from webapp import create_app
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SystemExit) as stopped:
        create_app({"PETITIONS_DATA_DIR": str(blocker), "SECRET_KEY": "x"})
    assert stopped.value.code == 3  # gunicorn: "worker failed to boot", the server stops
    assert capsys.readouterr().err == f"Lỗi: PETITIONS_DATA_DIR={blocker}: không phải là thư mục\n"


def test_gunicorn_stops_with_one_line_on_a_bad_data_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    env = _env(blocker)
    result = subprocess.run([str(Path(sys.executable).parent / "gunicorn"), "--bind",
                             "127.0.0.1:0", "--workers", "1", "--no-control-socket",
                             "webapp:create_app()"], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 3
    assert f"Lỗi: PETITIONS_DATA_DIR={blocker}: không phải là thư mục\n" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bare_group_shows_its_help_not_an_error():
    result = CliRunner().invoke(cli, ["db"])
    assert result.exit_code == 2  # click's own behaviour for a group called without a command
    assert result.stderr.startswith("Usage: cli db [OPTIONS] COMMAND [ARGS]...")
    assert "Lỗi" not in result.stderr
