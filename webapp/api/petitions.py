"""/api/v1/petitions: register a letter, read its file, list and search, download a document.

The same domain calls as the web's reception desk, petition pages and supervisors' search, with
the token's actor: the same unit checks (another unit's letter: 404) and the same identity
rules (a sealed sender is masked for an actor without the identity right, in every field).
"""
from __future__ import annotations

import base64
import binascii

from flask import current_app, send_file
from flask_babel import gettext as _
from flask_smorest import Blueprint

from engine.errors import Forbidden, InvalidInput, NotFound
from petitions.register import petition_file, registration
from petitions.register.documents import store_for
from petitions.supervision import search
from webapp.api import paging
from webapp.api.auth import api_actor
from webapp.api.idempotent import idempotent
from webapp.api.schemas import (PetitionFile, PetitionListArgs, PetitionSearchArgs, Registered,
                                RegistrationIn, SearchPage, plain)
from webapp.engine_access import engine_ctx

blp = Blueprint("api_petitions", __name__, url_prefix="/api/v1/petitions",
                description="Đơn thư: vào sổ, hồ sơ, danh sách, tìm kiếm, tài liệu.")
IDEMPOTENCY = {"in": "header", "name": "Idempotency-Key", "required": False,
               "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"},
               "description": "Gửi lại cùng khóa: đơn chỉ được vào sổ một lần."}
SEARCH_ROLES = ("supervisor", "administrator")


def decoded(uploads: list[dict]) -> list[tuple[str, bytes]]:
    """The uploaded files' names and bytes; the store checks them (petitions.register.documents)."""
    files = []
    for upload in uploads:
        try:
            content = base64.b64decode(upload["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(_("Tệp “%(name)s”: nội dung base64 không hợp lệ.",
                                 name=upload["file_name"])) from None
        files.append((upload["file_name"], content))
    return files


def document_store():
    return store_for(current_app.config["PETITIONS_SETTINGS"].data_dir)


@blp.route("", methods=["POST"])
@blp.doc(parameters=[IDEMPOTENCY])
@idempotent
@blp.arguments(RegistrationIn)
@blp.response(201, Registered)
def register(args: dict):
    """Vào sổ một đơn (như bàn tiếp nhận) và bắt đầu quy trình tiếp nhận.

    Chỉ token có vai trò cán bộ tiếp công dân (hoặc quản trị). Mã PIN tra cứu không trả về ở
    đây: công dân nhận PIN từ phiếu tiếp nhận.
    """
    store = document_store()
    files = decoded(args.pop("documents"))
    store.check_all([(name, content, None) for name, content in files])
    senders = [registration.Sender(**s) for s in args.pop("senders")]
    reg = registration.Registration(**args, senders=senders)
    stored = store.put_all([(name, content, None) for name, content in files])
    try:
        result = registration.register(engine_ctx(), api_actor(), reg, stored)
    except Exception:
        store.delete_all([d.stored_name for d in stored])  # nothing registered: no orphan file
        raise
    return {k: result[k] for k in ("petition_id", "number", "tracking_code", "instance_id")}


@blp.route("", methods=["GET"])
@blp.arguments(PetitionListArgs, location="query")
@blp.response(200, SearchPage)
def list_petitions(args: dict):
    """Đơn của đơn vị, mới nhất trước (bộ lọc như trang Đơn thư)."""
    page = paging.decode(args["cursor"])
    result = petition_file.list_petitions(engine_ctx(), api_actor(), query=args["q"],
                                          petition_type=args["type"], field=args["field"],
                                          status=args["status"], page=page)
    has_next = result["page"] == page and page < result["pages"]
    body, headers = paging.page_of(plain(result["rows"]), page=page, has_next=has_next,
                                   total=result["total"], capped=False)
    return body, 200, headers


@blp.route("/search", methods=["GET"])
@blp.arguments(PetitionSearchArgs, location="query")
@blp.response(200, SearchPage)
def search_petitions(args: dict):
    """Tìm kiếm của cán bộ giám sát (cùng bộ lọc như trang Tìm kiếm); giám sát, quản trị."""
    actor = api_actor()
    if not (set(SEARCH_ROLES) & actor.roles):
        raise Forbidden(_("Bạn không có quyền thực hiện thao tác này."))
    page = paging.decode(args["cursor"])
    filters = search.SearchFilters(
        q=args["q"], petition_type=args["type"], field=args["field"], unit_code=args["unit"],
        status=args["status"], assignee=args["assignee"], received_from=args["received_from"],
        received_to=args["received_to"], active_from=args["active_from"],
        active_to=args["active_to"], overdue=args["overdue"], page=page)
    result = search.search(engine_ctx(), filters, actor)
    body, headers = paging.page_of(plain(result["rows"]), page=page, has_next=result["has_next"],
                                   total=result["total"], capped=result["capped"])
    return body, 200, headers


@blp.route("/<int(max=2147483647):petition_id>", methods=["GET"])
@blp.response(200, PetitionFile)
def get_petition(petition_id: int):
    """Hồ sơ một đơn, như trang hồ sơ hiện cho cùng vai trò (danh tính niêm phong bị che)."""
    file = petition_file.petition_file(engine_ctx(), petition_id, api_actor())
    return plain({k: file[k] for k in PetitionFile().fields})


@blp.route("/<int(max=2147483647):petition_id>/documents/<int(max=2147483647):doc_id>",
           methods=["GET"])
@blp.response(200, {"format": "binary", "type": "string"},
              content_type="application/octet-stream")
def download_document(petition_id: int, doc_id: int):
    """Tải một tài liệu của đơn (đơn tố cáo: chỉ vai trò được xem danh tính; mỗi lần tải được
    ghi nhật ký)."""
    meta = petition_file.document(engine_ctx(), petition_id, doc_id, api_actor())
    try:
        path = document_store().path(meta["stored_name"])
    except InvalidInput:
        path = None
    if path is None or not path.is_file():
        raise NotFound(_("Tài liệu không còn trên máy chủ."))
    response = send_file(path, mimetype=meta["content_type"], as_attachment=True,
                         download_name=meta["file_name"], conditional=False, etag=False)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
