"""The role codes the kernel itself gives a meaning to; an application adds its own (``ctx.roles``)."""
from __future__ import annotations

ADMINISTRATOR = "administrator"  # passes role checks; sees only their unit's cases
HEAD_OF_UNIT = "head_of_unit"    # assigns tasks; acting heads hold it for a delegated period
SUPERVISOR = "supervisor"        # oversees the units below their own

KERNEL_ROLES: dict[str, str] = {
    HEAD_OF_UNIT: "Thủ trưởng đơn vị",
    SUPERVISOR: "Cán bộ giám sát",
    ADMINISTRATOR: "Quản trị hệ thống",
}
