"""Two processes complete the same task at the same moment: exactly one wins, every round."""
from __future__ import annotations

import multiprocessing as mp

from sqlalchemy import func, select

from engine.audit import chain as audit
from engine.definitions import deployment
from engine.errors import Conflict
from engine.persistence.models import AuditEvent, HumanTask
from engine.running import instances
from engine.work import human_tasks
from tests.support import FIXTURES, actor, make_context

ROUNDS = 200


def _racer(url: str, name: str, barrier, tasks_in, results_out) -> None:
    ctx = make_context(url)  # each process its own engine and connections
    officer = actor(name, "handling_officer")
    while True:
        task_id = tasks_in.get()
        if task_id is None:
            return
        barrier.wait()
        try:
            human_tasks.complete(ctx, task_id, officer, {"decision": "more_info"})
            results_out.put((task_id, "won"))
        except Conflict:
            results_out.put((task_id, "conflict"))
        except Exception as err:  # reported to the parent, which fails the test
            results_out.put((task_id, f"error {type(err).__name__}: {err}"))


def test_two_processes_complete_the_same_task(ctx, db_url):
    review = FIXTURES / "engine" / "review_loop.bpmn"
    deployment.deploy(ctx, {review.name: review.read_bytes()}, actor="admin")
    task_ids = []
    for _ in range(ROUNDS):
        started = instances.start(ctx, "review_loop", actor="binh")
        task_ids.append(started["tasks"][0]["id"])

    mp_ctx = mp.get_context("fork")
    barrier = mp_ctx.Barrier(2)
    queues = [mp_ctx.Queue(), mp_ctx.Queue()]
    results = mp_ctx.Queue()
    procs = [mp_ctx.Process(target=_racer, args=(db_url, f"officer{i}", barrier, queues[i], results))
             for i in range(2)]
    for proc in procs:
        proc.start()
    outcomes: dict[int, list[str]] = {}
    try:
        for task_id in task_ids:
            for queue in queues:
                queue.put(task_id)
            for _ in range(2):
                tid, outcome = results.get(timeout=60)
                outcomes.setdefault(tid, []).append(outcome)
    finally:
        for queue in queues:
            queue.put(None)
        for proc in procs:
            proc.join(timeout=30)

    errors = [o for runs in outcomes.values() for o in runs if o.startswith("error")]
    assert errors == []
    assert all(sorted(runs) == ["conflict", "won"] for runs in outcomes.values()), outcomes
    with ctx.uow(write=False) as uow:
        completed = uow.session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.id.in_(task_ids), HumanTask.status == "completed"))
        user_completions = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.event_type == "task_completed_by_user"))
        assert completed == ROUNDS and user_completions == ROUNDS
        assert audit.verify(uow.session).ok
    # Each instance moved exactly one step: one new ready task, the info request.
    open_tasks = human_tasks.list_tasks(ctx, limit=ROUNDS * 2)
    assert len(open_tasks) == ROUNDS and {t["bpmn_id"] for t in open_tasks} == {"Task_provide_info"}
