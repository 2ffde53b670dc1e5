"""sessions and logins

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:00:00

Server-side sessions, per-account login throttling, idempotency keys (security issue §6). Placeholder in the chain until its change fills it.
"""
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
