"""citizen contacts (placeholder reserved by the lead; the owner fills it in)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 19:00:00
"""
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
