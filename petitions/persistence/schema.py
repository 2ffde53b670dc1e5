"""Database schema management through Alembic, driven from code (no alembic.ini to keep in sync)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# PostgreSQL-only indexes made by hand in migrations (trigram, covering): not in the models, so
# autogenerate must not propose dropping them.
PG_ONLY_INDEXES = {"ix_process_instances_id_cover", "ix_process_instances_status_id",
                   "ix_petitions_search_trgm"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave the hand-made PostgreSQL-only indexes out of comparisons."""
    return not (type_ == "index" and reflected and name in PG_ONLY_INDEXES)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``; creates the SQLite file's folder if needed
    (private, like the file). ``petitions.upgrade`` adds what a migration cannot do."""
    from engine.persistence.database import secure_sqlite_files, sqlite_path
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)
    secure_sqlite_files(url)


def current(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from engine.persistence.database import make_engine
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
