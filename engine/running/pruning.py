"""Finished history leaves the live task tree, so a long instance costs what a short one does.

SpiffWorkflow 3.2 never forgets a task: every pass through a loop ("request more information",
"return to the handling officer") appends new tasks below the finished ones. After 100 rounds of a
two-step loop the tree holds ~700 tasks and 290 KB of JSON, every load, step and save walks all of
it (a step costs 25x what it did in round 1), and past ~250 rounds the library's depth-limited
search silently stops finding a READY gateway (spiffworkflow-notes, "Limits").

Nothing is lost by cutting the finished chain above the live tasks: each task's data is copied to
its children as it runs, so the live tasks already carry everything the process knows, and every
state change is already in the audit chain (engine/audit/chain.py), which is what history, reports and
the case file read. What is kept: everything below the task ``KEEP_ANCESTORS`` levels above the
lowest common ancestor of all unfinished tasks, and above it a chain holding the root and the
deepest finished task of each spec, in order. The library looks back in the tree only for "the
nearest ancestor whose spec is one of these" (a boundary event's join finds its split; a parallel
gateway that also joins a loop's back edge walks up to the start to see which inputs it came
through), and those answers are the same on the shortened chain.
"""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

KEEP_ANCESTORS = 3
_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


def prune_finished(workflow) -> int:
    """Drop the finished chain between the root and the live part of every (sub)process tree.

    Returns how many tasks were dropped. A completed process is left whole (its last task's data
    is the process result).
    """
    dropped = 0
    for sub_id in list(workflow.subprocesses):
        sub = workflow.subprocesses.get(sub_id)
        if sub is not None and not sub.completed:
            dropped += _prune_tree(workflow, sub)
    return dropped + _prune_tree(workflow, workflow)


def _live_ancestor(tree) -> object | None:
    """The lowest task that is an ancestor of (or is) every unfinished task; None if none is."""
    common: list = []       # root → ... path of the first live task, cut to the shared prefix
    on_path: dict = {}      # task id → index in ``common``
    for task in tree.tasks.values():
        if task.has_state(_FINISHED):
            continue
        if not common:
            node = task
            while node is not None:
                common.append(node)
                node = node.parent
            common.reverse()
            on_path = {node.id: index for index, node in enumerate(common)}
            continue
        node = task
        while node is not None and node.id not in on_path:
            node = node.parent
        if node is None:
            return None  # a detached task: leave the tree alone
        keep = on_path[node.id] + 1
        if keep < len(common):
            for dropped in common[keep:]:
                del on_path[dropped.id]
            del common[keep:]
    return common[-1] if common else None


def _prune_tree(top, tree) -> int:
    anchor = _live_ancestor(tree)
    if anchor is None:
        return 0
    path = []
    node = anchor
    while node is not None:
        path.append(node)
        node = node.parent
    path.reverse()                      # root, ..., anchor
    cut = len(path) - 1 - KEEP_ANCESTORS  # index of the first task kept below the root
    if cut <= 1:
        return 0
    root, first_kept, chain = path[0], path[cut], path[1:cut]
    # Of the chain, the deepest task of each spec stays (in order): SpiffWorkflow answers "the
    # nearest ancestor whose spec is one of these" (a parallel gateway that is also a join, a
    # boundary join's split) by walking up, possibly to the start, and those answers are the same
    # on the shortened chain. A loop repeats the same specs, so the chain stays bounded.
    deepest = {id(node.task_spec): node for node in chain}
    kept = [node for node in chain if deepest[id(node.task_spec)] is node]
    doomed = [node for node in chain if deepest[id(node.task_spec)] is not node]
    for index, node in enumerate(chain):
        on_path = path[index + 2]
        stack = [child for child in node.children if child is not on_path]
        while stack:
            task = stack.pop()
            doomed.append(task)
            stack.extend(task.children)
    if not doomed:
        return 0
    if any(not task.has_state(_FINISHED) for task in doomed):
        return 0  # cannot happen when the anchor is right; never cut a live task
    for task in doomed:
        if task.id in top.subprocesses:
            top.delete_subprocess(task)
    for task in doomed:
        tree.tasks.pop(task.id, None)
    parent = root
    for node in kept + [first_kept]:
        parent._children = [node.id]
        node._parent = parent.id
        parent = node
    if tree.last_task is not None and tree.last_task.id not in tree.tasks:
        tree.last_task = first_kept
    return len(doomed)
