"""A first start: demo accounts, one per role, in the demo commune "xã An Phú", and its cases
(petitions/demo_cases.py)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import User
from engine.accounts.users import add_user, hash_password, set_password

if TYPE_CHECKING:
    from engine.context import EngineContext

DEMO_UNIT = "ubnd-xa-demo"
# Demo accounts only (documented in the README); a real deployment sets its own passwords.
DEMO_PASSWORD = "demo-2026"
DEMO_MAIL_DOMAIN = "an-phu.example"   # a reserved domain (RFC 2606): never a real mailbox
DEMO_USERS = [
    ("tiepdan", "Nguyễn Thị Tiếp", ["reception_officer"]),
    ("xuly", "Trần Văn Xử", ["handling_officer"]),
    ("xuly2", "Lê Thị Lý", ["handling_officer"]),
    ("truongdonvi", "Phạm Văn Trưởng", ["head_of_unit"]),
    ("xacminh", "Hoàng Văn Minh", ["verification_team"]),
    ("congkhai", "Vũ Thị Khai", ["publication_officer"]),
    ("giamsat", "Đỗ Văn Sát", ["supervisor"]),
    ("quantri", "Bùi Thị Trị", ["administrator"]),
]


def seed_demo_users(ctx: "EngineContext") -> list[str]:
    """Create the demo users that do not exist yet; returns the names created."""
    with ctx.uow(write=False) as uow:
        existing = set(uow.session.scalars(select(User.username)))
    created = []
    shared_hash = None  # one hash for the shared, published demo password: seeding stays fast
    for username, display, roles in DEMO_USERS:
        if username not in existing:
            shared_hash = shared_hash or hash_password(DEMO_PASSWORD)
            # An address per demo user: new work, reminders and escalations are really mailed
            # (to .eml files under the data directory with the default MAIL_SINK=file).
            add_user(ctx, username, roles, actor="demo-seed", unit=DEMO_UNIT, display_name=display,
                     email=f"{username}@{DEMO_MAIL_DOMAIN}")
            set_password(ctx, username, DEMO_PASSWORD, actor="demo-seed", password_hash=shared_hash)
            created.append(username)
    seed_demo_agency(ctx)
    return created


# The demo commune as documents print it (a fictitious commune; a real deployment enters its own
# on the units page).
DEMO_AGENCY = {"full_name": "Ủy ban nhân dân xã An Phú", "short_name": "UBND",
               "parent_body": "Ủy ban nhân dân tỉnh An Giang", "place_name": "An Phú",
               "address": "Số 1 đường Trung tâm, xã An Phú, tỉnh An Giang",
               "phone": "0296 3800 000", "head_position": "Chủ tịch",
               "head_name": "Phạm Văn Trưởng"}


def seed_demo_agency(ctx: "EngineContext") -> None:
    """Name the demo unit and give it a profile, once (an existing profile is left alone)."""
    from engine.accounts.models import Unit
    from petitions.agencies.profiles import save_profile
    from petitions.persistence.models import AgencyProfile
    with ctx.uow() as uow:
        unit = uow.session.scalar(select(Unit).where(Unit.code == DEMO_UNIT))
        if unit is None or uow.session.get(AgencyProfile, unit.id) is not None:
            return
        unit.name = DEMO_AGENCY["full_name"]
        uow.commit()
    save_profile(ctx, DEMO_UNIT, DEMO_AGENCY, actor="demo-seed")


def seed_demo_cases(ctx: "EngineContext", data_dir: str | Path) -> dict:
    """The demo commune at work (petitions/demo_cases.py), once: ``{"cases": [...], "visits"}``,
    both empty when already seeded or when the register already holds letters."""
    from petitions.demo_cases import seed_cases
    officers = {}
    for username, _, roles in DEMO_USERS:
        for role in roles:
            officers.setdefault(role, username)
    return seed_cases(ctx, data_dir, officers=officers, unit=DEMO_UNIT)
