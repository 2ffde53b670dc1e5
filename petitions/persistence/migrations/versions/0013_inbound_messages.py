"""inbound messages: messages and signals delivered from outside, idempotent by message id

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:00:00

Issue 14. ``inbound_messages`` records every delivery (once per ``message_id``) and keeps a message
that matched no waiting instance (``unmatched``) instead of dropping it.
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inbound_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=200), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('business_key', sa.String(length=200), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('instance_ids', sa.JSON(), nullable=False),
        sa.Column('received_by', sa.String(length=200), nullable=False),
        sa.Column('received_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id'))
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_business_key'), ['business_key'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_business_key'))
    op.drop_table('inbound_messages')
