"""scale indexes: dashboard, reports and "last activity" search at a province's size (issue 21)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 19:00:00

Measured with bench/scale_data.py + bench/scale_bench.py (bench/README.md, "Scale"):

- ``ix_human_tasks_on_time`` (completed_by, candidate_unit) INCLUDE (completed_at, due_at) on
  PostgreSQL, partial on the completed steps that had a due date: the dashboard's on-time rates
  walk this index only, not the whole wide ``human_tasks`` table;
- ``ix_petitions_unit_type_field`` (unit_code, petition_type, field) INCLUDE (instance_id) on
  PostgreSQL: the dashboard's counts by unit, type, field (and status, through the instance)
  without reading the petitions' rows;
- ``ix_process_instances_updated_at``: the search's "last activity" range and the reports'
  "closed during the period" test;
- ``ix_audit_events_report`` (instance_id, seq), partial on the two event types the periodic
  reports read (``task_completed_by_user``, ``instance_terminated``).

Partial conditions are written for both backends; INCLUDE is PostgreSQL's (SQLite ignores it),
so both migrate and match the models.
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

ON_TIME = "status = 'completed' AND due_at IS NOT NULL AND completed_by IS NOT NULL"
REPORT_EVENTS = "event_type IN ('task_completed_by_user', 'instance_terminated')"


def _where(condition: str) -> dict:
    return {"postgresql_where": sa.text(condition), "sqlite_where": sa.text(condition)}


def upgrade() -> None:
    op.create_index("ix_human_tasks_on_time", "human_tasks", ["completed_by", "candidate_unit"],
                    postgresql_include=["completed_at", "due_at"], **_where(ON_TIME))
    op.create_index("ix_petitions_unit_type_field", "petitions",
                    ["unit_code", "petition_type", "field"], postgresql_include=["instance_id"])
    op.create_index("ix_process_instances_updated_at", "process_instances", ["updated_at"])
    op.create_index("ix_audit_events_report", "audit_events", ["instance_id", "seq"],
                    **_where(REPORT_EVENTS))


def downgrade() -> None:
    op.drop_index("ix_audit_events_report", table_name="audit_events")
    op.drop_index("ix_process_instances_updated_at", table_name="process_instances")
    op.drop_index("ix_petitions_unit_type_field", table_name="petitions")
    op.drop_index("ix_human_tasks_on_time", table_name="human_tasks")
