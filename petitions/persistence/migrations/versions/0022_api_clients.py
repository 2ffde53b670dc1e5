"""citizens: tracking PINs, online letters, publications, satisfaction answers, session registrations (issue 18)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 15:50:00

Tables of ``petitions/persistence/citizens_models.py``. Contacts and names are stored encrypted
(text columns holding vault tokens); a PIN only as an argon2 hash.
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

UTC = engine.persistence.database.UTCDateTime


def upgrade() -> None:
    op.create_table('tracking_pins',
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('issued_at', UTC(timezone=True), nullable=False),
    sa.Column('issued_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ),
    sa.PrimaryKeyConstraint('petition_id')
    )
    op.create_table('online_letters',
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.Column('consent_at', UTC(timezone=True), nullable=False),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('notify_sms', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ),
    sa.PrimaryKeyConstraint('petition_id'),
    sa.UniqueConstraint('submission_key')
    )
    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('source_task_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('agency_name', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=False),
    sa.Column('visible_until', sa.Date(), nullable=False),
    sa.Column('posted_at', UTC(timezone=True), nullable=False),
    sa.Column('withdrawn_at', UTC(timezone=True), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_task_id')
    )
    op.create_index(op.f('ix_publications_petition_id'), 'publications', ['petition_id'], unique=False)
    op.create_index(op.f('ix_publications_unit_code'), 'publications', ['unit_code'], unique=False)
    op.create_index(op.f('ix_publications_posted_on'), 'publications', ['posted_on'], unique=False)
    op.create_table('satisfaction_answers',
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('satisfied', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('answered_at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ),
    sa.PrimaryKeyConstraint('petition_id')
    )
    op.create_index(op.f('ix_satisfaction_answers_unit_code'), 'satisfaction_answers', ['unit_code'], unique=False)
    op.create_table('session_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('contact', sa.Text(), nullable=False),
    sa.Column('matter', sa.String(length=300), nullable=False),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['reception_sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index(op.f('ix_session_registrations_session_id'), 'session_registrations', ['session_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_session_registrations_session_id'), table_name='session_registrations')
    op.drop_table('session_registrations')
    op.drop_index(op.f('ix_satisfaction_answers_unit_code'), table_name='satisfaction_answers')
    op.drop_table('satisfaction_answers')
    op.drop_index(op.f('ix_publications_posted_on'), table_name='publications')
    op.drop_index(op.f('ix_publications_unit_code'), table_name='publications')
    op.drop_index(op.f('ix_publications_petition_id'), table_name='publications')
    op.drop_table('publications')
    op.drop_table('online_letters')
    op.drop_table('tracking_pins')
