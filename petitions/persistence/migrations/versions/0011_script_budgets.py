"""script budgets

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:00:00

Script budgets: failure back-off for timers (security issue §5). A timer whose firing fails is
retried later and later (``retry_at``), and its instance put in error after a few ``failures``.
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('retry_at', engine.persistence.database.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_column('retry_at')
        batch_op.drop_column('failures')
