"""The /api/v1 resources (issue 20 §1, §3): the web's rules through a token, HTTP done right."""
from __future__ import annotations

import base64
from datetime import date

import pytest
from sqlalchemy import func, select

from engine.accounts import users
from engine.persistence.models import HumanTask
from petitions.persistence.models import Petition
from petitions.register import registration
from tests.api.conftest import letter

OTHER_UNIT = "ubnd-xa-khac"
FACTS = {"petition_type": "complaint", "in_vietnamese": True, "has_identity": True,
         "anonymous": False, "within_competence": True, "already_sent_to_competent": False,
         "already_guided": False, "already_transferred": False, "resolved_nothing_new": False,
         "crime_signs": False, "party_member": False, "concrete_content": True,
         "proposal_note": "Đề xuất thụ lý", "competent_body": ""}


def _count(app, model, *where) -> int:
    with app.extensions["petitions"].uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def _registered(app, token) -> tuple[object, dict]:
    client = app.test_client()
    created = client.post("/api/v1/petitions", json=letter(),
                          headers=token("cong-dvc", "reception_officer"))
    assert created.status_code == 201, created.get_json()
    return client, created.get_json()


def _classify_task(app, instance_id: int) -> int:
    with app.extensions["petitions"].uow(write=False) as uow:
        return uow.session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.bpmn_id == "Task_classify"))


def test_a_retried_post_with_the_same_key_registers_one_letter(app, token):
    client = app.test_client()
    desk = {**token("cong-dvc", "reception_officer"), "Idempotency-Key": "thu-lai-0123456789"}
    first = client.post("/api/v1/petitions", json=letter(), headers=desk)
    again = client.post("/api/v1/petitions", json=letter(), headers=desk)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert set(first.get_json()) == {"petition_id", "number", "tracking_code", "instance_id"}
    assert _count(app, Petition) == 1
    other = client.post("/api/v1/petitions", json=letter(),
                        headers={**desk, "Idempotency-Key": "thu-lai-khac-012345"})
    assert other.status_code == 201 and _count(app, Petition) == 2
    bad = client.post("/api/v1/petitions", json=letter(), headers={**desk, "Idempotency-Key": "x"})
    assert bad.status_code == 400 and _count(app, Petition) == 2


def test_registration_keeps_the_desks_rules(app, token):
    client = app.test_client()
    handler = token("xu-ly", "handling_officer")
    refused = client.post("/api/v1/petitions", json=letter(), headers=handler)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.get_json() == {"type": "urn:petitions:problem:forbidden",
                                  "title": "Không có quyền truy cập", "status": 403,
                                  "detail": "Chỉ cán bộ tiếp công dân mới vào sổ đơn được"}
    desk = token("cong-dvc", "reception_officer")
    fake = letter(documents=[{"file_name": "don.pdf",
                              "content_base64": base64.b64encode(b"MZ not a pdf").decode()}])
    wrong_file = client.post("/api/v1/petitions", json=fake, headers=desk)
    assert wrong_file.status_code == 400
    assert "nội dung không đúng định dạng" in wrong_file.get_json()["detail"]
    unknown = client.post("/api/v1/petitions", json=letter(petition_type="khac"), headers=desk)
    assert unknown.status_code == 422 and "petition_type" in unknown.get_json()["errors"]
    garbled = client.post("/api/v1/petitions", data="{không phải JSON",
                          headers={**desk, "Content-Type": "application/json"})
    assert garbled.status_code == 400 and garbled.mimetype == "application/problem+json"
    assert garbled.get_json()["detail"] == ("Yêu cầu không đọc được (JSON sai cú pháp?); chưa có "
                                            "gì được ghi.")
    assert _count(app, Petition) == 0


def test_completion_needs_a_fresh_etag_and_the_diagrams_form(app, token):
    client, created = _registered(app, token)
    handler = token("xu-ly", "handling_officer")
    task_id = _classify_task(app, created["instance_id"])
    read = client.get(f"/api/v1/tasks/{task_id}", headers=handler)
    assert read.status_code == 200 and read.get_json()["task"]["status"] == "ready"
    assert [f["name"] for f in read.get_json()["form"]["fields"]][:1] == ["petition_type"]
    stale_tag = read.headers["ETag"]
    url = f"/api/v1/tasks/{task_id}/complete"
    missing = client.post(url, json={"data": FACTS}, headers=handler)
    assert missing.status_code == 428
    assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=handler).get_json()[
        "assignee"] == "api:xu-ly"
    stale = client.post(url, json={"data": FACTS}, headers={**handler, "If-Match": stale_tag})
    assert stale.status_code == 412 and stale.get_json()["type"].endswith("precondition-failed")
    fresh_tag = client.get(f"/api/v1/tasks/{task_id}", headers=handler).headers["ETag"]
    assert fresh_tag != stale_tag and stale.headers["ETag"] == fresh_tag
    invalid = client.post(url, json={"data": {**FACTS, "petition_type": "khong-co"}},
                          headers={**handler, "If-Match": fresh_tag})
    assert invalid.status_code == 422 and "petition_type" in invalid.get_json()["errors"]
    assert _count(app, HumanTask, HumanTask.id == task_id, HumanTask.status == "ready") == 1
    done = client.post(url, json={"data": FACTS}, headers={**handler, "If-Match": fresh_tag})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["task"]["status"] == "completed"
    assert done.get_json()["task"]["completed_by"] == "api:xu-ly"
    again = client.post(url, json={"data": FACTS}, headers={**handler, "If-Match": fresh_tag})
    assert again.status_code == 412


def test_drafts_claim_and_unclaim(app, token):
    client, created = _registered(app, token)
    handler = token("xu-ly", "handling_officer")
    task_id = _classify_task(app, created["instance_id"])
    empty = client.get(f"/api/v1/tasks/{task_id}/draft", headers=handler)
    assert empty.get_json() == {"data": None, "saved_at": None}
    saved = client.post(f"/api/v1/tasks/{task_id}/draft", json={"data": {"proposal_note": "Nháp"}},
                       headers=handler)
    assert saved.status_code == 200 and saved.get_json()["data"] == {"proposal_note": "Nháp"}
    queue = client.get("/api/v1/tasks?view=queue", headers=handler).get_json()["items"]
    assert [t["id"] for t in queue] == [task_id]
    client.post(f"/api/v1/tasks/{task_id}/claim", headers=handler)
    assert [t["id"] for t in client.get("/api/v1/tasks", headers=handler).get_json()["items"]] \
        == [task_id]
    client.post(f"/api/v1/tasks/{task_id}/unclaim", headers=handler)
    assert client.get("/api/v1/tasks", headers=handler).get_json()["items"] == []
    unit_view = client.get("/api/v1/tasks?view=unit", headers=handler)
    assert unit_view.status_code == 403  # heads of unit and administrators only, as on the web


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_another_units_token_finds_nothing(app, token):
    client, created = _registered(app, token)
    users.add_user(app.extensions["petitions"], "khac", ["handling_officer"], actor="test",
                   unit=OTHER_UNIT)
    task_id = _classify_task(app, created["instance_id"])
    for role in ("handling_officer", "supervisor", "administrator"):
        other = token(f"khac-{role}".replace("_", "-"), role, unit=OTHER_UNIT)
        for url in (f"/api/v1/petitions/{created['petition_id']}", f"/api/v1/tasks/{task_id}",
                    f"/api/v1/instances/{created['instance_id']}",
                    f"/api/v1/tasks/{task_id}/draft"):
            answer = client.get(url, headers=other)
            assert answer.status_code == 404, (role, url, answer.get_json())
        assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=other).status_code == 404
        assert client.get("/api/v1/petitions", headers=other).get_json()["items"] == []


def test_role_gates_are_the_webs(app, token):
    client, created = _registered(app, token)
    handler = token("xu-ly", "handling_officer")
    supervisor = token("giam-sat", "supervisor")
    admin = token("quan-tri", "administrator")
    for url in ("/api/v1/processes", "/api/v1/processes/petition_intake/versions"):
        assert client.get(url, headers=supervisor).status_code == 403
        assert client.get(url, headers=admin).status_code == 200
    for url in ("/api/v1/petitions/search", "/api/v1/reports",
                f"/api/v1/instances/{created['instance_id']}"):
        assert client.get(url, headers=handler).status_code == 403
        assert client.get(url, headers=supervisor).status_code == 200
    history = client.get(f"/api/v1/instances/{created['instance_id']}", headers=supervisor)
    assert history.get_json()["instance"]["process_key"] == "petition_intake"
    assert history.get_json()["events"][0]["actor"] == "api:cong-dvc"
    report = client.get("/api/v1/reports?kind=year&year=2026", headers=supervisor).get_json()
    assert report["period"]["label"] == "Năm 2026" and report["figures"]["letters_total"]["total"] == 1
    found = client.get("/api/v1/petitions/search?q=" + created["number"], headers=supervisor)
    assert [r["id"] for r in found.get_json()["items"]] == [created["petition_id"]]
    assert client.get("/api/v1/processes/khong-co/versions", headers=admin).status_code == 404


def test_deploy_for_administrators(app, token):
    from tests.support import FIXTURES
    paths = [FIXTURES / "bpmn" / "petition_intake.bpmn", FIXTURES / "bpmn" / "classify_petition.dmn"]
    body = {"files": [{"file_name": path.name,
                       "content_base64": base64.b64encode(path.read_bytes()).decode()}
                      for path in paths]}
    client = app.test_client()
    assert client.post("/api/v1/processes", json=body,
                       headers=token("giam-sat", "supervisor")).status_code == 403
    deployed = client.post("/api/v1/processes", json=body, headers=token("qt", "administrator"))
    assert deployed.status_code == 201, deployed.get_json()
    assert [d["new"] for d in deployed.get_json()] == [True]
    broken = {"files": [{"file_name": "x.bpmn",
                         "content_base64": base64.b64encode(b"<definitions").decode()}]}
    refused = client.post("/api/v1/processes", json=broken, headers=token("qt2", "administrator"))
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cursor_pagination_follows_next_links(app, token):
    ctx = app.extensions["petitions"]
    desk = users.actor_for(ctx, "tiepdan")
    for n in range(51):
        registration.register(ctx, desk, registration.Registration(
            received_on=date(2026, 11, 20), channel="direct", petition_type="feedback",
            field="land_housing", summary=f"Phản ánh số {n}", anonymous=True))
    client = app.test_client()
    reader = token("doc", "handling_officer")
    first = client.get("/api/v1/petitions?type=feedback", headers=reader)
    body = first.get_json()
    assert len(body["items"]) == 50 and body["total"] == 51
    assert first.headers["Link"] == f'<{body["next"]}>; rel="next"'
    assert "type=feedback" in body["next"] and "cursor=" in body["next"]
    second = client.get(body["next"], headers=reader).get_json()
    assert len(second["items"]) == 1 and second["next"] is None
    seen = {r["id"] for r in body["items"]} | {r["id"] for r in second["items"]}
    assert len(seen) == 51
    bad = client.get("/api/v1/petitions?cursor=!!!", headers=reader)
    assert bad.status_code == 400 and "cursor" in bad.get_json()["detail"]


def test_unknown_paths_and_methods_answer_problem_json(app, token):
    """No route matched: Flask asks the app's handler, not the blueprint's; still RFC 9457."""
    client = app.test_client()
    headers = token("cong-dvc", "reception_officer")
    for method, url, status in (("GET", "/api/v1/khong-co", 404), ("GET", "/api/v1", 404),
                                ("DELETE", "/api/v1/petitions", 405)):
        answer = client.open(url, method=method, headers=headers)
        assert answer.status_code == status, (method, url)
        assert answer.mimetype == "application/problem+json", (method, url)
        body = answer.get_json()
        assert body["status"] == status and body["type"].startswith("urn:petitions:problem:")
        assert body["detail"] and "Traceback" not in answer.get_data(as_text=True)
    # The web's pages keep their own error page.
    page = client.get("/khong-co-trang-nay")
    assert page.status_code == 404 and page.mimetype == "text/html"
