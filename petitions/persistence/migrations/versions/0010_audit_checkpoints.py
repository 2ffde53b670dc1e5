"""audit checkpoints

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:00:00

Audit checkpoints and verification alerts (security issue §6): deliberately nothing in the
database. The signed checkpoints, the outcome of the periodic verification and its alerts are
files in AUDIT_CHECKPOINT_DIR (engine/audit/checkpoints.py, engine/audit/verification.py), because
the threat they answer is someone who can write the database: an alert row could be deleted by the
very person it reports. The revision stays so the chain 0009 → 0011 is unchanged.
"""
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
