"""Nothing reaches anyone (issue 15): new work, a head's assignment, an escalation, each as an
in-app notification and an e-mail, through the entry points the running system uses: the web
app (reception form, assignment form) and a real `petitions worker` process (its sweep finds the
overdue step and its mailer sends the outbox) on a real Redis.

Before: only reminders and escalations were subscribed, so a full complaint told nobody of the
steps waiting for them; the only messages came when a deadline had already been missed."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from engine.accounts.models import User
from engine.persistence.models import HumanTask
from engine.working_days import VN_TZ
from petitions.demo import DEMO_PASSWORD, seed_demo_users
from petitions.persistence.models import Notification, OutboundEmail
from tests.bpmn.harness import deploy_processes
from tests.integration.test_reports import FACTS
from tests.web.conftest import csrf
from engine.work import human_tasks
from tests.bpmn.harness import EVERYONE

WAIT_S = 40


@pytest.fixture
def app(db_url, tmp_path):
    from webapp import create_app
    application = create_app({"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path),
                              "SECRET_KEY": "test-secret", "SECURE_COOKIES": False,
                              "RATELIMIT_ENABLED": "0"})
    application.config["TESTING"] = True
    ctx = application.extensions["petitions"]
    seed_demo_users(ctx)
    deploy_processes(ctx)
    with ctx.uow(write=False) as uow:   # the demo users have addresses: the demo mails too
        assert all(user.email == f"{user.username}@an-phu.example"
                   for user in uow.session.scalars(select(User)))
    yield application
    ctx.close()


def _login(app, username: str):
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                           "csrf_token": csrf(page)})
    assert response.status_code == 302
    return client


def _told(ctx) -> list[tuple[str, str, str]]:
    with ctx.uow(write=False) as uow:
        return [(n.username, n.kind, n.title) for n in uow.session.scalars(
            select(Notification).order_by(Notification.id))]


def _emails(ctx) -> list[tuple[str, str, str]]:
    with ctx.uow(write=False) as uow:
        return [(e.to_address, e.subject, e.status) for e in uow.session.scalars(
            select(OutboundEmail).order_by(OutboundEmail.id))]


def _worker(db_url: str, redis_url: str, data_dir) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url,
           "PETITIONS_DATA_DIR": str(data_dir), "SWEEP_INTERVAL_S": "0.5", "MAIL_SINK": "file"}
    return subprocess.Popen([sys.executable, "-m", "petitions_cli.main", "worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_new_work_assignment_and_escalation_reach_people(app, db_url, redis_url, redis_conn,
                                                          tmp_path):
    ctx = app.extensions["petitions"]
    received = (datetime.now(VN_TZ) - timedelta(days=40)).date()
    reception = _login(app, "tiepdan")
    page = reception.get("/reception/new")
    response = reception.post("/reception/new", data={
        "csrf_token": csrf(page), "action": "check", "received_on": received.isoformat(),
        "channel": "direct", "forwarder_kind": "none", "petition_type": "complaint",
        "field": "land_housing", "summary": "Khiếu nại việc thu hồi đất nông nghiệp",
        "signers": "1", "senders-0-name": "Nguyễn Văn An"}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    number = f"{received.year}-000001"
    # New work: the unit's handling officers, in the app and by e-mail; not the reception
    # officer for the register step she finished herself in the same command.
    classify = f"Việc mới: Phân loại, đề xuất xử lý đơn (hồ sơ {number})"
    assert _told(ctx) == [("xuly", "new_task", classify), ("xuly2", "new_task", classify)]
    assert _emails(ctx) == [("xuly@an-phu.example", classify, "pending"),
                            ("xuly2@an-phu.example", classify, "pending")]

    # The head gives the step to one officer: that officer is told.
    with ctx.uow(write=False) as uow:
        task_id = uow.session.scalar(select(HumanTask.id).where(
            HumanTask.bpmn_id == "Task_classify", HumanTask.status == "ready"))
    head = _login(app, "truongdonvi")
    form = head.get(f"/tasks/{task_id}/assign")
    assert head.post(f"/tasks/{task_id}/assign", data={
        "csrf_token": csrf(form), "assignee": "xuly2", "reason": "Cán bộ phụ trách địa bàn"}
    ).status_code == 302
    given = f"Được giao việc: Phân loại, đề xuất xử lý đơn (hồ sơ {number})"
    assert _told(ctx)[-1] == ("xuly2", "assigned", given)

    # The steps go on (the handler the task page calls); the acceptance step opens already
    # overdue (received 40 days ago): the worker's sweep escalates it and mails everything.
    human_tasks.complete(ctx, task_id, EVERYONE, FACTS)
    with ctx.uow(write=False) as uow:
        approve = uow.session.scalar(select(HumanTask.id).where(
            HumanTask.bpmn_id == "Task_approve_route", HumanTask.status == "ready"))
    human_tasks.complete(ctx, approve, EVERYONE, {"approve": True})
    kinds = [(who, kind) for who, kind, _title in _told(ctx)]
    assert ("truongdonvi", "new_task") in kinds and ("tiepdan", "new_task") in kinds
    worker = _worker(db_url, redis_url, tmp_path)
    try:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            emails = _emails(ctx)
            escalated = [t for t in _told(ctx) if t[1] == "escalation"]
            if escalated and emails and all(status == "sent" for _to, _s, status in emails):
                break
            time.sleep(0.3)
    finally:
        _stop(worker)
    escalation = f"Quá hạn: Tiếp nhận hồ sơ khiếu nại (hồ sơ {number})"
    assert ("truongdonvi", "escalation", escalation) in _told(ctx)
    assert ("tiepdan", "overdue", "Đã quá hạn: Tiếp nhận hồ sơ khiếu nại") in _told(ctx)
    emails = _emails(ctx)
    assert {status for _to, _s, status in emails} == {"sent"}, emails
    assert ("truongdonvi@an-phu.example", escalation, "sent") in emails
    assert ("xuly2@an-phu.example", given, "sent") in emails
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == len(emails)
    subjects = {re.search(r"^Subject: (.*)$", f.read_text(), re.M).group(1) for f in files}
    assert len(subjects) >= 4
    # An officer reads them on the notifications page.
    officer = _login(app, "xuly2")
    html = officer.get("/notifications/").get_data(as_text=True)
    assert "Được giao việc" in html and "Việc mới" in html
