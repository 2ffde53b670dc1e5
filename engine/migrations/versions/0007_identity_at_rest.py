"""identity at rest

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:00:00

Identity at rest: encrypted sender fields and keyed hashes (security issue §4). Placeholder in the chain until its change fills it.
"""
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
