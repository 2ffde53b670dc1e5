"""Building an EngineContext from Settings: the one place that creates the database engine."""
from __future__ import annotations

from engine import identity_vault, key_rotation
from engine.context import EngineContext
from engine.database import (make_engine, make_private, make_session_factory, private_umask,
                             secure_sqlite_files)
from engine.ports import Clock, NoScheduler, SystemClock, TimerScheduler
from engine.settings import Settings

# Folders of the data directory that hold personal data (documents, staged uploads, mail copies,
# modeler drafts, keys); made private at start in case an older version created them open.
PRIVATE_FOLDERS = ("documents", "uploads", "mail", "drafts", "keys")


def build_context(settings: Settings, *, clock: Clock | None = None,
                  scheduler: TimerScheduler | None = None) -> EngineContext:
    private_umask()
    secure_data_dir(settings)
    identity_vault.install(identity_vault.load_keyring(settings))
    engine = make_engine(settings.database_url)
    ctx = EngineContext(session_factory=make_session_factory(engine),
                        clock=clock or SystemClock(), scheduler=scheduler or NoScheduler(),
                        script_cpu_budget_s=settings.script_cpu_budget_s,
                        step_budget=settings.step_budget)
    try:
        key_rotation.verify(ctx)
    except BaseException:
        ctx.close()
        raise
    return ctx


def secure_data_dir(settings: Settings) -> None:
    """The data folder 0700 (created so when missing), its known sub-folders 0700, the SQLite
    files and the key file 0600. The files inside the sub-folders are covered by the folders:
    nobody else can traverse them."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    make_private(settings.data_dir)
    for name in PRIVATE_FOLDERS + ("secret_key",):
        make_private(settings.data_dir / name)
    make_private(settings.identity_key_path)
    secure_sqlite_files(settings.database_url)
