"""units and protected text: the owning unit of every case; originals of redacted free text

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:00:00

Security issue §1–3. ``process_instances.unit_code`` names the agency that owns a case (its tasks
default to it, only its people see it); existing petition cases take their petition's unit, and
their open tasks without a unit take it too. ``protected_texts`` keeps the originals of free texts
whose shown copy had a sender's identity cut out when it was written.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_code', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_process_instances_unit_code'), ['unit_code'],
                              unique=False)
    op.create_table(
        'protected_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('petition_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('ref', sa.String(length=200), nullable=True),
        sa.Column('redacted', sa.Text(), nullable=False),
        sa.Column('original', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('protected_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protected_texts_petition_id'), ['petition_id'],
                              unique=False)
    op.execute("UPDATE process_instances SET unit_code = (SELECT p.unit_code FROM petitions p "
               "WHERE p.instance_id = process_instances.id) "
               "WHERE unit_code IS NULL AND EXISTS (SELECT 1 FROM petitions p "
               "WHERE p.instance_id = process_instances.id)")
    op.execute("UPDATE human_tasks SET candidate_unit = (SELECT i.unit_code FROM process_instances i "
               "WHERE i.id = human_tasks.instance_id) WHERE candidate_unit IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('protected_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protected_texts_petition_id'))
    op.drop_table('protected_texts')
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_instances_unit_code'))
        batch_op.drop_column('unit_code')
