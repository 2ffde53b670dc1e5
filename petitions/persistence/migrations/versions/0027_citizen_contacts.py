"""citizen contacts: a contact given at the desk for progress notices (issue 18)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 19:20:00

Letters registered at the desk could not be notified: only online letters kept a contact. The
address and phone are encrypted at rest like a sender's identity.
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

UTC = engine.persistence.database.UTCDateTime


def upgrade() -> None:
    op.create_table('citizen_contacts',
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('notify_sms', sa.Boolean(), nullable=False),
    sa.Column('consent_at', UTC(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ),
    sa.PrimaryKeyConstraint('petition_id')
    )


def downgrade() -> None:
    op.drop_table('citizen_contacts')
