"""identity rights: acting heads, case-by-case grants, the resolver unit of a denunciation

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:00:00

Security issue §3. ``head_delegations`` records an acting head for a period; ``identity_grants``
the people a resolver lets read one case's sealed identity, with a reason and an expiry;
``petitions.resolver_unit_code`` the unit above when the denounced person is the owning unit's
head (LTC Điều 12–13).
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolver_unit_code', sa.String(length=100), nullable=True))
    op.create_table(
        'head_delegations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_code', sa.String(length=100), nullable=False),
        sa.Column('head_username', sa.String(length=200), nullable=False),
        sa.Column('acting_username', sa.String(length=200), nullable=False),
        sa.Column('starts_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ends_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('head_delegations', schema=None) as batch_op:
        batch_op.create_index('ix_head_delegations_acting', ['acting_username', 'ends_at'],
                              unique=False)
    op.create_table(
        'identity_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('petition_id', sa.Integer(), nullable=False),
        sa.Column('grantee', sa.String(length=200), nullable=False),
        sa.Column('granted_by', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('expires_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_by', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('identity_grants', schema=None) as batch_op:
        batch_op.create_index('ix_identity_grants_petition_grantee', ['petition_id', 'grantee'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('identity_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_identity_grants_petition_grantee')
    op.drop_table('identity_grants')
    with op.batch_alter_table('head_delegations', schema=None) as batch_op:
        batch_op.drop_index('ix_head_delegations_acting')
    op.drop_table('head_delegations')
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_column('resolver_unit_code')
