"""supervision scopes: the units a supervisor oversees besides their own unit's subtree

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:50:00

Issue 15 (administrators: units, people and roles). A supervisor sees their own unit's subtree
and the subtree of every unit listed here for them (engine/accounts/units.py).
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'supervision_scopes',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', engine.persistence.database.UTCDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('user_id', 'unit_id'))


def downgrade() -> None:
    op.drop_table('supervision_scopes')
