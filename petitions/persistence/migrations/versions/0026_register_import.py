"""register import: letters carried over from an office's earlier register (issue 20 §7)

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-03 19:00:00

The table of ``petitions/persistence/interop_models.py``: one row per imported letter, unique by
the office's own number and date within its unit (a re-import is skipped, not duplicated).
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0026'
down_revision = '0024'
branch_labels = None
depends_on = None


UTC = engine.persistence.database.UTCDateTime


def upgrade() -> None:
    op.create_table('petition_imports',
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('origin_number', sa.String(length=100), nullable=False),
    sa.Column('origin_received_on', sa.Date(), nullable=False),
    sa.Column('source_name', sa.String(length=255), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.String(length=200), nullable=False),
    sa.Column('imported_at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ),
    sa.PrimaryKeyConstraint('petition_id'),
    sa.UniqueConstraint('unit_code', 'origin_number', 'origin_received_on',
                        name='uq_petition_imports_origin')
    )


def downgrade() -> None:
    op.drop_table('petition_imports')
