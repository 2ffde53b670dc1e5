"""A petition started on v1 of a process keeps running to the end after v2 is deployed."""
from __future__ import annotations

from engine.definitions import deployment
from engine.running import instances
from tests.bpmn.harness import FACTS, LETTER, PROCESSES, Scenario

KEY = "recommendation_feedback"
FILE = PROCESSES / "recommendation" / f"{KEY}.bpmn"
START = {**LETTER, **FACTS, "received_on": "2026-04-20", "petition_type": "recommendation",
         "summary": "Kiến nghị sửa đường liên thôn", "route": "accept"}


def _v2() -> bytes:
    """v2: the head's consideration step is renamed (as an administrator would in the modeler)."""
    text = FILE.read_text(encoding="utf-8")
    assert 'id="Task_pakn_consider" name="' in text
    head, rest = text.split('id="Task_pakn_consider" name="', 1)
    old_name, tail = rest.split('"', 1)
    return (head + 'id="Task_pakn_consider" name="' + old_name + ' (quy định 2027)"' + tail).encode()


def test_v1_instance_runs_to_the_end_after_v2(ctx, clock, travel):
    travel("2026-04-21")
    old = Scenario(ctx, KEY, clock=clock, data=START, folders=["recommendation"])
    old.complete("Task_pakn_review", {"repeated_answered": False, "review_note": "Thuộc thẩm quyền"})
    deployed = deployment.deploy(ctx, {f"recommendation/{KEY}.bpmn": _v2()}, actor="quantri", tag="2027")
    assert [(d["key"], d["version"], d["new"]) for d in deployed] == [(KEY, 2, True)]

    new = Scenario(ctx, KEY, clock=clock, data=START, folders=["recommendation"])
    assert instances.details(ctx, new.instance_id)["version"] == 2
    assert instances.details(ctx, old.instance_id)["version"] == 1

    # The old instance goes on on v1: the step keeps its v1 name, and it reaches the end.
    old.complete("Task_pakn_notice", {"notice_number": "12/TB", "sent_on": "2026-04-23"})
    assert old.task("Task_pakn_consider")["name"].endswith("(quy định 2027)") is False
    for bpmn_id, data in [
        ("Task_pakn_consider", {"handling_mode": "self"}),
        ("Task_pakn_resolve_head", {"resolution_summary": "Đã sửa mặt đường", "need_meeting": False}),
        ("Task_pakn_answer", {"answer_number": "45/UBND", "answer_date": "2026-05-08",
                              "answer_summary": "Đã bố trí kinh phí", "publish_answer": False})]:
        old.complete(bpmn_id, data)
    assert old.status == "completed"
    assert instances.details(ctx, old.instance_id)["version"] == 1

    # The new one follows v2 (the renamed step) to the end as well.
    new.complete("Task_pakn_review", {"repeated_answered": False, "review_note": "Thuộc thẩm quyền"})
    new.complete("Task_pakn_notice", {"notice_number": "13/TB", "sent_on": "2026-04-23"})
    assert new.task("Task_pakn_consider")["name"].endswith("(quy định 2027)")
    new.complete("Task_pakn_consider", {"handling_mode": "self"})
    new.complete("Task_pakn_resolve_head", {"resolution_summary": "Đã sửa mặt đường", "need_meeting": False})
    new.complete("Task_pakn_answer", {"answer_number": "46/UBND", "answer_date": "2026-05-08",
                                      "answer_summary": "Đã bố trí kinh phí", "publish_answer": False})
    assert new.status == "completed"
