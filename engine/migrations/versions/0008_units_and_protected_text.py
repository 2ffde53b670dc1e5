"""units and protected text

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:00:00

Units on every case row, protected texts and identity reads (security issue §1-3). Placeholder in the chain until its change fills it.
"""
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
