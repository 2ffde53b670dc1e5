"""The demo commune at work: the cases of demo_cases_story.py, registered and handled through the
same handlers as the desk, the task pages and the worker's sweep, over the last three months.

Every step goes through the real commands: ``registration.register`` (or ``online.submit``),
``documents.issuing.generate_at_step`` for each form a step issues, then
``documents.step_files.complete_with_files`` with the signed scan, and the timers and deadlines
through ``engine.work.timers.fire_due_timers`` and ``engine.work.deadlines.check_deadlines`` on a
moved clock (``story``, below). Nothing is written around them.

Once only: a ``demo_cases_seeded`` event on the ``demo`` audit chain is the marker, written before
the first case; a register that already holds letters (a deployment in use) is never filled
with demo letters either. A seed that fails half-way (a form that changed and refuses the
table's data: the error names the case, the step and the field) is therefore not run again on
top of its own letters: fix the table and start on a fresh data directory.
"""
from __future__ import annotations

import dataclasses
import struct
import threading
import zlib
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from SpiffWorkflow.bpmn.specs.event_definitions import timer as library_timer
from sqlalchemy import select

from engine.accounts.users import actor_for
from engine.audit.chain import PendingEvent, append_chain_event
from engine.errors import EngineError, FormInvalid
from engine.persistence.models import AuditEvent
from engine.running import instances
from engine.work import human_tasks, timers as engine_timers
from engine.work.deadlines import check_deadlines
from engine.working_days import VN_TZ
from petitions import demo_cases_forms as forms
from petitions.citizens.online import OnlineSubmission, submit
from petitions.documents import catalogue, issuing, step_files
from petitions.persistence.models import Petition
from petitions.register import registration
from petitions.register.documents import store_for
from petitions.register.registration import Registration, Sender
from petitions.tasks.task_page import task_form
from petitions.demo_cases_reception import seed_reception
from petitions.demo_cases_story import CASES, PROVINCE, WARD, Case, Do, Wait

if TYPE_CHECKING:
    from engine.context import EngineContext

MARKER_CHAIN = "demo"
MARKER_EVENT = "demo_cases_seeded"
SEED_ACTOR = "demo-seed"


class DemoSeedError(EngineError):
    """A step of the story could not be done: one line naming the case, the task and the field."""

    code = "demo_seed_failed"


def already_seeded(ctx: "EngineContext") -> bool:
    with ctx.uow(write=False) as uow:
        marked = uow.session.scalar(select(AuditEvent.id).where(
            AuditEvent.chain == MARKER_CHAIN, AuditEvent.event_type == MARKER_EVENT).limit(1))
        in_use = uow.session.scalar(select(Petition.id).limit(1))
    return marked is not None or in_use is not None


def _mark(ctx: "EngineContext") -> None:
    with ctx.uow() as uow:
        append_chain_event(uow.session, MARKER_CHAIN, PendingEvent(
            MARKER_EVENT, SEED_ACTOR, {"cases": [case.key for case in CASES]}),
            ctx.clock.now(), lock=True)
        uow.commit()


def seed_cases(ctx: "EngineContext", data_dir: str | Path, *, officers: dict[str, str],
               unit: str) -> dict:
    """Register and handle the demo cases once, in ``unit``, each step done by the officer of its
    lane's role (``officers``: role → username). Returns ``{"cases": [{case, number, status}],
    "visits": n}``, empty when already done. Raises ``DemoSeedError`` naming the step a form
    refused."""
    if already_seeded(ctx):
        return {"cases": [], "visits": 0}
    _mark(ctx)
    store = store_for(data_dir)
    people = _People(officers, unit)
    anchor = ctx.clock.now()
    cases = sorted(CASES, key=lambda c: -c.ago)  # numbered in the order they arrived
    done = []
    # One story context for all cases: the definitions are loaded once. Each case rewinds the
    # clock to its own start; the cases before it left no timer or reminder due before the
    # anchor (each ends with a sweep there), so a later case's sweeps touch only its own.
    with story(ctx, _moment(anchor, cases[0].ago)) as (sctx, clock):
        for case in cases:
            clock.current = _moment(anchor, case.ago)
            done.append(_run(sctx, clock, store, people, case, anchor))
        visits = seed_reception(sctx, clock, anchor, head=officers["head_of_unit"],
                                desk=officers["reception_officer"])
    return {"cases": done, "visits": visits}


class _People:
    def __init__(self, officers: dict[str, str], unit: str):
        self.officers, self.unit = officers, unit

    def officer(self, role: str | None) -> str:
        return self.officers.get(role or "", self.officers["administrator"])


def _at(moment: datetime, days: int, hour: int) -> datetime:
    """``hour`` o'clock in Hà Nội, ``days`` after the day of ``moment``."""
    day = moment.astimezone(VN_TZ).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), VN_TZ).astimezone(timezone.utc)


def _moment(anchor: datetime, ago: int) -> datetime:
    return min(_at(anchor, -ago, 8), anchor)


def _run(ctx, clock: StoryClock, store, people: _People, case: Case, anchor: datetime) -> dict:
    petition = _register(ctx, people, case)
    for step in case.steps:
        if isinstance(step, Wait):
            clock.current = min(clock.current + timedelta(days=step.days), anchor)
            _sweep(ctx, clock.current)
            continue
        # The worker sweeps all the time: what fell due since the last step has fired.
        clock.current = min(max(clock.current, _at(clock.current, step.after, 9)), anchor)
        _sweep(ctx, clock.current)
        _do(ctx, clock, store, people, case, petition, step)
    clock.current = max(clock.current, anchor)
    _sweep(ctx, clock.current)
    status = instances.summary(ctx, petition["instance_id"])["status"]
    return {"case": case.key, "number": petition["number"], "status": status}


# ---- the story's clock ----------------------------------------------------------------------
# Every handler reads the time from the context's clock, so the story runs on a copy of the
# context whose clock the seed moves. SpiffWorkflow compares timers with the real
# ``datetime.now``, and the kernel's timer path forces a due timer with the real time too
# (engine/work/timers.py): both are moved with the story clock while the seed runs, exactly as the
# scenario tests move them (tests/bpmn/conftest.py, ``travel``), and restored afterwards. Without
# this, every deadline of a three-month-old case would fire the moment its task opened. The
# library's clock is the process's: the seed runs in a command of its own (``petitions
# demo-seed``) or a test, never beside a web server's or a worker's threads.
_PATCH_LOCK = threading.Lock()  # one story at a time in a process


class StoryClock:
    """The context's clock port during the story, set by the seed."""

    def __init__(self, start: datetime):
        self.current = start

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.astimezone(VN_TZ).date()


def _moved_datetime(clock: StoryClock) -> type:
    class StoryDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            current = clock.now()
            return current.astimezone(tz) if tz is not None else \
                current.astimezone(VN_TZ).replace(tzinfo=None)
    return StoryDatetime


@contextmanager
def story(ctx: "EngineContext", start: datetime) -> Iterator[tuple["EngineContext", StoryClock]]:
    """A context whose clock is the story's, and the library's timers reading the same clock."""
    clock = StoryClock(start)
    # A fresh script engine: the context's holds the clock it was built with (engine/context.py).
    story_ctx = dataclasses.replace(ctx, clock=clock, _calendar=None, _calendar_loaded_at=0.0,
                                    _script_engine=None, _lock=threading.Lock())
    moved = _moved_datetime(clock)
    with _PATCH_LOCK:
        saved = library_timer.datetime, engine_timers.datetime
        library_timer.datetime = engine_timers.datetime = moved
        try:
            yield story_ctx, clock
        finally:
            library_timer.datetime, engine_timers.datetime = saved


def _sweep(ctx, now: datetime) -> None:
    """What the worker's periodic sweep does (workers/sweeper.py), at the story's time."""
    fired = engine_timers.fire_due_timers(ctx, now)
    if fired["failed"]:
        raise DemoSeedError(f"demo-seed: hẹn giờ của hồ sơ #{fired['failed'][0]['instance_id']} "
                            f"không kích hoạt được: {fired['failed'][0]['error']}")
    check_deadlines(ctx, now)


def _register(ctx, people: _People, case: Case) -> dict:
    today = ctx.clock.now().astimezone(VN_TZ).date()
    senders = [] if case.sender is None else [Sender(
        name=case.sender.name, id_number=case.sender.id_number, phone=case.sender.phone,
        province_code=PROVINCE, ward_code=WARD, address_detail=case.sender.hamlet)]
    if case.online:
        return _submit_online(ctx, people, case, senders)
    letter = Registration(
        received_on=today, channel=case.channel, petition_type=case.kind, field=case.field,
        summary=case.summary, senders=senders, anonymous=case.sender is None,
        forwarder_kind=case.forwarder_kind, forwarded_by=case.forwarded_by)
    try:
        return registration.register(ctx, actor_for(ctx, people.officer("reception_officer")),
                                     letter)
    except EngineError as err:
        raise DemoSeedError(f"demo-seed: không đăng ký được đơn mẫu {case.key}: {err}") from err


def _submit_online(ctx, people: _People, case: Case, senders) -> dict:
    sent = submit(ctx, OnlineSubmission(
        unit_code=people.unit, petition_type=case.kind, summary=case.summary, senders=senders,
        submission_key=f"demo-seed-{case.key}", consent=True, location="Ấp Phú Hiệp, xã An Phú"))
    with ctx.uow(write=False) as uow:
        instance_id = uow.session.scalar(select(Petition.instance_id).where(
            Petition.number == sent["number"]))
    return {"number": sent["number"], "instance_id": instance_id}


def _do(ctx, clock: StoryClock, store, people: _People, case: Case, petition: dict,
        step: Do) -> None:
    ready = human_tasks.list_tasks(ctx, instance_id=petition["instance_id"])
    task = next((t for t in ready if t["bpmn_id"] == step.task), None)
    if task is None:
        raise DemoSeedError(
            f"demo-seed: đơn mẫu {case.key}: bước {step.task} không sẵn sàng "
            f"(đang chờ: {', '.join(sorted(t['bpmn_id'] for t in ready)) or 'không có bước nào'})")
    actor = actor_for(ctx, people.officer(task["candidate_role"]))
    try:
        data = forms.form_data(step.task, clock.today(), step.data)
    except KeyError:
        raise DemoSeedError(f"demo-seed: bảng dữ liệu mẫu thiếu bước {step.task} "
                            "(petitions/demo_cases_forms.py)") from None
    scans = {}
    # The forms the step must or (``Do.issue``) may issue are issued here, as the officer's "Tạo
    # văn bản" button does, and their signed scans attached with the completion. Not every
    # optional one: rendering a form is the dearest part of the seed.
    for spec_field in catalogue.document_fields(task_form(ctx, task["id"])):
        if not (spec_field.get("required") or step.issue):
            continue
        try:
            rendered = issuing.generate_at_step(ctx, task["id"], spec_field["document"], actor,
                                                data)
        except EngineError as err:
            raise DemoSeedError(f"demo-seed: đơn mẫu {case.key}: bước {step.task} không tạo được "
                                f"văn bản {spec_field['document']}: {err}") from err
        scans[spec_field["name"]] = (rendered.file_name[:-len(".docx")] + ".png", _scan())
    try:
        step_files.complete_with_files(ctx, store, task["id"], actor, data, scans=scans)
    except FormInvalid as err:
        field, message = sorted(err.errors.items())[0]
        raise DemoSeedError(f"demo-seed: đơn mẫu {case.key}: biểu mẫu bước {step.task} từ chối "
                            f"trường {field} ({data.get(field)!r}): {message} — sửa "
                            "petitions/demo_cases_forms.py") from err
    except EngineError as err:
        raise DemoSeedError(f"demo-seed: đơn mẫu {case.key}: bước {step.task}: {err}") from err


def _scan() -> bytes:
    """A small grey PNG standing for the signed paper copy an officer would scan."""
    width, height = 120, 160

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\xee" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                                0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
