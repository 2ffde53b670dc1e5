"""legal documents: reserved for issue 16 (legal documents: templates, outgoing register, document metadata)

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-03 15:50:00

Issue 16: administrators' versions of the form templates, the outgoing register (sổ văn bản
đi: one counter per unit and year, one row per number given), and what a petition document is
(the letter's own file, a form issued at a step with its number, or an attachment of a step).
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('petition_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False,
                                      server_default='letter'))
        batch_op.add_column(sa.Column('task_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('step', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('form_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('number', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('issued_on', sa.Date(), nullable=True))
    op.create_table(
        'document_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('uploaded_by', sa.String(length=200), nullable=False),
        sa.Column('uploaded_at', engine.persistence.database.UTCDateTime(timezone=True),
                  nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', 'version', name='uq_document_template_version'))
    op.create_table(
        'outgoing_counters',
        sa.Column('unit_code', sa.String(length=100), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('unit_code', 'year'))
    op.create_table(
        'outgoing_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_code', sa.String(length=100), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=60), nullable=False),
        sa.Column('form_code', sa.String(length=40), nullable=False),
        sa.Column('template_version', sa.Integer(), nullable=False),
        sa.Column('petition_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('issued_by', sa.String(length=200), nullable=False),
        sa.Column('issued_at', engine.persistence.database.UTCDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(['petition_id'], ['petitions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('task_id', 'form_code', name='uq_outgoing_task_form'),
        sa.UniqueConstraint('unit_code', 'year', 'seq', name='uq_outgoing_number'))
    with op.batch_alter_table('outgoing_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_documents_petition_id'), ['petition_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outgoing_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_documents_petition_id'))
    op.drop_table('outgoing_documents')
    op.drop_table('outgoing_counters')
    op.drop_table('document_templates')
    with op.batch_alter_table('petition_documents', schema=None) as batch_op:
        for name in ('issued_on', 'number', 'form_code', 'step', 'task_id', 'kind'):
            batch_op.drop_column(name)
