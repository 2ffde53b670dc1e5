"""sessions and logins

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:00:00

Server-side sessions, per-account login throttling, idempotency keys (security issue §6).
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('created_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=50), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_login_sessions_user_open', ['username', 'revoked_at'], unique=False)

    op.create_table('login_failures',
    sa.Column('subject', sa.String(length=250), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', engine.persistence.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('subject')
    )
    op.create_table('submission_keys',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('endpoint', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_location', sa.Text(), nullable=True),
    sa.Column('response_type', sa.String(length=200), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=True),
    sa.Column('created_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('submission_keys', schema=None) as batch_op:
        batch_op.create_index('ix_submission_keys_created', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('submission_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_keys_created')
    op.drop_table('submission_keys')
    op.drop_table('login_failures')
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_login_sessions_user_open')
    op.drop_table('login_sessions')
