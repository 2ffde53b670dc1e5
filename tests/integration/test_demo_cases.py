"""The first start's demo commune (issue 19 §7): ``petitions demo-seed`` registers letters of every
kind and handles them through the real handlers, so that every main state is on the pages, with
documents and a reception book; once only, and never the sealed denouncers' identities on the
pages a supervisor reads.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.persistence.models import AuditEvent, Escalation, HumanTask, ProcessInstance
from petitions.demo import seed_demo_cases
from petitions.demo_cases_story import CASES
from petitions.identity.matching import Identity, IdentityMatcher
from petitions.persistence.citizens_models import OnlineLetter, Publication
from petitions.persistence.models import (OutgoingDocument, Petition, PetitionDocument,
                                          PetitionSender)
from petitions.reception.models import ReceptionSession, ReceptionVisit
from petitions_cli.main import cli
from tests.security import crawl
from tests.web.conftest import app  # noqa: F401 (web fixture)

BY_KEY = {case.key: case for case in CASES}
# The case that shows each main state of issue 19 §7 (the denunciations are sealed).
STATES = {"received": "received_complaint", "verification": "verifying_complaint",
          "dialogue": "dialogue_complaint", "decided": "decided_complaint",
          "published": "published_complaint", "closed": "closed_complaint",
          "overdue": "overdue_feedback", "escalated": "escalated_complaint"}
DENOUNCERS = [BY_KEY[key].sender for key in ("closed_denunciation", "verifying_denunciation")]


def _facts(ctx) -> dict[str, dict]:
    """Per case: the petition, its instance's status, its open and done steps, its escalations."""
    seeded = {}
    with ctx.uow(write=False) as uow:
        session = uow.session
        by_number = {p.number: p for p in session.scalars(select(Petition))}
        for event in session.scalars(select(AuditEvent).where(AuditEvent.chain == "demo")):
            seeded["marker"] = event.payload
        for petition in by_number.values():
            tasks = session.scalars(select(HumanTask).where(
                HumanTask.instance_id == petition.instance_id)).all()
            seeded[petition.number] = {
                "petition": petition,
                "status": session.get(ProcessInstance, petition.instance_id).status,
                "open": {t.bpmn_id for t in tasks if t.status == "ready"},
                "done": {t.bpmn_id for t in tasks if t.status == "completed"},
                "overdue": any(t.overdue_since for t in tasks if t.status == "ready"),
                "escalations": session.scalar(select(func.count()).select_from(Escalation).where(
                    Escalation.instance_id == petition.instance_id)),
                "issued": session.scalar(select(func.count()).select_from(PetitionDocument).where(
                    PetitionDocument.petition_id == petition.id,
                    PetitionDocument.kind == "issued")),
                "numbers": sorted(session.scalars(select(OutgoingDocument.number).where(
                    OutgoingDocument.petition_id == petition.id))),
                "published": session.scalar(select(func.count()).select_from(Publication).where(
                    Publication.petition_id == petition.id)),
                "senders": session.scalar(select(func.count()).select_from(PetitionSender).where(
                    PetitionSender.petition_id == petition.id)),
                "online": session.scalar(select(func.count()).select_from(OnlineLetter).where(
                    OnlineLetter.petition_id == petition.id)),
            }
    return seeded


@pytest.mark.parametrize("db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)],
                         indirect=True)
def test_demo_commune_every_state_documents_once_and_no_sealed_identity(
        app, tmp_path):  # noqa: F811 (app is the fixture's value)
    ctx = app.extensions["petitions"]
    seeded = seed_demo_cases(ctx, tmp_path)
    assert seeded["visits"] == 5
    cases = {c["case"]: c for c in seeded["cases"]}
    assert set(cases) == set(BY_KEY)
    facts = _facts(ctx)
    of = {key: facts[c["number"]] for key, c in cases.items()}

    # Every main state, each reached by its own case.
    assert of[STATES["received"]]["open"] == {"Task_classify"}
    assert "Task_kn_verify" in of[STATES["verification"]]["open"]
    assert "Task_den_accused" in of["verifying_denunciation"]["open"]
    assert "Task_kn_dialogue" in of[STATES["dialogue"]]["open"]
    decided = of[STATES["decided"]]
    assert "Task_kn_decide" in decided["done"] and "Task_kn_track_finality" in decided["open"]
    published = of[STATES["published"]]
    assert "Task_kn_publication_end" in published["done"] and published["published"] == 1
    for key in ("closed_complaint", "closed_denunciation", "answered_recommendation",
                "forwarded_feedback", "anonymous_denunciation"):
        assert of[key]["status"] == "completed", (key, of[key]["open"])
    assert "Task_df_urge" in of["closed_denunciation"]["done"]       # one urging, followed up
    overdue = of[STATES["overdue"]]
    assert overdue["overdue"] and overdue["escalations"] == 1
    escalated = of[STATES["escalated"]]
    assert escalated["overdue"] and escalated["escalations"] == 1
    assert "Task_kn_report_overdue" in escalated["done"]              # the head was told, acted
    for key in ("received_complaint", "verifying_complaint", "dialogue_complaint",
                "decided_complaint", "published_complaint"):
        assert not of[key]["overdue"] and of[key]["escalations"] == 0, key

    # Letters of every kind and channel, over about three months.
    petitions = {key: f["petition"] for key, f in of.items()}
    assert {p.petition_type for p in petitions.values()} == {
        "complaint", "denunciation", "recommendation", "feedback"}
    assert petitions["closed_denunciation"].identity_sealed
    assert petitions["verifying_denunciation"].identity_sealed
    assert not petitions["closed_complaint"].identity_sealed
    anonymous = petitions["anonymous_denunciation"]
    assert anonymous.channel == "suggestion_box" and of["anonymous_denunciation"]["senders"] == 0
    assert petitions["forwarded_feedback"].channel == "forwarded"
    assert of["online_feedback"]["online"] == 1 and petitions["online_feedback"].channel == "online"
    days = sorted(p.received_on for p in petitions.values())
    assert days[-1] - days[0] >= timedelta(days=80)
    assert all(p.unit_code == "ubnd-xa-demo" for p in petitions.values())

    # Documents: issued at their steps, numbered, each with its signed scan.
    for key in ("closed_complaint", "closed_denunciation", "decided_complaint"):
        assert of[key]["issued"] >= 2 and of[key]["numbers"], key
        assert all(number for number in of[key]["numbers"])
    with ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(ReceptionVisit)) == 5
        assert uow.session.scalar(select(func.count()).select_from(ReceptionSession).where(
            ReceptionSession.status == "held")) == 5

    # Once: the marker is there, a second run adds nothing.
    assert facts["marker"]["cases"] == [case.key for case in CASES]
    assert seed_demo_cases(ctx, tmp_path) == {"cases": [], "visits": 0}
    with ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Petition)) == len(CASES)

    # A first start's pages show the commune at work: the dashboard its overdue steps, the
    # search every letter (sealed ones without their senders, below).
    supervisor = crawl.login_client(app, "giamsat")
    dashboard = supervisor.get("/supervision/").get_data(as_text=True)
    for key in (STATES["overdue"], STATES["escalated"]):
        assert cases[key]["number"] in dashboard, key
    found = supervisor.get("/supervision/search").get_data(as_text=True)
    assert [c["case"] for c in cases.values() if c["number"] not in found] == []

    # The supervisor's pages never show a sealed denouncer (the supervisor holds no identity
    # right): every page rule, filled with the sealed letters' ids, and the links found.
    denouncers = IdentityMatcher([Identity(p.name, p.id_number, p.phone) for p in DENOUNCERS])
    literals = [p.name for p in DENOUNCERS] + [p.id_number for p in DENOUNCERS] + \
        [p.phone for p in DENOUNCERS]
    sealed = [petitions[k] for k in ("closed_denunciation", "verifying_denunciation")]
    ids = crawl.Ids.of(app, crawl.Seeded(petition_ids=[p.id for p in sealed]))
    _only_cases(ctx, ids, sealed)
    crawler = crawl.Crawler(app, ids, extra=10, skip={"vendor.asset": "third-party files"})
    leaks, seen = [], 0
    for page in crawler.crawl("giamsat"):
        seen += page.status == 200
        for text in page.texts:
            if denouncers.contains(text) or any(lit in text for lit in literals):
                leaks.append(f"GET {page.url} ({page.accept})")
                break
    assert seen > 30
    assert leaks == []


def _only_cases(ctx, ids: crawl.Ids, petitions: list[Petition]) -> None:
    """Crawl the sealed letters' pages only: every route, not every demo case (kept quick); a
    supervisor has no task page."""
    ids.values["instance_id"] = sorted(p.instance_id for p in petitions)
    ids.values["task_id"] = []
    ids.values["petition_doc"] = [(p, d) for p, d in ids.values["petition_doc"]
                                  if p in {x.id for x in petitions}]


def test_demo_seed_command_no_cases_a_refused_form_named_then_nothing_more(
        db_url, tmp_path, ctx, monkeypatch):
    from petitions import demo_cases_forms
    from tests.bpmn.harness import deploy_processes
    runner = CliRunner()
    env = {"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path)}

    def run(*args, expect=0):
        result = runner.invoke(cli, ["demo-seed", "--json", *args], env=env)
        assert result.exit_code == expect, result.output
        return result

    deploy_processes(ctx)
    first = json.loads(run("--no-cases").stdout)
    assert "tiepdan" in first["created"] and first["letters"] == [] and first["visits"] == 0
    with ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Petition)) == 0

    # A process form that no longer takes the table's data: one line naming the case, the
    # step and the field, no traceback.
    monkeypatch.setitem(demo_cases_forms.FORMS, "Task_classify",
                        {**demo_cases_forms.FACTS, "petition_type": "thu_tay"})
    refused = run(expect=1)
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in refused.output
    assert "Task_classify" in lines[0] and "petition_type" in lines[0], lines[0]
    assert "demo_cases_forms.py" in lines[0]

    # The marker was set before the first case: nothing is added on top of a failed seed.
    monkeypatch.undo()
    with ctx.uow(write=False) as uow:
        before = uow.session.scalar(select(func.count()).select_from(Petition))
    assert json.loads(run().stdout) == {"created": [], "letters": [], "cases": [], "visits": 0}
    with ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Petition)) == before == 1


def test_the_form_table_holds_exactly_the_steps_the_story_takes():
    from petitions.demo_cases_forms import FORMS
    from petitions.demo_cases_story import Do
    taken = {step.task for case in CASES for step in case.steps if isinstance(step, Do)}
    assert set(FORMS) == taken
