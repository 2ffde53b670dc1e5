"""The outgoing register (sổ văn bản đi): one sequence per unit and year, starting at 01.

Two officers issuing at the same moment never get the same number: the counter row is created
if missing with an insert that ignores a concurrent twin (``ON CONFLICT DO NOTHING``), then read
``FOR UPDATE`` on PostgreSQL (on SQLite the unit of work's ``BEGIN IMMEDIATE`` already serialises
writers); the register's unique (unit, year, number) constraint is the last guard.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from petitions.persistence.models import OutgoingCounter, OutgoingDocument


def next_number(uow, unit_code: str, year: int) -> int:
    """Take the next number of ``unit_code``'s register for ``year`` inside the caller's unit of
    work (the number is spent only if that unit of work commits)."""
    insert = pg_insert if uow.dialect == "postgresql" else sqlite_insert
    uow.session.execute(insert(OutgoingCounter).values(unit_code=unit_code, year=year, last=0)
                        .on_conflict_do_nothing())
    query = select(OutgoingCounter).where(OutgoingCounter.unit_code == unit_code,
                                          OutgoingCounter.year == year) \
        .execution_options(populate_existing=True)
    if uow.dialect == "postgresql":
        query = query.with_for_update()
    counter = uow.session.scalars(query).one()
    counter.last += 1
    uow.session.flush()
    return counter.last


def issued_for(session, task_id: int, form_code: str) -> OutgoingDocument | None:
    """The number already given to this form at this step (generating again keeps it)."""
    return session.scalars(select(OutgoingDocument).where(
        OutgoingDocument.task_id == task_id, OutgoingDocument.form_code == form_code)).first()


def register_rows(session, unit_code: str, year: int) -> list[OutgoingDocument]:
    return list(session.scalars(select(OutgoingDocument).where(
        OutgoingDocument.unit_code == unit_code, OutgoingDocument.year == year)
        .order_by(OutgoingDocument.seq)))
