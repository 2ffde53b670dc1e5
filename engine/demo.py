"""Demo accounts for a first start: one user per role in a demo commune."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.models import User
from engine.users import add_user, hash_password, set_password

if TYPE_CHECKING:
    from engine.context import EngineContext

DEMO_UNIT = "ubnd-xa-demo"
# Demo accounts only (documented in the README); a real deployment sets its own passwords.
DEMO_PASSWORD = "demo-2026"
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
            add_user(ctx, username, roles, actor="demo-seed", unit=DEMO_UNIT, display_name=display)
            set_password(ctx, username, DEMO_PASSWORD, actor="demo-seed", password_hash=shared_hash)
            created.append(username)
    return created
