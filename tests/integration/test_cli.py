"""The ``petitions`` command line: JSON on stdout, one clear error line and a non-zero exit."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from engine.persistence.models import AuditEvent, ProcessInstance
from petitions_cli.main import cli
from tests.support import FIXTURES


@pytest.fixture
def run(db_url, tmp_path):
    runner = CliRunner()

    def invoke(*args, expect=0):
        result = runner.invoke(cli, list(args), env={"DATABASE_URL": db_url,
                                                      "PETITIONS_DATA_DIR": str(tmp_path)})
        assert result.exit_code == expect, (result.output, result.stderr if hasattr(result, "stderr") else "")
        return result
    return invoke


def as_json(result):
    return json.loads(result.stdout)


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from petitions.persistence.schema import alembic_config
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_cli_round_trip(run, ctx):
    assert as_json(run("db", "upgrade", "--json"))["revision"] == _head_revision()
    deployed = as_json(run("deploy", str(FIXTURES / "engine"), "--tag", "thử", "--json"))
    assert {d["key"] for d in deployed} == {"review_loop", "script_steps", "timer_once"}
    assert all(d["new"] and d["version"] == 1 and len(d["sha256"]) == 64 for d in deployed)
    assert all(not d["new"] for d in as_json(run("deploy", str(FIXTURES / "engine"), "--json")))

    run("users", "add", "an", "--role", "handling_officer", "--unit", "ubnd-xa")
    run("users", "add", "chi", "--role", "head_of_unit", "--role", "supervisor")
    started = as_json(run("start", "review_loop", "--business-key", "KN-2026-0001",
                          "--data", '{"priority": 2}', "--json"))
    assert set(started) >= {"instance_id", "status", "tasks", "timers"}
    assert started["status"] == "waiting" and len(started["timers"]) == 1
    task_id = started["tasks"][0]["id"]

    listed = as_json(run("tasks", "--user", "an", "--json"))
    assert [t["id"] for t in listed] == [task_id]
    assert set(listed[0]) >= {"id", "instance_id", "bpmn_id", "name", "lane", "assignee",
                              "status", "due_at"}
    assert listed[0]["priority"] == 2
    assert as_json(run("tasks", "--user", "chi", "--json")) == []
    assert as_json(run("claim", str(task_id), "--user", "an", "--json"))["assignee"] == "an"
    done = as_json(run("complete", str(task_id), "--user", "an", "--data",
                       '{"decision": "more_info", "note": "Bổ sung"}', "--json"))
    assert done["task"]["status"] == "completed"

    shown = as_json(run("instance", str(started["instance_id"]), "--json"))
    assert shown["process_key"] == "review_loop" and shown["version"] == 1
    assert shown["data"]["decision"] == "more_info" and shown["events"][0]["type"] == "instance_started"
    assert as_json(run("audit", "verify", "--json"))["ok"] is True
    assert as_json(run("timers", "fire-due", "--now", "2026-11-23T00:00:00Z", "--json"))["fired"] == 0
    assert as_json(run("processes", "--json"))[0]["tag"] == "thử"


def test_cli_errors_are_one_line(run):
    run("deploy", str(FIXTURES / "engine" / "review_loop.bpmn"))
    run("users", "add", "an", "--role", "handling_officer")
    # (arguments, expected exit code: 1 = refused by the engine, 2 = bad command-line input, text)
    cases = [
        (("complete", "999", "--user", "an", "--data", "{}"), 1, "Không tìm thấy công việc #999"),
        (("complete", "1", "--user", "ghost", "--data", "{}"), 1, "Không tìm thấy người dùng"),
        (("start", "review_loop", "--data", "{not json"), 2, "JSON không hợp lệ"),
        (("start", "review_loop", "--data", "[1]"), 2, "đối tượng JSON"),
        (("start", "unknown_process"), 1, "Không tìm thấy quy trình"),
        (("users", "add", "x", "--role", "king"), 1, "Vai trò không tồn tại"),
        (("deploy", str(FIXTURES / "bpmn" / "hostile" / "xxe.bpmn")), 1, "xxe.bpmn"),
        (("timers", "fire-due", "--now", "2026-11-23T00:00:00"), 2, "múi giờ"),
        (("calendar", "add", "--from", "2027-02-30", "--days", "3"), 2, "2027-02-30"),
    ]
    for args, code, needle in cases:
        result = run(*args, expect=code)
        assert needle in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output


def test_cli_audit_verify_names_the_broken_event(run, ctx):
    run("deploy", str(FIXTURES / "engine" / "review_loop.bpmn"))
    run("start", "review_loop")
    assert "Toàn vẹn" in run("audit", "verify").stdout
    with ctx.uow() as uow:
        uow.session.execute(update(AuditEvent).where(AuditEvent.seq == 1,
                                                     AuditEvent.chain == "instance:1")
                            .values(actor="someone-else"))
        uow.commit()
    result = run("audit", "verify", "--instance", "1", expect=1)
    assert "instance:1" in result.stderr and "số 1" in result.stderr


def test_cli_calendar(run):
    assert run("calendar", "add", "--from", "2027-01-29", "--working-days", "10").stdout.strip() == "2027-02-19"
    assert run("calendar", "add", "--from", "2026-08-29", "--days", "5").stdout.strip() == "2026-09-03"
    holidays = as_json(run("calendar", "holidays", "2027", "--json"))
    assert {"date": "2027-02-08", "name": holidays[[h["date"] for h in holidays].index("2027-02-08")]["name"]} in holidays
    run("calendar", "override", "add", "2027-02-20", "--work", "--note", "Làm bù Tết")
    # Saturday 20/2/2027 now counts: 10 working days from 29/1 end one day earlier.
    assert run("calendar", "add", "--from", "2027-01-29", "--working-days", "10").stdout.strip() == "2027-02-19"
    assert run("calendar", "add", "--from", "2027-02-18", "--working-days", "2").stdout.strip() == "2027-02-20"
    run("calendar", "add", "--from", "2027-01-29", expect=2)


def test_cli_fire_due_reports_an_instance_that_cannot_fire(run, ctx):
    run("deploy", str(FIXTURES / "engine" / "review_loop.bpmn"))
    first, second = (as_json(run("start", "review_loop", "--json"))["instance_id"] for _ in range(2))
    with ctx.uow() as uow:  # a damaged stored state: this instance cannot be loaded
        uow.session.execute(update(ProcessInstance).where(ProcessInstance.id == first)
                            .values(state="{not json"))
        uow.commit()
    result = run("timers", "fire-due", "--now", "2030-01-01T00:00:00Z", "--json", expect=1)
    shown = json.loads(result.stdout)
    assert shown["fired"] == 1 and [f["instance_id"] for f in shown["failed"]] == [first]
    assert f"#{first}" in result.stderr and "JSONDecodeError" in result.stderr
    assert "Traceback" not in result.output
    assert as_json(run("instance", str(second), "--json"))["status"] == "completed"


def test_demo_seed_makes_users_once(run, ctx):
    # The demo cases (and their "once") are tested in tests/integration/test_demo_cases.py.
    run("db", "upgrade")
    first = as_json(run("demo-seed", "--no-cases", "--json"))
    assert "tiepdan" in first["created"] and first["letters"] == []
    assert as_json(run("demo-seed", "--no-cases", "--json"))["created"] == []
