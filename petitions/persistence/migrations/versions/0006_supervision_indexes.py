"""supervision indexes: search order and filters; trigram index for the full text on PostgreSQL

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-22 10:00:00

The supervisors' search (petitions/supervision/search.py) finds a page as (received_on, id) pairs, newest first:

- ``ix_petitions_received_cover`` (received_on, id); on PostgreSQL it also carries (INCLUDE) the
  columns the filters read (instance_id, type, field, unit, search_text), so a page is found by an
  index-only walk in date order and only the page's rows are read from the table;
- ``ix_petitions_field_received`` for the field filter (type and unit have theirs since 0003);
- PostgreSQL: ``ix_process_instances_id_cover`` (id) INCLUDE (status, overdue_since, updated_at)
  answers the instance filters of that walk without the instance rows (whose ``state`` is large),
  and ``ix_process_instances_status_id`` (status, id) counts a status without them;
- PostgreSQL: the free text ``search_text LIKE '%word%'`` is answered from a GIN trigram index
  (pg_trgm). The extension is created in ``public`` when the database lets us (pg_trgm is a trusted
  extension since PostgreSQL 13); where it cannot be created the index is skipped with a warning
  and the search still works, scanning. SQLite has no trigram index: LIKE scans, fine at a
  commune's size.
"""
import logging

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
_FIND = text("select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace "
             "where e.extname = 'pg_trgm'")


def _trigram_schema(bind) -> str | None:
    schema = bind.execute(_FIND).scalar()
    if schema:
        return schema
    savepoint = bind.begin_nested()
    try:
        bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        savepoint.commit()
    except DBAPIError as err:  # no privilege, or created concurrently by another migration
        savepoint.rollback()
        log.warning("pg_trgm not created (%s); full-text search will scan", str(err.orig).strip())
    return bind.execute(_FIND).scalar()


def upgrade() -> None:
    op.create_index("ix_petitions_received_cover", "petitions", ["received_on", "id"],
                    postgresql_include=["instance_id", "petition_type", "field", "unit_code",
                                        "search_text"])
    op.create_index("ix_petitions_field_received", "petitions", ["field", "received_on"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.create_index("ix_process_instances_id_cover", "process_instances", ["id"], unique=True,
                        postgresql_include=["status", "overdue_since", "updated_at"])
        op.create_index("ix_process_instances_status_id", "process_instances", ["status", "id"])
        schema = _trigram_schema(bind)
        if schema:
            op.execute(f'CREATE INDEX ix_petitions_search_trgm ON petitions '
                       f'USING gin (search_text "{schema}".gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_petitions_search_trgm")
        op.drop_index("ix_process_instances_status_id", table_name="process_instances")
        op.drop_index("ix_process_instances_id_cover", table_name="process_instances")
    op.drop_index("ix_petitions_field_received", table_name="petitions")
    op.drop_index("ix_petitions_received_cover", table_name="petitions")
