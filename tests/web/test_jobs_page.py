"""The administrators' background-jobs page: RQ state behind the app's auth, Redis down shown."""
from __future__ import annotations

from rq import Queue
from rq.registry import FailedJobRegistry

from workers.scheduler import QUEUE_NAME


def test_only_administrators(client, login):
    login("giamsat")
    assert client.get("/jobs/").status_code == 403


def test_without_redis_the_page_explains(client, login):
    login("quantri")
    text = client.get("/jobs/").get_data(as_text=True)
    assert "Chưa cấu hình REDIS_URL" in text and "Hẹn giờ trong cơ sở dữ liệu" in text


def test_with_redis_shows_queue_and_failed_jobs(app, client, login, redis_url, redis_conn):
    app.config["PETITIONS_SETTINGS"] = type(app.config["PETITIONS_SETTINGS"])(
        **{**vars(app.config["PETITIONS_SETTINGS"]), "redis_url": redis_url})
    queue = Queue(QUEUE_NAME, connection=redis_conn)
    job = queue.enqueue("workers.jobs.fire_timer", 1, job_id="timer-1")
    job.set_status("failed")
    FailedJobRegistry(queue=queue).add(job, ttl=600, exc_string="Traceback: boom")
    login("quantri")
    text = client.get("/jobs/").get_data(as_text=True)
    assert "Hàng đợi RQ" in text and "timer-1" in text and "Không có worker nào" in text
