"""case transfers: letters moved from one unit to another (issue 20 §5)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 20:00:00

A transfer to another unit of the same system moves the letter; this row is the sending unit's
trace and the receiving unit's note of the origin. Unique by origin: transferred only once. ``trusted_agencies``: the agencies whose
signed case packages are accepted (issue 20 §4), configured by an administrator.
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

UTC = engine.persistence.database.UTCDateTime


def upgrade() -> None:
    op.create_table('case_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('origin_agency', sa.String(length=100), nullable=False),
    sa.Column('origin_number', sa.String(length=30), nullable=False),
    sa.Column('tracking_code', sa.String(length=20), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('to_unit', sa.String(length=100), nullable=False),
    sa.Column('from_instance_id', sa.Integer(), nullable=True),
    sa.Column('to_instance_id', sa.Integer(), nullable=True),
    sa.Column('slip_number', sa.String(length=60), nullable=False),
    sa.Column('slip_on', sa.Date(), nullable=True),
    sa.Column('step', sa.String(length=200), nullable=False),
    sa.Column('register', sa.JSON(), nullable=False),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('sent_by', sa.String(length=200), nullable=False),
    sa.Column('sent_at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('origin_agency', 'origin_number', name='uq_case_transfer_origin')
    )
    op.create_index(op.f('ix_case_transfers_petition_id'), 'case_transfers', ['petition_id'],
                    unique=False)
    op.create_index(op.f('ix_case_transfers_to_unit'), 'case_transfers', ['to_unit'], unique=False)
    op.create_index(op.f('ix_case_transfers_tracking_code'), 'case_transfers', ['tracking_code'],
                    unique=False)


    op.create_table('trusted_agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('signing_key', sa.String(length=100), nullable=False),
    sa.Column('sealing_key', sa.String(length=100), nullable=True),
    sa.Column('added_by', sa.String(length=200), nullable=False),
    sa.Column('added_at', UTC(timezone=True), nullable=False),
    sa.Column('removed_by', sa.String(length=200), nullable=True),
    sa.Column('removed_at', UTC(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agency_id')
    )


def downgrade() -> None:
    op.drop_table('trusted_agencies')
    op.drop_index(op.f('ix_case_transfers_tracking_code'), table_name='case_transfers')
    op.drop_index(op.f('ix_case_transfers_to_unit'), table_name='case_transfers')
    op.drop_index(op.f('ix_case_transfers_petition_id'), table_name='case_transfers')
    op.drop_table('case_transfers')
