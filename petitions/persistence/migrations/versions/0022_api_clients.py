"""api clients: machine tokens of the REST API (issue 20)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 15:50:00

The table of ``engine/accounts/api_clients.py``: one row per token, only its SHA-256 stored.
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


UTC = engine.persistence.database.UTCDateTime


def upgrade() -> None:
    op.create_table('api_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.Column('expires_at', UTC(timezone=True), nullable=True),
    sa.Column('revoked_at', UTC(timezone=True), nullable=True),
    sa.Column('last_used_at', UTC(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_index('ix_api_clients_token_hash', 'api_clients', ['token_hash'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_api_clients_token_hash', table_name='api_clients')
    op.drop_table('api_clients')
