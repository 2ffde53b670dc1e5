"""complex cases: the register of complex, long-running and backlog cases (issue 19 §2)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 19:00:00

The tables of ``petitions/persistence/complex_models.py``: an entry per petition, its roadmap's
milestones and its quarterly reports.
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

UTC = engine.persistence.database.UTCDateTime


def upgrade() -> None:
    op.create_table('complex_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('markers', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('working_group', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_note', sa.Text(), nullable=True),
    sa.Column('entered_by', sa.String(length=200), nullable=False),
    sa.Column('entered_at', UTC(timezone=True), nullable=False),
    sa.Column('updated_at', UTC(timezone=True), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('petition_id')
    )
    op.create_index('ix_complex_cases_unit_code', 'complex_cases', ['unit_code'], unique=False)
    op.create_table('complex_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['complex_cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_complex_milestones_case_id', 'complex_milestones', ['case_id'],
                    unique=False)
    op.create_table('complex_quarter_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('written_by', sa.String(length=200), nullable=False),
    sa.Column('written_at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['complex_cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'year', 'quarter', name='uq_complex_quarter_report')
    )
    op.create_index('ix_complex_quarter_reports_case_id', 'complex_quarter_reports', ['case_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_complex_quarter_reports_case_id', table_name='complex_quarter_reports')
    op.drop_table('complex_quarter_reports')
    op.drop_index('ix_complex_milestones_case_id', table_name='complex_milestones')
    op.drop_table('complex_milestones')
    op.drop_index('ix_complex_cases_unit_code', table_name='complex_cases')
    op.drop_table('complex_cases')
