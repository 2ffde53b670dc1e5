"""One unit of work per command, committed in one place.

Leaving the ``with`` block without ``commit()`` rolls back. Work that must happen only once the data
is durable (scheduling timer wake-ups) is registered with ``after_commit``.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import Conflict


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker, *, write: bool = True):
        self._factory = session_factory
        self.write = write
        self.session: Session | None = None
        self._after_commit: list[Callable[[], None]] = []
        # Set while event handlers run (engine.events): they react inside this unit of work and
        # must leave the one commit to the command that opened it.
        self.publishing = False

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        if self.write:
            # Read by the SQLite 'begin' hook (engine.persistence.database): writers start IMMEDIATE.
            self.session.connection(execution_options={"petitions_write": True})
        self._after_commit = []
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            # Detach first so rows read in the block stay readable after it (a rollback would
            # expire them); anything not committed is discarded by the rollback.
            self.session.expunge_all()
            self.session.rollback()
        finally:
            self.session.close()
            self.session = None

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def commit(self) -> None:
        if self.publishing:
            raise RuntimeError("an event handler must not commit: the publishing command does")
        try:
            self.session.commit()
        except StaleDataError:
            self.session.rollback()
            raise Conflict("Hồ sơ vừa được người khác cập nhật; vui lòng tải lại và thử lại "
                           "(the instance was changed concurrently)") from None
        except IntegrityError as err:
            self.session.rollback()
            raise Conflict(f"Xung đột dữ liệu, không có gì được ghi: {err.orig}") from None
        except DBAPIError as err:
            self.session.rollback()
            if "locked" in str(err.orig) or "could not serialize" in str(err.orig):
                raise Conflict("Cơ sở dữ liệu đang bận; không có gì được ghi, vui lòng thử lại") from None
            raise
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()
