"""The notifications page: the user's own notifications, unread first, marked read one by one."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select

from engine.accounts.models import User
from engine.accounts.users import actor_for
from engine.persistence.models import HumanTask
from engine.work import deadlines, human_tasks
from petitions.demo import DEMO_PASSWORD
from petitions.notifications.service import notify
from petitions.persistence.models import Notification
from petitions.register import registration
from petitions.register.registration import Registration, Sender
from tests.web.conftest import csrf


def _client_for(app, username: str):
    client = app.test_client()
    page = client.get("/login")
    assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                       "csrf_token": csrf(page)}).status_code == 302
    return client


def _petition(engine_ctx) -> dict:
    return registration.register(engine_ctx, actor_for(engine_ctx, "tiepdan"), Registration(
        received_on=date(2026, 11, 20), channel="post", petition_type="recommendation",
        field="other", summary="Kiến nghị sửa đường liên thôn", senders=[Sender(name="Lê Văn Bình")]))


def _notify(engine_ctx, username: str, title: str, *, instance_id=None, task_id=None) -> int:
    with engine_ctx.uow() as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).one()
        notify(uow.session, [user], kind="reminder", title=title, body=f"Nội dung: {title}",
               now=engine_ctx.clock.now(), instance_id=instance_id, task_id=task_id)
        uow.commit()
    with engine_ctx.uow(write=False) as uow:
        return uow.session.scalar(select(Notification.id).where(Notification.title == title))


def test_list_unread_first_with_links_and_mark_read(app, engine_ctx, clock):
    petition = _petition(engine_ctx)
    with engine_ctx.uow() as uow:  # the step's opening told xuly ("Việc mới"); this is the page
        uow.session.execute(delete(Notification))
        uow.commit()
    task = human_tasks.list_tasks(engine_ctx, instance_id=petition["instance_id"])[0]
    first = _notify(engine_ctx, "xuly", "Nhắc hạn: phân loại đơn", instance_id=petition["instance_id"],
                    task_id=task["id"])
    clock.advance(minutes=5)
    second = _notify(engine_ctx, "xuly", "Thông báo thứ hai")
    _notify(engine_ctx, "xuly2", "Của người khác")
    client = _client_for(app, "xuly")
    page = client.get("/notifications/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Nhắc hạn: phân loại đơn" in text and "Thông báo thứ hai" in text
    assert "Của người khác" not in text
    assert "2 thông báo chưa đọc" in text
    assert f'/petitions/{petition["petition_id"]}"' in text and petition["number"] in text
    assert text.count('class="unread"') == 2 and text.count("Đánh dấu đã đọc") >= 2
    assert text.index("Thông báo thứ hai") < text.index("Nhắc hạn: phân loại đơn")  # newest first

    response = client.post(f"/notifications/{second}/read", data={"csrf_token": csrf(page)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/notifications/")
    after = client.get("/notifications/").get_data(as_text=True)
    assert "Đã đánh dấu đã đọc." in after and "1 thông báo chưa đọc" in after
    assert after.count('class="unread"') == 1
    assert after.index("Nhắc hạn: phân loại đơn") < after.index("Thông báo thứ hai")  # unread first
    with engine_ctx.uow(write=False) as uow:
        read = dict(uow.session.execute(select(Notification.id, Notification.read_at)
                                        .where(Notification.id.in_([first, second]))).all())
    assert read[first] is None and read[second] is not None


def test_mark_read_needs_csrf_and_only_touches_own_notifications(app, engine_ctx):
    own = _notify(engine_ctx, "xuly", "Của tôi")
    other = _notify(engine_ctx, "xuly2", "Không phải của tôi")
    client = _client_for(app, "xuly")
    page = client.get("/notifications/")
    assert client.post(f"/notifications/{own}/read").status_code == 400
    assert client.post(f"/notifications/{other}/read",
                       data={"csrf_token": csrf(page)}).status_code == 404
    assert client.post("/notifications/99999/read", data={"csrf_token": csrf(page)}).status_code == 404
    with engine_ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(Notification.read_at).where(Notification.id == own)) is None
        assert uow.session.scalar(select(Notification.read_at).where(Notification.id == other)) is None
    assert app.test_client().get("/notifications/").status_code == 302


def test_overdue_step_notifies_and_shows_on_the_file(app, engine_ctx, clock):
    petition = _petition(engine_ctx)
    task = human_tasks.list_tasks(engine_ctx, instance_id=petition["instance_id"])[0]
    human_tasks.claim(engine_ctx, task["id"], actor_for(engine_ctx, "xuly"))
    with engine_ctx.uow() as uow:  # give the classification step a deadline that has passed
        row = uow.session.get(HumanTask, task["id"])
        row.due_at = clock.now() - timedelta(days=1)
        row.next_reminder_at = clock.now() - timedelta(hours=1)
        uow.commit()
    assert deadlines.check_deadlines(engine_ctx)["overdue"] == 1
    officer = _client_for(app, "xuly").get("/notifications/").get_data(as_text=True)
    assert "Đã quá hạn: Phân loại, đề xuất xử lý đơn" in officer
    head = _client_for(app, "truongdonvi")
    text = head.get("/notifications/").get_data(as_text=True)
    assert "Quá hạn: Phân loại, đề xuất xử lý đơn" in text and petition["number"] in text
    file = head.get(f"/petitions/{petition['petition_id']}").get_data(as_text=True)
    assert "Quá hạn, đã báo thủ trưởng" in file  # timeline
    assert "Chưa xử lý" in file and "Phạm Văn Trưởng" in file  # escalation section
    assert "quá hạn" in file  # the open step's deadline badge
