"""audit checkpoints

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:00:00

Audit checkpoints and verification alerts (security issue §6). Placeholder in the chain until its change fills it.
"""
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
