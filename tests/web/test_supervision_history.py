"""An instance's history page: as of a date and time (Vietnam time), and events told as sentences
(the migration to another process version with the administrator's reason) (issue 15)."""
from __future__ import annotations

from sqlalchemy import select

from engine.persistence.models import AuditEvent
from engine.running import instances, migration
from engine.work import human_tasks
from petitions.labels import EVENT_LABELS
from tests.web.test_admin import deploy_mig
from tests.web.test_supervision import OFFICER, desk, page_text  # noqa: F401  (fixture)


def _as_of_section(html: str) -> str:
    return html[html.index('id="as-of"'):html.index('id="events"')]


def test_state_as_of_a_vietnam_date_and_time(client, login, desk, engine_ctx, clock):
    desk.at("2026-11-20", hour=9)                       # 09:00 Vietnam = 02:00 UTC
    case = desk.register("2026-11-20", summary="Khiếu nại quyết định thu hồi đất")
    instance_id = case["instance_id"]
    desk.at("2026-11-20", hour=15)                      # 15:00 Vietnam = 08:00 UTC
    human_tasks.claim(engine_ctx, desk.task_id(instance_id, "Task_classify"), OFFICER)
    with engine_ctx.uow(write=False) as uow:
        events = list(uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)))
    claimed = next(e.seq for e in events if e.event_type == "task_claimed")
    before_claim = max(e.seq for e in events if e.seq < claimed)
    login("giamsat")
    url = f"/supervision/instances/{instance_id}"
    # 14:59 Vietnam time: registered, not yet claimed (the claim was at 15:00 Vietnam time;
    # read as UTC, 14:59 would wrongly include it).
    at_1459 = _as_of_section(page_text(client.get(f"{url}?as_of_at=2026-11-20T14:59")))
    assert f"Trạng thái tại sự kiện số {before_claim}" in at_1459
    assert f"sự kiện cuối cùng trước thời điểm này là số {before_claim}" in at_1459
    assert "Trần Văn Xử" not in at_1459
    at_1500 = _as_of_section(page_text(client.get(f"{url}?as_of_at=2026-11-20T15:00")))
    assert f"sự kiện cuối cùng trước thời điểm này là số {claimed}" in at_1500
    assert "Trần Văn Xử" in at_1500                   # the claim is the last event: the present
    early = _as_of_section(page_text(client.get(f"{url}?as_of_at=2026-11-20T08:59")))
    assert "hồ sơ chưa được khởi tạo" in early
    assert 'type="datetime-local" id="as_of_at"' in page_text(client.get(url))
    assert client.get(f"{url}?as_of_at=20/11/2026").status_code == 400
    assert client.get(f"{url}?as_of_at=1800-01-01T00:00").status_code == 400


def test_migration_event_reads_as_a_sentence_with_versions_and_reason(client, login, engine_ctx):
    deploy_mig(engine_ctx)
    instance_id = instances.start(engine_ctx, "mig", actor="tiepdan", version=1,
                                  business_key="HS-1")["instance_id"]
    [result] = migration.migrate(engine_ctx, [instance_id], 2, "quantri",
                                 "Bổ sung bước N theo Nghị định mới")
    assert result["ok"], result
    login("quantri")
    html = page_text(client.get(f"/supervision/instances/{instance_id}"))
    log = html[html.index('id="event-log"'):]
    assert "Chuyển hồ sơ sang phiên bản quy trình mới" in log
    assert ("Quản trị viên chuyển hồ sơ từ phiên bản 1 sang phiên bản 2 của quy trình; "
            "lý do: Bổ sung bước N theo Nghị định mới") in log
    assert "instance_migrated" not in log.replace('value="instance_migrated"', "")


def test_every_instance_event_the_system_writes_has_a_label():
    written = {"instance_started", "task_state", "task_completed_by_user", "task_claimed",
               "task_unclaimed", "task_assigned", "timer_fired", "reminder_sent", "task_overdue",
               "instance_suspended", "instance_resumed", "instance_terminated", "instance_retried",
               "instance_error", "instance_migrated", "message_received", "petition_registered",
               "identity_unsealed", "identity_granted", "identity_grant_revoked",
               "sealed_document_opened"}
    assert written - set(EVENT_LABELS) == set()
