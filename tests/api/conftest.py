"""API fixtures: the web app (tests/web/conftest.py) and machine tokens of the demo commune."""
from __future__ import annotations

import base64

import pytest

from engine.accounts import api_clients
from petitions.demo import DEMO_UNIT
from tests.web.conftest import app, client, engine_ctx  # noqa: F401 (re-exported fixtures)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def token(app):  # noqa: F811
    """``token(name, *roles, unit=…)`` → the Authorization header of a new client."""
    def make(name: str, *roles: str, unit: str = DEMO_UNIT, expires_days: int | None = None):
        created = api_clients.create(app.extensions["petitions"], name, unit, roles,
                                     actor="test", expires_days=expires_days)
        return {"Authorization": f"Bearer {created['token']}"}
    return make


def letter(**overrides) -> dict:
    """A complaint as JSON, with one PDF."""
    body = {"received_on": "2026-11-20", "channel": "direct", "petition_type": "complaint",
            "field": "land_housing", "summary": "Khiếu nại quyết định thu hồi đất",
            "senders": [{"name": "Đặng Thị Hồng Nhung", "id_number": "038111222333",
                         "phone": "0977888999", "province_code": "1", "ward_code": "4",
                         "address_detail": "Số 42 đường Hoa Sữa", "is_representative": True}],
            "documents": [{"file_name": "don.pdf",
                           "content_base64": base64.b64encode(PDF).decode()}]}
    return {**body, **overrides}
