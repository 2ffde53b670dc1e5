"""complex cases (placeholder reserved by the lead; the owner fills it in)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 19:00:00
"""
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
