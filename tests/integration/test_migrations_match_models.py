"""The Alembic migrations build exactly the schema the models describe (nothing left to autogenerate)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.persistence.database import Base, make_engine
import petitions.persistence.models  # noqa: F401  (kernel and domain tables on one metadata)
from petitions.persistence.schema import include_object


def test_no_difference_between_models_and_migrated_database(db_url):
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "include_object": include_object})
            diffs = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diffs == []
