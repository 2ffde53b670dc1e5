"""agency profiles: how a unit is named and signed on documents and receipts

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:40:00

Issues 15 and 16. A unit's full name, parent body, address and signing head, kept beside the
kernel's ``units`` row (which knows only a code, a name and a parent).
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'agency_profiles',
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('full_name', sa.String(length=500), nullable=False),
        sa.Column('short_name', sa.String(length=100), nullable=True),
        sa.Column('parent_body', sa.String(length=500), nullable=True),
        sa.Column('place_name', sa.String(length=200), nullable=True),
        sa.Column('address', sa.String(length=500), nullable=True),
        sa.Column('phone', sa.String(length=50), nullable=True),
        sa.Column('email', sa.String(length=320), nullable=True),
        sa.Column('head_position', sa.String(length=200), nullable=True),
        sa.Column('head_name', sa.String(length=200), nullable=True),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.Column('updated_at', engine.persistence.database.UTCDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('unit_id'))


def downgrade() -> None:
    op.drop_table('agency_profiles')
