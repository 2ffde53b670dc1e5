"""/api/v1/tasks: my tasks, the unit's queue, claim, unclaim, complete, drafts.

Completion is validated by the engine against the form the diagram declares (a refusal: 422
with the field → message map). ``GET /tasks/{id}`` gives the task's ``ETag`` (its status and
assignee, the web's page version); ``POST …/complete`` needs it back in ``If-Match``: a stale
client gets 412 and nothing changes, a client that sends none gets 428.
"""
from __future__ import annotations

import hashlib

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from engine.errors import Forbidden
from engine.work import human_tasks
from petitions.documents import step_files
from petitions.tasks import inbox, task_page
from webapp.api import paging
from webapp.api.auth import api_actor
from webapp.api.petitions import decoded, document_store
from webapp.api.problems import problem
from webapp.api.schemas import (Completed, CompletionIn, DraftIn, DraftOut, Page, TaskBrief,
                                TaskListArgs, TaskOut, plain)
from webapp.engine_access import engine_ctx

blp = Blueprint("api_tasks", __name__, url_prefix="/api/v1/tasks",
                description="Công việc: của tôi, hàng chờ của đơn vị, nhận, trả, hoàn thành, nháp.")
TASK_ID = "<int(max=2147483647):task_id>"
IF_MATCH = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
            "description": "ETag của công việc (từ GET /tasks/{task_id})."}


def etag(brief: dict) -> str:
    """Quoted, as RFC 9110 wants; a hash so the assignee's name is not spelled in a header."""
    return '"' + hashlib.sha256(brief["version"].encode()).hexdigest()[:32] + '"'


def _visible(task_id: int) -> dict:
    """The task as the web's task page checks it: another unit's: 404; not the actor's: 403."""
    ctx, actor = engine_ctx(), api_actor()
    brief = task_page.task_brief(ctx, task_id, actor)
    if not task_page.access(ctx, task_id, actor)["view"]:
        raise Forbidden(f"Công việc #{task_id} không thuộc vai trò hoặc đơn vị của bạn")
    return brief


@blp.route("", methods=["GET"])
@blp.arguments(TaskListArgs, location="query")
@blp.response(200, Page)
def list_tasks(args: dict):
    """Một danh sách công việc: mine (của tôi), queue (hàng chờ vai trò), due_soon, overdue,
    done, unit (cả đơn vị: thủ trưởng, quản trị)."""
    actor = api_actor()
    if args["view"] not in inbox.available_views(actor):
        raise Forbidden(_("Bạn không có quyền thực hiện thao tác này."))
    page = paging.decode(args["cursor"])
    result = inbox.list_view(engine_ctx(), actor, args["view"], page=page)
    has_next = result["page"] == page and page < result["pages"]
    body, headers = paging.page_of(plain(result["rows"]), page=page, has_next=has_next)
    return body, 200, headers


@blp.route(f"/{TASK_ID}", methods=["GET"])
@blp.response(200, TaskOut, headers={"ETag": {"schema": {"type": "string"}}})
def get_task(task_id: int):
    """Một công việc, quyền của token với nó và biểu mẫu mà sơ đồ khai báo; kèm ETag."""
    brief = _visible(task_id)
    ctx = engine_ctx()
    body = plain({"task": brief, "access": task_page.access(ctx, task_id, api_actor()),
                  "form": task_page.task_form(ctx, task_id)})
    return body, 200, {"ETag": etag(brief)}


@blp.route(f"/{TASK_ID}/claim", methods=["POST"])
@blp.response(200, TaskBrief)
def claim(task_id: int):
    """Nhận công việc từ hàng chờ."""
    return human_tasks.claim(engine_ctx(), task_id, api_actor())


@blp.route(f"/{TASK_ID}/unclaim", methods=["POST"])
@blp.response(200, TaskBrief)
def unclaim(task_id: int):
    """Trả công việc về hàng chờ."""
    return human_tasks.unclaim(engine_ctx(), task_id, api_actor())


@blp.route(f"/{TASK_ID}/complete", methods=["POST"])
@blp.doc(parameters=[IF_MATCH])
@blp.arguments(CompletionIn)
@blp.response(200, Completed)
def complete(args: dict, task_id: int):
    """Hoàn thành công việc với dữ liệu biểu mẫu (kiểm tra theo biểu mẫu của sơ đồ) và tệp
    đính kèm; cần If-Match."""
    brief = _visible(task_id)
    wanted = request.headers.get("If-Match")
    if not wanted:
        return problem(428, _("Cần tiêu đề If-Match với ETag của công việc (lấy từ GET "
                              "/api/v1/tasks/%(id)s); chưa có gì được ghi.", id=task_id),
                       kind="precondition-required")
    if wanted.strip() != "*" and etag(brief) not in [t.strip() for t in wanted.split(",")]:
        return problem(412, _("Công việc #%(id)s đã thay đổi (đã hoàn thành, bị hủy hoặc giao "
                              "cho người khác) từ khi bạn đọc; chưa có gì được ghi.", id=task_id),
                       kind="precondition-failed", headers={"ETag": etag(brief)})
    extra = decoded(args["attachments"])
    result = step_files.complete_with_files(engine_ctx(), document_store(), task_id, api_actor(),
                                            args["data"], extra=extra)
    task = task_page.task_brief(engine_ctx(), task_id, api_actor())
    return plain({"task": task, "instance_id": result["instance_id"],
                  "documents": result["documents"]})


@blp.route(f"/{TASK_ID}/draft", methods=["GET"])
@blp.response(200, DraftOut)
def get_draft(task_id: int):
    """Bản nháp của token cho công việc này (data null nếu chưa có)."""
    _visible(task_id)
    draft = human_tasks.get_draft(engine_ctx(), task_id, api_actor().username)
    return draft or {"data": None, "saved_at": None}


@blp.route(f"/{TASK_ID}/draft", methods=["POST"])
@blp.arguments(DraftIn)
@blp.response(200, DraftOut)
def save_draft(args: dict, task_id: int):
    """Lưu nháp (không kiểm tra biểu mẫu: chưa phải hoàn thành)."""
    human_tasks.save_draft(engine_ctx(), task_id, api_actor(), args["data"])
    return human_tasks.get_draft(engine_ctx(), task_id, api_actor().username)
