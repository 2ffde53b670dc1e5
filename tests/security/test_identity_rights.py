"""The identity right beyond roles (issue 12 §3): grants, acting heads, the body above."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.accounts import delegations, users
from engine.accounts.models import Unit
from engine.accounts.users import add_user
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.work import human_tasks
from petitions.identity import rights
from petitions.persistence.models import Petition
from petitions.register import grants, petition_file, registration
from tests.security.test_identity_protection import (FACTS, HANDLER, HANDLER2, HEAD,  # noqa: F401
                                                     ID_NUMBER, NAME, OTHER_HANDLER, SUPERVISOR,
                                                     UNIT, _register, seeded)

REASON = "Phục vụ xác minh theo chỉ đạo"


def test_a_grant_lets_one_officer_read_until_it_expires_or_is_revoked(seeded):
    ctx = seeded
    case = _register(ctx, "denunciation")
    pid, now = case["petition_id"], ctx.clock.now()
    with pytest.raises(Forbidden):
        registration.senders(ctx, pid, HANDLER2, reason=REASON)
    for who, grantee in ((HANDLER, HANDLER2.username), (SUPERVISOR, HANDLER2.username)):
        with pytest.raises(Forbidden):  # only the resolver grants
            grants.grant(ctx, pid, grantee, who, REASON, now + timedelta(days=3))
    with pytest.raises(InvalidInput):  # another unit's officer cannot be granted
        grants.grant(ctx, pid, OTHER_HANDLER.username, HEAD, REASON, now + timedelta(days=3))
    with pytest.raises(InvalidInput):  # an expiry is required, and bounded
        grants.grant(ctx, pid, HANDLER2.username, HEAD, REASON, now + timedelta(days=400))
    granted = grants.grant(ctx, pid, HANDLER2.username, HEAD, REASON,
                                    now + timedelta(days=3))
    assert registration.senders(ctx, pid, HANDLER2, reason=REASON)[0]["id_number"] == ID_NUMBER
    ctx.clock.advance(days=4)
    with pytest.raises(Forbidden):  # expired
        registration.senders(ctx, pid, HANDLER2, reason=REASON)
    again = grants.grant(ctx, pid, HANDLER2.username, HEAD, REASON,
                                  ctx.clock.now() + timedelta(days=3))
    grants.revoke_grant(ctx, pid, again["id"], HEAD)
    with pytest.raises(Forbidden):  # revoked
        registration.senders(ctx, pid, HANDLER2, reason=REASON)
    file = petition_file.petition_file(ctx, pid, HEAD)
    assert [(g["id"], g["active"]) for g in file["grants"]] == [(granted["id"], False),
                                                                 (again["id"], False)]
    kinds = [e["type"] for e in file["timeline"]]
    assert kinds.count("identity_granted") == 2 and "identity_grant_revoked" in kinds
    assert [r["who"] for r in file["identity_reads"]] == [HANDLER2.username]
    assert petition_file.petition_file(ctx, pid, HANDLER)["grants"] is None


def test_an_acting_head_reads_as_the_head_for_the_recorded_period(seeded):
    ctx = seeded
    case = _register(ctx, "denunciation")
    now = ctx.clock.now()
    head = users.actor_for(ctx, HEAD.username)
    with pytest.raises(InvalidInput):  # someone of another unit cannot act for this head
        delegations.delegate(ctx, OTHER_HANDLER.username, head, now, now + timedelta(days=5),
                                 "Quyết định 12/QĐ")
    with pytest.raises(Forbidden):  # only a head delegates
        delegations.delegate(ctx, HANDLER2.username, users.actor_for(ctx, HANDLER.username),
                                 now, now + timedelta(days=5), "Quyết định 12/QĐ")
    delegations.delegate(ctx, HANDLER.username, head, now, now + timedelta(days=5),
                             "Quyết định 12/QĐ-UBND giao quyền Chủ tịch")
    acting = users.actor_for(ctx, HANDLER.username)
    assert "head_of_unit" in acting.roles
    assert registration.senders(ctx, case["petition_id"], acting, reason=REASON)[0]["name"] == NAME
    ctx.clock.advance(days=6)
    after = users.actor_for(ctx, HANDLER.username)
    assert "head_of_unit" not in after.roles
    with pytest.raises(Forbidden):
        registration.senders(ctx, case["petition_id"], after, reason=REASON)


def test_a_denunciation_against_the_head_is_read_by_the_unit_above(seeded):
    """LTC Điều 12–13: the head of the unit above resolves; the denounced head never reads."""
    ctx = seeded
    with ctx.uow() as uow:
        district = Unit(code="ubnd-huyen", name="UBND huyện")
        uow.session.add(district)
        uow.session.flush()
        uow.session.scalars(select(Unit).where(Unit.code == UNIT)).one().parent_id = district.id
        uow.commit()
    add_user(ctx, "chutichhuyen", ["head_of_unit"], actor="test", unit="ubnd-huyen")
    above = users.actor_for(ctx, "chutichhuyen")
    case = _register(ctx, "denunciation")
    with pytest.raises(NotFound):  # not the district's case until it is against the head
        petition_file.petition_file(ctx, case["petition_id"], above)
    task = human_tasks.list_tasks(ctx, instance_id=case["instance_id"])[0]
    human_tasks.claim(ctx, task["id"], HANDLER)
    human_tasks.complete(ctx, task["id"], HANDLER, {
        **FACTS, "petition_type": "denunciation", "accused_is_head": True})
    with ctx.uow(write=False) as uow:
        assert uow.session.get(Petition, case["petition_id"]).resolver_unit_code == "ubnd-huyen"
    with pytest.raises(Forbidden):  # the denounced head
        registration.senders(ctx, case["petition_id"], HEAD, reason=REASON)
    assert registration.senders(ctx, case["petition_id"], above, reason=REASON)[0]["name"] == NAME
    assert rights.is_resolver(above, registration.get_petition(ctx, case["petition_id"],
                                                                     above))
    # Supervisors of the owning unit keep their (audited) right.
    assert registration.senders(ctx, case["petition_id"], SUPERVISOR, reason=REASON)[0]["name"] == NAME
    assert not rights.can_read_identity(replace(HEAD, roles=frozenset({"administrator",
                                                                                "head_of_unit"})))
