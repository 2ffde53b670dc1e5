"""/api/v1/processes: deployed processes and their versions; deploying, for administrators.

As on the web (/admin/processes), only administrators see or change the process catalogue.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint

from engine.definitions import deployment
from engine.errors import Forbidden, NotFound
from webapp.api.auth import api_actor
from webapp.api.petitions import decoded
from webapp.api.schemas import Deployed, DeployIn, ProcessOut, plain
from webapp.engine_access import engine_ctx

blp = Blueprint("api_processes", __name__, url_prefix="/api/v1/processes",
                description="Quy trình: danh sách, phiên bản, triển khai (quản trị).")


def _administrators_only() -> None:
    if not api_actor().is_admin:
        raise Forbidden(_("Bạn không có quyền thực hiện thao tác này."))


@blp.route("", methods=["GET"])
@blp.response(200, ProcessOut(many=True))
def list_processes():
    """Mọi phiên bản đã triển khai của mọi quy trình."""
    _administrators_only()
    return plain(deployment.list_definitions(engine_ctx()))


@blp.route("/<string(maxlength=200):key>/versions", methods=["GET"])
@blp.response(200, ProcessOut(many=True))
def versions(key: str):
    """Các phiên bản của một quy trình, cũ trước."""
    _administrators_only()
    rows = [r for r in deployment.list_definitions(engine_ctx()) if r["key"] == key]
    if not rows:
        raise NotFound(f"Không tìm thấy quy trình '{key}'")
    return plain(sorted(rows, key=lambda r: r["version"]))


@blp.route("", methods=["POST"])
@blp.arguments(DeployIn)
@blp.response(201, Deployed(many=True))
def deploy(args: dict):
    """Triển khai tệp BPMN/DMN (base64) thành phiên bản mới; tệp không đổi: không tạo bản mới."""
    _administrators_only()
    files = dict(decoded(args["files"]))
    return plain(deployment.deploy(engine_ctx(), files, actor=api_actor().username,
                                   tag=args["tag"]))
