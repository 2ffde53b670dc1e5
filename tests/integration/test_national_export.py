"""The register of a period for the national database (issue 20 §6): a versioned JSON file,
validated against the JSON Schema shipped in the repository, with no sealed denouncer in it."""
from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from openpyxl import Workbook

from engine.errors import InvalidInput, NotFound
from petitions.interop import national_export, register_import
from petitions.persistence import vault
from petitions_cli.main import cli
from tests.api.conftest import app, client, engine_ctx, letter, token  # noqa: F401 (fixtures)
from tests.bpmn.harness import deploy_processes
from tests.integration.test_reports import Desk

CANARY, CANARY_ID = "Trần Thị Canary", "079188001234"


@pytest.fixture
def october(ctx, clock, time_machine):
    deploy_processes(ctx)
    desk = Desk(ctx, clock, time_machine)
    found = {}
    desk.at("2026-09-30"); found["september"] = desk.register("2026-09-30")
    desk.at("2026-10-02"); found["complaint"] = desk.register("2026-10-02", sender="Nguyễn Văn An")
    desk.at("2026-10-03"); desk.classify(found["complaint"]["instance_id"])
    desk.at("2026-10-05"); desk.accept_complaint(found["complaint"]["instance_id"], "2026-10-05")
    desk.at("2026-10-06"); found["denunciation"] = desk.register(
        "2026-10-06", "denunciation", field="corruption", sender=CANARY, id_number=CANARY_ID,
        summary=f"Bà {CANARY} tố cáo cán bộ địa chính nhận tiền")
    desk.at("2026-10-07"); found["u2"] = desk.register("2026-10-07", unit="u2", sender="Phạm Văn Hai")
    desk.at("2026-11-04", hour=10)
    book = Workbook()
    book.active.append(["Số vào sổ", "Ngày nhận đơn", "Họ và tên", "Nội dung", "Loại đơn"])
    book.active.append(["17/2026", "08/10/2026", "Lê Văn Cũ", "Đề nghị sửa đường", "Kiến nghị"])
    buffer = io.BytesIO()
    book.save(buffer)
    imported = register_import.import_register(ctx, "so-cu.xlsx", buffer.getvalue(), unit="u1",
                                               user="tiepdan", dry_run=False)
    assert imported.count("registered") == 1
    return found


def test_the_export_of_a_period_validates_and_keeps_sealed_denouncers_out(ctx, october):
    Draft202012Validator.check_schema(national_export.schema())
    document = national_export.build(ctx, *_october(), unit="u1")
    raw = national_export.dump(document)
    assert CANARY.encode() not in raw and CANARY_ID.encode() not in raw
    assert (document["format"], document["version"], document["scope"]) == (
        "vn-petitions.register-export", "1.0", {"units": ["u1"]})
    letters = {item["received_on"]: item for item in document["letters"]}
    assert sorted(letters) == ["2026-10-02", "2026-10-06", "2026-10-08"], \
        "received in the period, in the unit"
    complaint = letters["2026-10-02"]
    assert complaint["senders"][0]["name"] == "Nguyễn Văn An" and not complaint["identity_sealed"]
    assert complaint["processing"]["route"] == "accept"
    assert complaint["processing"]["on"] == "2026-10-05"
    assert complaint["classification"] == {"classified": True, "within_competence": True,
                                           "eligible": True, "duplicate": False}
    assert complaint["result"] == {"status": "open", "outcome": None}
    assert complaint["carried_over"] is None
    sealed = letters["2026-10-06"]
    assert sealed["identity_sealed"] and sealed["senders"] == [] and sealed["sender_count"] == 1
    assert "tố cáo cán bộ địa chính" in sealed["summary"]
    carried = letters["2026-10-08"]
    assert carried["carried_over"] == {"origin_number": "17/2026",
                                       "origin_received_on": "2026-10-08"}
    assert carried["petition_type"] == "recommendation"

    # the schema holds the identity rule: a sealed letter with a sender is not a valid file
    sealed["senders"] = [complaint["senders"][0]]
    with pytest.raises(InvalidInput, match="letters/1/senders"):
        national_export.validate(document)
    everywhere = national_export.build(ctx, *_october())
    assert {item["unit_code"] for item in everywhere["letters"]} == {"u1", "u2"}
    with pytest.raises(NotFound):
        national_export.build(ctx, *_october(), unit="khong-co")


def test_the_export_command_writes_the_file_and_the_schema(ctx, october, db_url, tmp_path):
    runner = CliRunner()
    ring = vault.active()   # the command reads the identities with the keys that wrote them
    vault.Keyring(ring.keys, ring.index_keys, tmp_path / "identity-keys.json").save()
    env = {"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path),
           "IDENTITY_KEY_FILE": str(tmp_path / "identity-keys.json")}
    out, schema = tmp_path / "so-don-10-2026.json", tmp_path / "schema.json"
    result = runner.invoke(cli, ["register", "export", "--from", "2026-10-01", "--to",
                                 "2026-10-31", "--unit", "u1", "--out", str(out), "--schema",
                                 str(schema), "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"file": str(out), "version": "1.0", "letters": 3,
                                         "sealed": 1}
    document = json.loads(out.read_text(encoding="utf-8"))
    Draft202012Validator(json.loads(schema.read_text(encoding="utf-8"))).validate(document)
    assert CANARY not in out.read_text(encoding="utf-8")
    bad = [runner.invoke(cli, ["register", "export", "--from", "2026-10-31", "--to", "2026-10-01",
                               "--out", str(out)], env=env),
           runner.invoke(cli, ["register", "export", "--from", "1/10/2026", "--to", "2026-10-31",
                               "--out", str(out)], env=env),
           runner.invoke(cli, ["register", "export", "--from", "2026-10-01", "--to", "2026-10-31",
                               "--unit", "khong-co", "--out", str(tmp_path / "x.json")], env=env)]
    assert [r.exit_code for r in bad] == [2, 2, 1]
    assert "Không tìm thấy đơn vị 'khong-co'" in bad[2].output
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_api_route_answers_supervisors_with_the_validated_file(app, token):
    client = app.test_client()
    desk, supervisor = token("quay", "reception_officer"), token("tinh", "supervisor")
    assert client.post("/api/v1/petitions", json=letter(), headers=desk).status_code == 201
    url = "/api/v1/register/export?from=2026-01-01&to=2026-12-31"
    answer = client.get(url, headers=supervisor)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    national_export.validate(answer.get_json())
    assert "Đặng Thị Hồng Nhung" in [s["name"] for item in answer.get_json()["letters"]
                                     for s in item["senders"]]
    assert client.get(url, headers=desk).status_code == 403
    for query in ("from=2026-12-31&to=2026-01-01", "from=2025-01-01&to=2026-12-31"):
        refused = client.get(f"/api/v1/register/export?{query}", headers=supervisor)
        assert (refused.status_code, refused.mimetype) == (400, "application/problem+json")


def _october():
    from datetime import date
    return date(2026, 10, 1), date(2026, 10, 31)
