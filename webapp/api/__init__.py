"""The REST API, /api/v1 (issue 20): OpenAPI 3 at /api/v1/openapi.json, browsable at /api/v1/docs.

Resources are flask-smorest blueprints (one module each) whose marshmallow schemas generate the
document. Every resource route authenticates a machine token (``auth``), answers errors as
problem+json (``problems``), is rate-limited per token and exempt from the web's CSRF check
(a session cookie never authenticates here). ``bp`` serves the documentation viewer from npm's
swagger-ui-dist, like bpmn-js (webapp/vendor.py): no CDN.
"""
from __future__ import annotations

import http
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_from_directory
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from webapp.api import (auth, instances, petitions, problems, processes, register_export,
                        reports, tasks)
from webapp.errors import answer_under
from webapp.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates")

RESOURCES = [petitions.blp, tasks.blp, instances.blp, processes.blp, reports.blp,
             register_export.blp]
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
HERE = Path(__file__).resolve().parent
# The viewer's files: the bundle and stylesheet from npm, the start-up script from here (the
# pages' CSP forbids inline scripts).
ASSETS = {"swagger-ui-bundle.js": "swagger-ui-dist", "swagger-ui.css": "swagger-ui-dist",
          "swagger-start.js": None}



def _set_up(blueprint) -> None:
    """Once per process, before any app registers it (Flask refuses later changes)."""
    auth.protect(blueprint)
    problems.register(blueprint)
    csrf.exempt(blueprint)
    limiter.shared_limit(auth.rate_limit, scope="api", key_func=auth.rate_key)(blueprint)


for _blueprint in RESOURCES:
    _set_up(_blueprint)


@bp.get("/docs")
def docs():
    """The OpenAPI document in Swagger UI."""
    return render_template("api/docs.html")


@bp.get("/docs/assets/<filename>")
def asset(filename: str):
    if filename not in ASSETS:
        abort(404)
    package = ASSETS[filename]
    if package is None:
        return send_from_directory(HERE / "assets", filename, max_age=3600)
    root = Path(current_app.config.get("PETITIONS_NODE_MODULES", NODE_MODULES)) / package
    if not root.is_dir():
        abort(404)
    return send_from_directory(root, filename, max_age=86400)


class ProblemApi(Api):
    """flask-smorest's Api, except that errors stay the app's business: no app-wide error
    handler (the web's pages keep theirs), and error responses documented as problem+json."""

    ERROR_SCHEMA = problems.ProblemSchema

    def _register_error_handlers(self):
        pass  # problems.register installs them per API blueprint

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Lỗi (RFC 9457 problem+json)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_app(app) -> None:
    for key, value in {"API_TITLE": "API hệ thống xử lý đơn thư", "API_VERSION": "v1",
                       "OPENAPI_VERSION": "3.0.3", "OPENAPI_URL_PREFIX": "/api/v1",
                       "OPENAPI_JSON_PATH": "openapi.json"}.items():
        app.config.setdefault(key, value)
    api = ProblemApi(app, spec_kwargs={
        "info": {"description": "Xác thực: `Authorization: Bearer <token>` (tạo bằng "
                                "`petitions api token create`). Lỗi: application/problem+json."},
        "security": [{"bearerAuth": []}]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blueprint in RESOURCES:
        api.register_blueprint(blueprint)
    app.extensions["petitions_api"] = api
    answer_under(app, "/api/v1", problems.http_problem)
