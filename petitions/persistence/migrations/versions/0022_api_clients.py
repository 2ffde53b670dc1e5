"""api clients: reserved for issue 20 (API tokens, inter-agency transfers)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 15:50:00

Reserved so that parallel work keeps one linear chain; filled in by the work it names, or left
as a step that changes nothing.
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import engine.persistence.database  # noqa: F401

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
