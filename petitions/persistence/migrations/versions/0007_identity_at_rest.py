"""identity at rest

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:00:00

Identity at rest: encrypted sender fields and keyed hashes (security issue §4).

The identity columns of ``petition_senders`` become TEXT (an AES-GCM token is longer than the
clear value); the clear index on ``id_number`` is dropped and the keyed hashes ``id_number_hash``
and ``phone_hash`` are added, indexed. A migration cannot see the key: rows written before this
revision are encrypted, and their hashes filled, by ``petitions.persistence.key_rotation.encrypt_legacy``, which
``petitions.upgrade.upgrade`` (``petitions db upgrade``) runs right after the migrations.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_WIDENED = {"name": 300, "id_number": 20, "phone": 20, "ethnicity": 100, "address_detail": 500}


def upgrade() -> None:
    with op.batch_alter_table('petition_senders', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_senders_id_number')
        for column, length in _WIDENED.items():
            batch_op.alter_column(column, existing_type=sa.String(length=length),
                                  type_=sa.Text(), existing_nullable=column != "name")
        batch_op.add_column(sa.Column('id_number_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('phone_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_petition_senders_id_number_hash', ['id_number_hash'], unique=False)
        batch_op.create_index('ix_petition_senders_phone_hash', ['phone_hash'], unique=False)


def downgrade() -> None:
    # Only for an empty or still-clear table: encrypted tokens do not fit the old widths.
    with op.batch_alter_table('petition_senders', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_senders_phone_hash')
        batch_op.drop_index('ix_petition_senders_id_number_hash')
        batch_op.drop_column('phone_hash')
        batch_op.drop_column('id_number_hash')
        for column, length in _WIDENED.items():
            batch_op.alter_column(column, existing_type=sa.Text(),
                                  type_=sa.String(length=length), existing_nullable=column != "name")
        batch_op.create_index('ix_petition_senders_id_number', ['id_number'], unique=False)
