"""Agency profiles: documents and receipts print names, never unit codes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.accounts.delegations import delegate
from engine.accounts.models import Unit
from engine.accounts.users import add_user
from engine.errors import InvalidInput, NotFound
from petitions.agencies.profiles import agency_for, save_profile
from petitions.demo import DEMO_AGENCY, DEMO_UNIT, seed_demo_users
from tests.support import actor


def test_demo_unit_prints_its_full_name_and_signing_head(ctx):
    seed_demo_users(ctx)
    with ctx.uow(write=False) as uow:
        agency = agency_for(uow.session, DEMO_UNIT)
        unit_name = uow.session.scalar(select(Unit.name).where(Unit.code == DEMO_UNIT))
    assert agency.full_name == "Ủy ban nhân dân xã An Phú" == unit_name
    assert agency.parent_body == DEMO_AGENCY["parent_body"]
    assert (agency.head_position, agency.head_name) == ("Chủ tịch", "Phạm Văn Trưởng")
    assert DEMO_UNIT not in agency.full_name.lower() and not agency.acting


def test_parent_body_defaults_to_the_parent_unit_and_unknown_code_prints_nothing(ctx):
    add_user(ctx, "a", ["handling_officer"], actor="t", unit="xa-b")
    with ctx.uow() as uow:
        parent = Unit(code="huyen-a", name="UBND huyện A")
        uow.session.add(parent)
        uow.session.flush()
        uow.session.scalar(select(Unit).where(Unit.code == "xa-b")).parent_id = parent.id
        uow.commit()
    save_profile(ctx, "xa-b", {"full_name": "Ủy ban nhân dân xã B"}, actor="quantri")
    with ctx.uow(write=False) as uow:
        assert agency_for(uow.session, "xa-b").parent_body == "UBND huyện A"
        assert agency_for(uow.session, "khong-co").full_name == ""


def test_profile_refuses_a_blank_name_and_an_unknown_unit(ctx):
    seed_demo_users(ctx)
    with pytest.raises(InvalidInput):
        save_profile(ctx, DEMO_UNIT, {"full_name": "  "}, actor="quantri")
    with pytest.raises(NotFound):
        save_profile(ctx, "khong-co", {"full_name": "X"}, actor="quantri")
    with ctx.uow(write=False) as uow:
        assert agency_for(uow.session, DEMO_UNIT).full_name == DEMO_AGENCY["full_name"]


def test_acting_head_signs_during_the_delegation_only(ctx):
    seed_demo_users(ctx)
    now = ctx.clock.now()
    delegate(ctx, "xuly", actor("truongdonvi", "head_of_unit", unit=DEMO_UNIT), now,
             now + timedelta(days=10), "Quyết định 12/QĐ giao quyền")
    with ctx.uow(write=False) as uow:
        during = agency_for(uow.session, DEMO_UNIT, now + timedelta(days=1))
        after = agency_for(uow.session, DEMO_UNIT, now + timedelta(days=11))
    assert during.acting and during.acting_name == "Trần Văn Xử"
    assert not after.acting and after.acting_name == ""
