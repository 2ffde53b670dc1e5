"""Flow coverage of the petition processes, shared by every scenario module and reported at the end."""
from __future__ import annotations

import pytest

from tests.bpmn.harness import FlowCoverage

_COVERAGE: list[FlowCoverage] = []


@pytest.fixture(scope="session")
def coverage() -> FlowCoverage:
    if not _COVERAGE:
        _COVERAGE.append(FlowCoverage())
    return _COVERAGE[0]


def pytest_terminal_summary(terminalreporter):
    if _COVERAGE and _COVERAGE[0].flows:
        terminalreporter.write_sep("=", "BPMN gateway flow coverage")
        for line in _COVERAGE[0].report():
            terminalreporter.write_line(line)
