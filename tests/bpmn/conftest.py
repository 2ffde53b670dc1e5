"""Shared fixtures of the scenario tests: the clocks (``travel``) and the flow coverage of the
petition processes, reported at the end of the session (by tests/conftest.py)."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.bpmn.harness import FlowCoverage
from tests.support import merge_flows_taken

_COVERAGE: list[FlowCoverage] = []


@pytest.fixture(scope="session")
def coverage() -> FlowCoverage:
    if not _COVERAGE:
        _COVERAGE.append(FlowCoverage())
    return _COVERAGE[0]


@pytest.fixture
def travel(clock, time_machine):
    """``travel("2026-12-02", hour=9, minute=0)``: it is now that time in Hà Nội for the engine
    (``clock``) and for SpiffWorkflow, which compares timers with the real ``datetime.now``
    (time-machine); returns the moment. Without the real clock a due date already past on the
    machine running the tests would fire as soon as its task opens."""

    def to(day: str, hour: int = 9, minute: int = 0) -> datetime:
        moment = datetime.fromisoformat(f"{day}T{hour:02d}:{minute:02d}:00+07:00")
        clock.current = moment
        time_machine.move_to(moment)
        return moment

    return to


def pytest_sessionfinish(session):
    """Hand the flows taken to tests/conftest.py, which prints the coverage of the whole session:
    under pytest-xdist this conftest runs in a worker, and the flows travel in its workeroutput."""
    if not _COVERAGE:
        return
    taken = {process_id: sorted(_COVERAGE[0].taken[process_id]) for process_id in _COVERAGE[0].flows}
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["bpmn_flows_taken"] = taken
    else:
        merge_flows_taken(taken)
