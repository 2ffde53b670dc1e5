"""script budgets

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:00:00

Script budgets: failure back-off for timers (security issue §5). Placeholder in the chain until its change fills it.
"""
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
