"""The soak of issue 21 (bench/soak.py), short: two web processes and three workers on one
PostgreSQL and one Redis, under registrations, completions, short timers and reports for about a
minute. Behaviour only (no timing is asserted): no server error, no timer lost or fired twice."""
from __future__ import annotations

import pytest

from tests.support import postgres_available


def test_several_processes_lose_and_double_nothing():
    reason = postgres_available()
    if reason:
        pytest.skip(f"!!! PostgreSQL NOT REACHABLE — skipping the soak: {reason}")
    from bench.soak import run
    result = run(0.75, warmup_s=15, drain_s=60, timer_delay_s=(2.0, 10.0))
    assert result["server_errors"] == 0, result["server_error_samples"]
    assert result["connection_errors"] == 0 and result["driver_error_count"] == 0, \
        result["driver_errors"]
    timers = result["timers"]
    assert timers["created"] > 0 and timers["fired"] == timers["created"] == timers["timer_rows"]
    assert timers["lost"] == 0 and timers["double"] == 0
    assert timers["instances_completed"] == timers["created"]
    assert result["registrations"] == result["rounds"] > 0
    assert result["completions"] > 0
    assert {row["process"].split("/")[0] for row in result["rss"]} == {
        "web1", "web2", "worker1", "worker2", "worker3"}
