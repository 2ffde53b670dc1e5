"""An online letter's register line follows the reception officer's check at Task_register: the
field, priority markers and summary the officer corrected are what the register, the search and
the reports read, still cut of the sender's identity."""
from __future__ import annotations

from engine.accounts.users import actor_for
from engine.text_search import fold
from engine.work import human_tasks
from petitions.demo import seed_demo_users
from tests.bpmn.harness import deploy_processes
from tests.integration import citizens_journey as journey


def test_the_officers_corrections_reach_the_register(ctx, clock, time_machine):
    time_machine.move_to(clock.current, tick=False)
    seed_demo_users(ctx)
    deploy_processes(ctx)
    result = journey.submit(ctx, name="Đỗ Thị Hạnh", email=None)
    before = journey.petition_of(ctx, result["tracking_code"])
    assert before.field == "other" and before.priority_markers == []
    [task] = human_tasks.list_tasks(ctx, instance_id=before.instance_id)
    data = {**journey.steps(ctx, kind="complaint")["Task_register"],
            "field": "land_housing", "priority_markers": ["vulnerable", "vulnerable"],
            "signers": 2,
            "summary": "Bà Đỗ Thị Hạnh khiếu nại quyết định thu hồi đất thửa số 12"}
    human_tasks.complete(ctx, task["id"], actor_for(ctx, "tiepdan"), data)

    after = journey.petition_of(ctx, result["tracking_code"])
    assert (after.field, after.priority_markers, after.signers) == (
        "land_housing", ["vulnerable"], 2)
    assert "Đỗ Thị Hạnh" not in after.summary and "thu hồi đất thửa số 12" in after.summary
    assert after.search_text == fold(after.summary)
    assert (after.received_on, after.channel) == (before.received_on, before.channel)
