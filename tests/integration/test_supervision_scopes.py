"""Supervision scopes (issue 15): a supervisor sees their unit's subtree ∪ each scope unit's
subtree, computed in one place (engine/accounts/units.supervised_units, read by actor_for), so
search and the history page follow a scope as soon as it is given or taken away."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.accounts import units, users
from engine.accounts.models import Unit
from engine.errors import Conflict, InvalidInput, NotFound
from engine.persistence.models import AuditEvent
from petitions.demo import seed_demo_users
from petitions.supervision.history import history
from petitions.supervision.search import SearchFilters, search
from tests.bpmn.harness import deploy_processes
from tests.integration.test_reports import Desk


def _tree(ctx) -> None:
    """Two districts: the demo commune (giamsat's unit) with u1, u2 below it, and another
    district "huyen-b" with a commune "xa-b1" below it, outside giamsat's branch."""
    with ctx.uow() as uow:
        lock, now = uow.dialect == "postgresql", ctx.clock.now()
        units.create(uow.session, "huyen-b", "UBND huyện B", None, actor="t", now=now, lock=lock)
        units.create(uow.session, "xa-b1", "UBND xã B1", "huyen-b", actor="t", now=now, lock=lock)
        uow.commit()


@pytest.fixture
def desk(ctx, clock):
    seed_demo_users(ctx)
    deploy_processes(ctx)
    desk = Desk(ctx, clock)
    desk.at("2026-11-23")
    _tree(ctx)
    return desk


def _found(ctx, instance_id: int) -> bool:
    rows = search(ctx, SearchFilters(), users.actor_for(ctx, "giamsat"))["rows"]
    return instance_id in {r["instance_id"] for r in rows}


def test_a_scope_shows_the_units_cases_in_search_and_history_until_removed(ctx, desk):
    own = desk.register("2026-11-20", unit="u1")
    outside = desk.register("2026-11-20", unit="xa-b1")
    assert users.actor_for(ctx, "giamsat").supervised == {"u1", "u2"}
    assert _found(ctx, own["instance_id"]) and not _found(ctx, outside["instance_id"])
    with pytest.raises(NotFound):
        history(ctx, outside["instance_id"], users.actor_for(ctx, "giamsat"))

    # The district "huyen-b" in scope: it and the commune below it.
    units.add_scope(ctx, "giamsat", "huyen-b", actor="quantri")
    assert users.actor_for(ctx, "giamsat").supervised == {"u1", "u2", "huyen-b", "xa-b1"}
    assert _found(ctx, outside["instance_id"]) and _found(ctx, own["instance_id"])
    shown = history(ctx, outside["instance_id"], users.actor_for(ctx, "giamsat"))
    assert shown["instance"]["id"] == outside["instance_id"]

    units.remove_scope(ctx, "giamsat", "huyen-b", actor="quantri")
    assert users.actor_for(ctx, "giamsat").supervised == {"u1", "u2"}
    assert not _found(ctx, outside["instance_id"])
    with pytest.raises(NotFound):
        history(ctx, outside["instance_id"], users.actor_for(ctx, "giamsat"))

    with ctx.uow(write=False) as uow:
        events = [(e.event_type, e.actor, e.payload) for e in uow.session.scalars(
            select(AuditEvent).where(AuditEvent.chain == "users",
                                     AuditEvent.event_type.like("supervision_scope_%"))
            .order_by(AuditEvent.seq))]
    assert events == [
        ("supervision_scope_added", "quantri", {"username": "giamsat", "unit": "huyen-b"}),
        ("supervision_scope_removed", "quantri", {"username": "giamsat", "unit": "huyen-b"})]


def test_scopes_are_for_supervisors_and_refuse_repeats_and_unknown_units(ctx, desk):
    with pytest.raises(InvalidInput, match="cán bộ giám sát"):
        units.add_scope(ctx, "xuly", "huyen-b", actor="quantri")
    with pytest.raises(NotFound):
        units.add_scope(ctx, "giamsat", "khong-co", actor="quantri")
    units.add_scope(ctx, "giamsat", "xa-b1", actor="quantri")
    with pytest.raises(Conflict):
        units.add_scope(ctx, "giamsat", "xa-b1", actor="quantri")
    with pytest.raises(NotFound):
        units.remove_scope(ctx, "giamsat", "huyen-b", actor="quantri")
    # Only supervisors oversee units: an officer has no supervised units.
    assert users.actor_for(ctx, "xuly").supervised == frozenset()
    with ctx.uow(write=False) as uow:
        assert units.scopes_of(uow.session, "giamsat") == [("xa-b1", "UBND xã B1")]


def test_units_tree_refuses_cycles_and_keeps_codes(ctx, desk):
    with ctx.uow() as uow:
        lock, now = uow.dialect == "postgresql", ctx.clock.now()
        with pytest.raises(InvalidInput, match="trực thuộc"):
            units.update(uow.session, "huyen-b", "UBND huyện B", "xa-b1", actor="t", now=now,
                         lock=lock)
        with pytest.raises(InvalidInput, match="trực thuộc"):
            units.update(uow.session, "huyen-b", "UBND huyện B", "huyen-b", actor="t", now=now,
                         lock=lock)
        with pytest.raises(Conflict):
            units.create(uow.session, "xa-b1", "Trùng", None, actor="t", now=now, lock=lock)
        with pytest.raises(InvalidInput, match="Mã đơn vị"):
            units.create(uow.session, "Xã B 2", "Xã B2", None, actor="t", now=now, lock=lock)
        changes = units.update(uow.session, "xa-b1", "UBND xã B Một", "ubnd-xa-demo", actor="q",
                               now=now, lock=lock)
        assert changes == {"name": ["UBND xã B1", "UBND xã B Một"],
                           "parent": ["huyen-b", "ubnd-xa-demo"]}
        uow.commit()
    with ctx.uow(write=False) as uow:
        tree = [(n.code, n.depth, n.parent) for n in units.tree(uow.session)]
        parent = uow.session.scalar(select(Unit.parent_id).where(Unit.code == "xa-b1"))
    assert parent is not None
    assert ("xa-b1", 1, "ubnd-xa-demo") in tree and ("huyen-b", 0, None) in tree
    # Moving xa-b1 under the demo commune puts it in giamsat's subtree.
    assert "xa-b1" in users.actor_for(ctx, "giamsat").supervised


def test_the_command_line_gives_and_removes_scopes_and_disables_users(ctx, db_url, tmp_path):
    from click.testing import CliRunner

    from petitions_cli.main import cli
    users.add_user(ctx, "gs", ["supervisor"], actor="t", unit="huyen-a")
    users.add_user(ctx, "cb", ["handling_officer"], actor="t", unit="xa-c")
    env = {"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path)}

    def run(*args, expect=0):
        result = CliRunner().invoke(cli, list(args), env=env)
        assert result.exit_code == expect, result.output
        return result.output
    assert '"in_scope": true' in run("users", "scope", "gs", "xa-c", "--json")
    assert users.actor_for(ctx, "gs").supervised == {"xa-c"}
    assert "Lỗi:" in run("users", "scope", "cb", "xa-c", expect=1)
    run("users", "scope", "gs", "xa-c", "--remove")
    assert users.actor_for(ctx, "gs").supervised == frozenset()
    run("users", "active", "cb", "no")
    with pytest.raises(NotFound):
        users.actor_for(ctx, "cb")
