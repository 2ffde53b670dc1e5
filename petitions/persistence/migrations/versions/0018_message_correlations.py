"""message correlations: the correlation key values each instance holds

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 15:50:00

Issue 14. ``process_instances.correlations`` copies the workflow's correlation key values at every
save (engine/running/correlation.py): a message without a business key finds the instance whose
values its payload carries without loading every workflow.
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database  # noqa: F401

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('correlations', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_column('correlations')
