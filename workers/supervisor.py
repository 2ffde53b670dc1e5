"""`petitions supervise`: run a Procfile's processes with honcho and stop them in reverse order.

honcho's own manager sends SIGTERM to every process at once. For this system that order is wrong:
when Redis goes at the same moment as the worker, the worker's warm shutdown (and its scheduler)
retries a Redis that is gone. Here one signal (Ctrl-C or SIGTERM) stops the processes one by one,
last started first (web, then worker, then Redis), each given ``grace_s`` to exit before its whole
process group is killed, so the stop is bounded. A second signal kills what is left at once. If a
process exits by itself, the others are stopped the same way.
"""
from __future__ import annotations

import queue
import signal
import time
from pathlib import Path

from honcho.environ import parse_procfile
from honcho.manager import SIGNALS, Manager

GRACE_S = 4.0  # per process: three processes stop within ~12 s even if each needs killing


class OrderedManager(Manager):
    def __init__(self, printer=None, grace_s: float = GRACE_S):
        super().__init__(printer)
        self.grace_s = grace_s
        self._to_stop: list[str] | None = None  # None until stopping begins
        self._signalled: str | None = None
        self._deadline = 0.0

    def loop(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        self._start()
        while True:
            try:
                self._handle(self.events.get(timeout=0.1))
            except queue.Empty:
                pass
            if self._all_started() and self._all_stopped():
                return
            if self._to_stop is None and self._all_started() and self._any_stopped():
                self._begin_stop()
            if self._to_stop is not None:
                self._advance()

    def _on_signal(self, signum, _frame) -> None:
        if self._to_stop is not None:
            self._system_print(f"{SIGNALS[signum]['name']} received again: killing everything\n")
            self.kill()
            return
        self._system_print(f"{SIGNALS[signum]['name']} received: stopping in order\n")
        self.returncode = SIGNALS[signum]["rc"]
        self._begin_stop()

    def _handle(self, msg) -> None:
        if msg.type == "line":
            self._printer.write(msg)
        elif msg.type == "start":
            self._processes[msg.name]["pid"] = msg.data["pid"]
            self._system_print(f"{msg.name} started (pid={msg.data['pid']})\n")
        elif msg.type == "stop":
            self._processes[msg.name]["returncode"] = msg.data["returncode"]
            self._system_print(f"{msg.name} stopped (rc={msg.data['returncode']})\n")
            if self.returncode is None:
                self.returncode = msg.data["returncode"]

    def _begin_stop(self) -> None:
        if self._to_stop is None:
            self._to_stop = list(reversed(self._processes))

    def _advance(self) -> None:
        """Signal the next process still running; kill its group when its grace is over."""
        while self._to_stop:
            name = self._to_stop[0]
            process = self._processes[name]
            if "returncode" in process:
                self._to_stop.pop(0)
                continue
            if process.get("pid") is None:
                return  # not started yet: its start message is on the way
            now = time.monotonic()
            if self._signalled != name:
                self._signalled, self._deadline = name, now + self.grace_s
                self._system_print(f"stopping {name} (pid {process['pid']})\n")
                self._procmgr.terminate(process["pid"])
            elif now > self._deadline:
                self._system_print(f"{name} did not stop in {self.grace_s:.0f} s: killed\n")
                self._procmgr.kill(process["pid"])
                self._deadline = float("inf")
            return


def run_procfile(procfile: Path, names: list[str], grace_s: float = GRACE_S) -> int:
    """Start ``names`` (all when empty) in the Procfile's order; returns the exit status."""
    entries = parse_procfile(procfile.read_text()).processes
    unknown = [name for name in names if name not in entries]
    if unknown:
        raise ValueError(f"không có tiến trình {', '.join(unknown)} trong {procfile}")
    manager = OrderedManager(grace_s=grace_s)
    for name, command in entries.items():
        if not names or name in names:
            manager.add_process(name, command)
    manager.loop()
    # Stopped by Ctrl-C or SIGTERM as asked: a clean exit, whatever the processes' own codes.
    return 0 if manager.returncode in (130, 143) else (manager.returncode or 0)
