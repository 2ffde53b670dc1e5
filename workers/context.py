"""The engine context of a worker process: built once from the environment, reused by every job."""
from __future__ import annotations

import threading

from engine.context import EngineContext
from petitions.settings import Settings
from petitions.wiring import build_context

_lock = threading.Lock()
_context: EngineContext | None = None


def worker_context() -> EngineContext:
    global _context
    with _lock:
        if _context is None:
            _context = build_context(Settings.from_env())
        return _context


def set_worker_context(ctx: EngineContext | None) -> None:
    """Used by `petitions worker` (and tests) to hand in the context they built."""
    global _context
    with _lock:
        _context = ctx
