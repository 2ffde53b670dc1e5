"""The public checkpoint page (no login, no personal data) and the supervisors' audit alert."""
from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import update

from engine.audit.checkpoints import canonical, make_checkpoint
from engine.audit.verification import record, verify_all
from engine.definitions import deployment
from engine.persistence.models import AuditEvent
from engine.running import instances
from tests.support import FIXTURES


def _settings(app):
    return app.config["PETITIONS_SETTINGS"]


def test_page_before_any_checkpoint(client):
    page = client.get("/audit/checkpoint")
    assert page.status_code == 200
    assert "Chưa có điểm mốc nào được ký." in page.get_data(as_text=True)
    missing = client.get("/audit/checkpoint.json")
    assert missing.status_code == 404
    assert missing.get_json()["message"] == "Chưa có điểm mốc nhật ký nào được ký."


def test_latest_checkpoint_is_public_signed_and_free_of_personal_data(app, client, engine_ctx):
    review = FIXTURES / "engine" / "review_loop.bpmn"
    deployment.deploy(engine_ctx, {review.name: review.read_bytes()}, actor="quantri")
    instances.start(engine_ctx, "review_loop", actor="xuly", business_key="Nguyễn Văn Bí Mật")
    made = make_checkpoint(engine_ctx, _settings(app))
    html = client.get("/audit/checkpoint").get_data(as_text=True)
    assert f"<td>{made['number']}</td>" in html and made["root"] in html
    response = client.get("/audit/checkpoint.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["number"] == made["number"]
    body = {k: v for k, v in document.items() if k != "signature"}
    Ed25519PublicKey.from_public_bytes(base64.b64decode(document["public_key"])).verify(
        base64.b64decode(document["signature"]), canonical(body))
    shown = json.dumps(document, ensure_ascii=False) + html
    assert "Bí Mật" not in shown and "xuly" not in shown
    assert {c for c, _s, _h in document["changes"]} == {"deployments", "users", "instance:1"}


def test_dashboard_alert_box(app, client, login, engine_ctx, clock):
    settings = _settings(app)
    login("giamsat")
    page = client.get("/supervision/").get_data(as_text=True)
    assert 'id="audit-alert"' in page and "Chưa có điểm mốc nhật ký nào được ký" in page
    make_checkpoint(engine_ctx, settings)
    record(settings, verify_all(engine_ctx, settings), clock.now())
    assert 'id="audit-alert"' not in client.get("/supervision/").get_data(as_text=True)
    with engine_ctx.uow() as uow:
        uow.session.execute(update(AuditEvent).where(AuditEvent.chain == "users",
                                                     AuditEvent.seq == 1).values(actor="x"))
        uow.commit()
    record(settings, verify_all(engine_ctx, settings), clock.now())
    page = client.get("/supervision/").get_data(as_text=True)
    assert 'id="audit-alert"' in page and "phát hiện 1 chỗ sai lệch" in page
    assert "users — sự kiện số 1" in page
