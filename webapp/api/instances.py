"""/api/v1/instances: a case's status and event history, for supervisors and administrators.

The same read model and rules as the supervisors' history page: another unit's case does not
exist (404), an officer without the supervising role is refused (403), sealed identities are
masked in every event.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select

from engine.errors import Forbidden, NotFound
from engine.persistence.models import ProcessInstance
from petitions.supervision import history
from webapp.api.auth import api_actor
from webapp.api.schemas import InstanceOut, plain
from webapp.engine_access import engine_ctx

blp = Blueprint("api_instances", __name__, url_prefix="/api/v1/instances",
                description="Hồ sơ quy trình: trạng thái và lịch sử sự kiện (giám sát, quản trị).")
SUPERVISING = frozenset({"supervisor", "administrator"})


def check_supervising(instance_id: int | None = None) -> None:
    """The supervision pages' gate: 404 for another unit's case whatever the role, else 403."""
    actor = api_actor()
    if SUPERVISING & actor.roles:
        return
    if instance_id is not None:
        with engine_ctx().uow(write=False) as uow:
            row = uow.session.execute(select(ProcessInstance.unit_code)
                                      .where(ProcessInstance.id == instance_id)).first()
        if row is None or not actor.sees_unit(row.unit_code):
            raise NotFound(f"Không tìm thấy hồ sơ quy trình #{instance_id}")
    raise Forbidden(_("Bạn không có quyền thực hiện thao tác này."))


@blp.route("/<int(max=2147483647):instance_id>", methods=["GET"])
@blp.response(200, InstanceOut)
def get_instance(instance_id: int):
    """Trạng thái và toàn bộ sự kiện (đã che danh tính niêm phong) của một hồ sơ quy trình."""
    check_supervising(instance_id)
    data = history.history(engine_ctx(), instance_id, api_actor())
    return plain({k: data[k] for k in ("instance", "petition", "sealed", "verification",
                                       "events")})
