"""Role codes used by lanes (``petitions:role``) and by user accounts, with Vietnamese labels."""
from __future__ import annotations

ROLES: dict[str, str] = {
    "reception_officer": "Cán bộ tiếp công dân",
    "handling_officer": "Cán bộ xử lý đơn",
    "head_of_unit": "Thủ trưởng đơn vị",
    "verification_team": "Tổ xác minh",
    "publication_officer": "Cán bộ công khai",
    "supervisor": "Cán bộ giám sát",
    "administrator": "Quản trị hệ thống",
}
