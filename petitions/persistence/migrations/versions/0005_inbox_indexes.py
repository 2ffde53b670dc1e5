"""inbox indexes: partial, covering indexes for the views of petitions/tasks/inbox.py

Revision ID: 0005
Revises: 0006
Create Date: 2026-11-22 09:27:32.069886

Each view of the officers' inbox reads one of these in its own order (due date, then id; "done":
completion time), so a page and its count are index-only scans that stop where the page ends:

- ix_human_tasks_mine: ready tasks of one assignee;
- ix_human_tasks_queue: ready, unassigned tasks of one role (unit kept in the index for the filter);
- ix_human_tasks_ready_due: ready tasks by due date with assignee/role/unit (due soon, overdue);
- ix_human_tasks_done: completed tasks of one user, newest first (read backwards).

Partial (``WHERE status = ...``) on both backends, so closed tasks do not weigh on open-work views;
``instance_id`` comes last in each so that a filter on the petition (type, field, text) joins from the
index alone.
Generated with autogenerate against a database at the previous head with the Index declarations
proposed for engine/persistence/models.py, then hand-edited: autogenerate also proposed dropping 0006's petition
indexes (not declared in the models yet), which is removed here.

Chained after 0006, the head when this was written (0006 itself revises 0004). To order the files
0004 → 0005 → 0006 instead, set ``down_revision = '0004'`` here and ``'0005'`` in 0006 together.
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database  # noqa: F401  (kept as in every revision)

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

READY = "status = 'ready'"
QUEUE = "status = 'ready' AND assignee IS NULL"
DONE = "status = 'completed'"


def _where(condition: str) -> dict:
    return {"postgresql_where": sa.text(condition), "sqlite_where": sa.text(condition)}


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_human_tasks_done',
                              ['completed_by', 'completed_at', 'id', 'instance_id'],
                              unique=False, **_where(DONE))
        batch_op.create_index('ix_human_tasks_mine', ['assignee', 'due_at', 'id', 'instance_id'],
                              unique=False, **_where(READY))
        batch_op.create_index('ix_human_tasks_queue',
                              ['candidate_role', 'due_at', 'id', 'candidate_unit', 'instance_id'],
                              unique=False, **_where(QUEUE))
        batch_op.create_index('ix_human_tasks_ready_due',
                              ['due_at', 'id', 'assignee', 'candidate_role', 'candidate_unit',
                               'instance_id'],
                              unique=False, **_where(READY))


def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_ready_due')
        batch_op.drop_index('ix_human_tasks_queue')
        batch_op.drop_index('ix_human_tasks_mine')
        batch_op.drop_index('ix_human_tasks_done')
