"""The case package between agencies (issue 20 §4), package and receiving side only.

Agency A's package (built with A's Ed25519 key, identities sealed to B's X25519 key) is received
by agency B's database: registered once with A's number and tracking code at B's reception check;
a tampered, misaddressed or untrusted package is refused with its reason and stores nothing.
(The two-instance transport test of the issue is not built yet: no API route or job.)
"""
from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import func, select

from engine.errors import InvalidInput
from engine.persistence.models import HumanTask
from petitions.persistence.models import Petition, PetitionDocument, PetitionSender
from petitions.persistence.transfer_models import CaseTransfer
from petitions.register import registration
from petitions.register.documents import store_for
from petitions.transfers import package as packages
from petitions.transfers import trust
from petitions.transfers.inbound import receive_package
from petitions_cli.main import cli as cli_main
from tests.bpmn.harness import deploy_processes
from tests.integration.test_reports import Desk
from tests.support import actor

NAME, ID_NUMBER, PHONE = "Hà Thị Mai", "001203005555", "0912000111"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _package(a_key, b_public, **changes) -> dict:
    fields = dict(
        origin_agency="tinh-a", origin_number="2026-000042", tracking_code="ABCDE-FGH23",
        to_agency="tinh-b",
        register={"received_on": "2026-10-01", "petition_type": "denunciation",
                  "field": "corruption", "summary": "Tố cáo cán bộ xã nhận tiền", "signers": 1},
        slip={"number": "05/PC", "on": "2026-10-03", "step": "Task_den_transfer"},
        history=[{"kind": "petition_registered", "label": "Vào sổ đơn", "at": "2026-10-01T02:00:00+00:00"}],
        senders=[{"name": NAME, "id_number": ID_NUMBER, "phone": PHONE}],
        documents=[("don-to-cao.pdf", "application/pdf", PDF)],
        signing_key=a_key, recipient=b_public)
    fields.update(changes)
    return packages.build(**fields)


def _count(ctx, model) -> int:
    with ctx.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_a_package_registers_once_and_a_bad_one_stores_nothing(ctx, clock, tmp_path, db_url):
    deploy_processes(ctx)
    desk = Desk(ctx, clock)        # units u1, u2 under the demo commune
    desk.at("2026-10-05")
    a_key, b_key = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    store = store_for(tmp_path)
    # B's administrator trusts A, by the command line; bad keys are one clear line.
    cli = _cli(db_url, tmp_path)
    cli("agencies", "trust", "add", "tinh-a", "--name", "UBND tỉnh A", "--signing-key", "abc",
        expect=1, says="Khóa ký (Ed25519) phải là 32 byte")
    added = cli("agencies", "trust", "add", "tinh-a", "--name", "UBND tỉnh A", "--signing-key",
                packages.raw_public(a_key.public_key()), "--json")
    assert json.loads(added)["state"] == "trusted"
    assert [a["agency_id"] for a in json.loads(cli("agencies", "trust", "list", "--json"))] == ["tinh-a"]
    receive = dict(own_agency="tinh-b", to_unit="u2", trusted=trust.trusted_keys(ctx),
                   own_key=b_key, store=store)
    package = _package(a_key, b_key.public_key())
    # On the way, the package shows no sealed identity.
    wire = json.dumps(package, ensure_ascii=False)
    assert NAME not in wire and ID_NUMBER not in wire and PHONE not in wire

    refusals = {
        "chữ ký số không đúng": lambda p: p["body"]["register"].update(summary="Đã sửa"),
        "không khớp mã băm": None,
        "chưa được cấu hình tin cậy": lambda p: p["body"]["origin"].update(agency="tinh-c"),
        "không đúng định dạng": lambda p: p.update(format=2),
    }
    for reason, tamper in refusals.items():
        bad = copy.deepcopy(package)
        if tamper is None:   # a document swapped, the package re-signed by A for another file
            bad = _package(a_key, b_key.public_key())
            bad["body"]["documents"][0]["content_base64"] = packages._b64(PDF + b"x")
            bad["signature"] = packages._b64(a_key.sign(packages.canonical(bad["body"])))
        else:
            tamper(bad)
        with pytest.raises(InvalidInput, match=reason):
            receive_package(ctx, bad, **receive)
    with pytest.raises(InvalidInput, match="không gửi cho cơ quan này"):
        receive_package(ctx, _package(a_key, b_key.public_key(), to_agency="tinh-x"), **receive)
    malformed = _package(a_key, b_key.public_key())   # signed by A, but not the format
    malformed["body"]["documents"] = ["không phải tài liệu"]
    malformed["signature"] = packages._b64(a_key.sign(packages.canonical(malformed["body"])))
    with pytest.raises(InvalidInput, match="không đúng định dạng"):
        receive_package(ctx, malformed, **receive)
    with pytest.raises(InvalidInput, match="không mở được danh tính"):   # sealed to someone else
        receive_package(ctx, _package(a_key, X25519PrivateKey.generate().public_key()), **receive)
    assert _count(ctx, Petition) == 0 and _count(ctx, CaseTransfer) == 0
    assert not any((tmp_path / "documents").glob("*"))   # no file kept either

    ack = receive_package(ctx, package, **receive)
    again = receive_package(ctx, copy.deepcopy(package), **receive)
    assert ack["tracking_code"] == "ABCDE-FGH23" and not ack["repeated"]
    assert again == {**ack, "repeated": True}
    assert _count(ctx, Petition) == 1 and _count(ctx, CaseTransfer) == 1
    assert _count(ctx, PetitionDocument) == 1
    with ctx.uow(write=False) as uow:
        row = uow.session.scalars(select(CaseTransfer)).one()
        petition = uow.session.get(Petition, row.petition_id)
        ready = uow.session.scalars(select(HumanTask.bpmn_id).where(
            HumanTask.instance_id == petition.instance_id, HumanTask.status == "ready")).all()
        assert (petition.unit_code, petition.identity_sealed, petition.forwarder_kind) == \
            ("u2", True, "body")
    assert (row.origin_agency, row.origin_number, row.slip_number) == ("tinh-a", "2026-000042", "05/PC")
    assert ready == ["Task_register"]
    # B's officers without the identity right see the denouncer masked; the identity opened.
    masked = registration.senders(ctx, petition.id, actor("b", "reception_officer", unit="u2"))
    assert masked[0]["masked"] and NAME not in json.dumps(masked, ensure_ascii=False)
    with ctx.uow(write=False) as uow:
        sender = uow.session.scalars(select(PetitionSender)).one()
        assert (sender.name, sender.id_number, sender.phone) == (NAME, ID_NUMBER, PHONE)

    # Once A is no longer trusted, its packages are refused.
    cli("agencies", "trust", "remove", "tinh-a")
    cli("agencies", "trust", "remove", "tinh-a", expect=1, says="Không có cơ quan tin cậy")
    with pytest.raises(InvalidInput, match="chưa được cấu hình tin cậy"):
        receive_package(ctx, _package(a_key, b_key.public_key(), origin_number="2026-000043"),
                        **{**receive, "trusted": trust.trusted_keys(ctx)})


def _cli(db_url, tmp_path):
    runner = CliRunner()

    def invoke(*args, expect=0, says=None):
        result = runner.invoke(cli_main, list(args), env={"DATABASE_URL": db_url,
                                                          "PETITIONS_DATA_DIR": str(tmp_path)})
        assert result.exit_code == expect, result.output
        if says is not None:
            assert says in result.output and "Traceback" not in result.output
        return result.output
    return invoke
