"""citizen reception: schedules, sessions, the reception book, conclusions, conferences (issue 17)

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-03 15:50:00

Tables of ``petitions/persistence/reception_models.py``. Citizens' names, ID numbers and addresses
are stored encrypted (text columns holding vault tokens), the ID number also as a keyed hash.
"""
import sqlalchemy as sa
from alembic import op

import engine.persistence.database

revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dialogue_conferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('chair', sa.String(length=300), nullable=False),
    sa.Column('participant_groups', sa.JSON(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=500), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_dialogue_conferences_unit_code'), 'dialogue_conferences', ['unit_code'], unique=False)
    op.create_table('reception_book_counters',
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('unit_code', 'year')
    )
    op.create_table('reception_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('position', sa.String(length=30), nullable=False),
    sa.Column('leader_name', sa.String(length=200), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('monthly_days', sa.JSON(), nullable=False),
    sa.Column('morning', sa.String(length=11), nullable=True),
    sa.Column('afternoon', sa.String(length=11), nullable=True),
    sa.Column('place', sa.String(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_reception_schedules_unit_code'), 'reception_schedules', ['unit_code'], unique=False)
    op.create_table('reception_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('nominal_on', sa.Date(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('position', sa.String(length=30), nullable=False),
    sa.Column('leader_name', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.String(length=30), nullable=False),
    sa.Column('place', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('moved_from', sa.Date(), nullable=True),
    sa.Column('change_reason', sa.Text(), nullable=True),
    sa.Column('held_by', sa.String(length=20), nullable=True),
    sa.Column('deputy_name', sa.String(length=200), nullable=True),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('notice_sent_on', sa.Date(), nullable=True),
    sa.Column('recording_ref', sa.String(length=300), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['schedule_id'], ['reception_schedules.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('schedule_id', 'nominal_on', name='uq_reception_session_nominal')
    )
    op.create_index('ix_reception_sessions_unit_day', 'reception_sessions', ['unit_code', 'held_on'], unique=False)
    op.create_table('reception_conclusions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('conference_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('leader_name', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('front_monitoring', sa.Text(), nullable=True),
    sa.Column('front_monitored_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['dialogue_conferences.id'], ),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['reception_sessions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_reception_conclusions_unit_code'), 'reception_conclusions', ['unit_code'], unique=False)
    op.create_table('reception_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conclusion_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('owner', sa.String(length=300), nullable=False),
    sa.Column('task', sa.Text(), nullable=False),
    sa.Column('required_result', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['conclusion_id'], ['reception_conclusions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_reception_assignments_conclusion_id'), 'reception_assignments', ['conclusion_id'], unique=False)
    op.create_table('reception_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=100), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('leader_name', sa.String(length=200), nullable=True),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('representatives', sa.Integer(), nullable=False),
    sa.Column('petition_type', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('prior_handling', sa.Text(), nullable=True),
    sa.Column('request', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('transferred_to', sa.String(length=500), nullable=True),
    sa.Column('refusal_ground', sa.String(length=30), nullable=True),
    sa.Column('petition_id', sa.Integer(), nullable=True),
    sa.Column('identity_sealed', sa.Boolean(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', engine.persistence.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['reception_sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_code', 'year', 'seq', name='uq_reception_visit_seq')
    )
    op.create_index(op.f('ix_reception_visits_session_id'), 'reception_visits', ['session_id'], unique=False)
    op.create_index('ix_reception_visits_unit_day', 'reception_visits', ['unit_code', 'visited_on'], unique=False)
    op.create_table('reception_citizens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('id_number', sa.Text(), nullable=True),
    sa.Column('province_code', sa.String(length=10), nullable=True),
    sa.Column('ward_code', sa.String(length=10), nullable=True),
    sa.Column('address_detail', sa.Text(), nullable=True),
    sa.Column('is_representative', sa.Boolean(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['visit_id'], ['reception_visits.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_reception_citizens_id_number_hash'), 'reception_citizens', ['id_number_hash'], unique=False)
    op.create_index(op.f('ix_reception_citizens_visit_id'), 'reception_citizens', ['visit_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reception_citizens_visit_id'), table_name='reception_citizens')
    op.drop_index(op.f('ix_reception_citizens_id_number_hash'), table_name='reception_citizens')
    op.drop_table('reception_citizens')
    op.drop_index('ix_reception_visits_unit_day', table_name='reception_visits')
    op.drop_index(op.f('ix_reception_visits_session_id'), table_name='reception_visits')
    op.drop_table('reception_visits')
    op.drop_index(op.f('ix_reception_assignments_conclusion_id'), table_name='reception_assignments')
    op.drop_table('reception_assignments')
    op.drop_index(op.f('ix_reception_conclusions_unit_code'), table_name='reception_conclusions')
    op.drop_table('reception_conclusions')
    op.drop_index('ix_reception_sessions_unit_day', table_name='reception_sessions')
    op.drop_table('reception_sessions')
    op.drop_index(op.f('ix_reception_schedules_unit_code'), table_name='reception_schedules')
    op.drop_table('reception_schedules')
    op.drop_table('reception_book_counters')
    op.drop_index(op.f('ix_dialogue_conferences_unit_code'), table_name='dialogue_conferences')
    op.drop_table('dialogue_conferences')
