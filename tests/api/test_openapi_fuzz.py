"""The OpenAPI document (issue 20 §1, §8): valid OpenAPI 3, and Schemathesis, run in-process
against the app with a token of every role, finds no 5xx and no response outside the schema."""
from __future__ import annotations

import pytest
import schemathesis
from sqlalchemy import select
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from engine.persistence.models import AuditEvent
from tests.api.conftest import letter

ROLES = ("reception_officer", "handling_officer", "head_of_unit", "supervisor", "administrator")


def test_the_document_is_valid_openapi_and_lists_every_resource(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v1/petitions", "/api/v1/petitions/search", "/api/v1/petitions/{petition_id}",
        "/api/v1/petitions/{petition_id}/documents/{doc_id}", "/api/v1/tasks",
        "/api/v1/tasks/{task_id}", "/api/v1/tasks/{task_id}/claim",
        "/api/v1/tasks/{task_id}/unclaim", "/api/v1/tasks/{task_id}/complete",
        "/api/v1/tasks/{task_id}/draft", "/api/v1/instances/{instance_id}", "/api/v1/processes",
        "/api/v1/processes/{key}/versions", "/api/v1/reports", "/api/v1/register/export"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = document["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(error) == ["application/problem+json"]


def test_the_docs_page_serves_swagger_ui_from_npm(app):
    client = app.test_client()
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-start.js"):
        response = client.get(f"/api/v1/docs/assets/{name}")
        assert response.status_code == 200 and response.get_data()
        response.close()  # a sent file stays open until closed
    assert client.get("/api/v1/docs/assets/package.json").status_code == 404


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_schemathesis_finds_no_server_error_and_no_response_outside_the_schema(app, token):
    headers = token("fuzz", *ROLES)
    assert app.test_client().post("/api/v1/petitions", json=letter(),
                                  headers=headers).status_code == 201
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 18
    for operation in operations:
        @settings(max_examples=10, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers=headers,
                                   checks=[not_a_server_error, response_schema_conformance])
        try:
            run()
        except Exception as err:  # collect every operation's failure, not only the first
            failures.append(f"{operation.label}: {str(err)[:1500]}")
    assert not failures, "\n\n".join(failures)
    with app.extensions["petitions"].uow(write=False) as uow:  # the cases did reach the app
        calls = uow.session.scalars(select(AuditEvent.payload).where(
            AuditEvent.event_type == "api_request")).all()
    assert len({c["endpoint"] for c in calls}) == 18 and len(calls) > 100
