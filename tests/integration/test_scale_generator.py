"""The scale generator (bench/scale_data.py) at a tiny size: what it loads, the application's own
queries read, and the audit chains it writes verify. Keeps the generator from rotting while the
schema moves on. PostgreSQL only (it loads with COPY)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from bench.scale_data import Plan, generate
from bench.scale_rows import LONG_EVENTS, NOW
from engine.accounts.actor import Actor
from engine.audit import chain as audit_chain
from petitions.persistence import vault
from petitions.persistence.models import PetitionSender
from petitions.supervision import history, search
from petitions.tasks import inbox
from petitions.wiring import context_for
from tests.support import PostgresSchema, postgres_available


class _Clock:
    def now(self):
        return NOW


@pytest.fixture
def scale_schema():
    reason = postgres_available()
    if reason:
        pytest.skip(f"!!! PostgreSQL NOT REACHABLE — skipping: {reason}")
    previous = vault.active()
    schema = PostgresSchema()
    yield schema.url
    schema.drop()
    if previous is not None:
        vault.install(previous)


def test_generated_province_is_read_by_the_application(scale_schema):
    plan = Plan(petitions=300, seed=11, batch=100)
    first = generate(scale_schema, plan, create=False)
    assert first["rows"]["petitions"] == 300 and first["rows"]["process_instances"] == 300
    assert 4 * 300 <= first["rows"]["human_tasks"] <= 5 * 300
    assert first["rows"]["audit_events"] >= 10 * 300
    # Re-run: every batch is recorded as loaded, nothing is written twice.
    again = generate(scale_schema, plan, create=False)
    assert again["batches_loaded_now"] == 0 and again["rows"] == first["rows"]

    ctx = context_for(scale_schema, clock=_Clock())
    try:
        with ctx.uow(write=False) as uow:
            session = uow.session
            busiest = session.execute(text(
                "SELECT candidate_unit FROM human_tasks WHERE status = 'completed' "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")).scalar()
            sender = session.query(PetitionSender).order_by(PetitionSender.id).first()
            number, sealed = sender.id_number, session.execute(text(
                "SELECT count(*) FROM petitions WHERE identity_sealed")).scalar()
            # Every chain the generator wrote verifies with the engine's own check.
            verified = audit_chain.verify(session)
            longest = session.execute(text(
                "SELECT id, audit_seq FROM process_instances ORDER BY audit_seq DESC LIMIT 1")).one()
        assert verified.ok, verified.to_dict()["breaks"][:3]
        assert verified.events == first["rows"]["audit_events"]
        assert sealed > 0

        officer = Actor(f"{busiest}.canbo1", frozenset({"handling_officer"}), unit=busiest)
        assert inbox.list_view(ctx, officer, "done")["total"] > 0
        head = Actor(f"{busiest}.truong", frozenset({"head_of_unit"}), unit=busiest)
        counts = inbox.view_counts(ctx, head)
        assert counts["done"] > 0 and set(counts) >= {"mine", "queue", "unit"}

        units = frozenset(u for (u,) in ctx.session_factory().execute(
            text("SELECT code FROM units")))
        supervisor = Actor("giamsat", frozenset({"supervisor"}), unit="tinh", supervised=units)
        found = search.search(ctx, search.SearchFilters(q="đất"), supervisor)
        assert found["rows"] and found["total"] > 0
        by_id = search.identity_search(ctx, "id_number", number, supervisor)
        assert sender.petition_id in [r["id"] for r in by_id["rows"]]

        page = history.history(ctx, longest.id, supervisor)
        assert page["event_count"] == longest.audit_seq and page["verification"]["ok"]
        assert longest.audit_seq <= LONG_EVENTS
    finally:
        ctx.close()
