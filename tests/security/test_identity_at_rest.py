"""Senders' identities are encrypted at rest, found by keyed hash, and their keys rotate."""
from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from engine.errors import InvalidInput
from petitions.persistence import key_rotation, vault as identity_vault
from petitions.persistence.vault import IdentityKeyError, Keyring
from petitions.register import duplicates, registration
from petitions.register.registration import Registration, Sender
from petitions.settings import Settings
from petitions.supervision import search
from petitions.upgrade import encrypt_legacy_identities, upgrade
from petitions.wiring import build_context
from petitions_cli.main import cli
from tests.bpmn.harness import deploy_processes
from tests.support import actor
from tests.web.conftest import app, client, csrf, engine_ctx, login  # noqa: F401 (web fixtures)

RECEPTION = actor("tiepdan", "reception_officer", unit="ubnd-xa-demo")
SUPERVISOR = actor("giamsat", "supervisor", unit="ubnd-xa-demo")
NAME, ID_NUMBER, PHONE = "Hoàng Thị Xuyến", "038195001234", "0987654321"
ADDRESS, ETHNICITY = "Thôn Bản Phiệt số 17", "Tày"
CLEAR = (NAME, ID_NUMBER, PHONE, ADDRESS, ETHNICITY)


@pytest.fixture(autouse=True)
def fresh_keyring():
    """Each test starts with its own key (the process keyring is global: put the old one back)."""
    before = identity_vault.active()
    identity_vault.install(Keyring.generate())
    yield
    if before is not None:
        identity_vault.install(before)


def _register(ctx, *, summary="Khiếu nại việc cấp giấy chứng nhận quyền sử dụng đất", phone=PHONE,
              id_number=ID_NUMBER, petition_type="complaint") -> dict:
    return registration.register(ctx, RECEPTION, Registration(
        received_on=date(2026, 11, 20), channel="direct", petition_type=petition_type,
        field="land_housing", summary=summary,
        senders=[Sender(name=NAME, id_number=id_number, phone=phone, ethnicity=ETHNICITY,
                        province_code="1", address_detail=ADDRESS)]))


def _file_keyring(folder: Path) -> Keyring:
    settings = Settings(data_dir=folder, database_url="sqlite://")
    keyring = identity_vault.load_keyring(settings)
    identity_vault.install(keyring)
    return keyring


def _raw_text(db_url: str) -> str:
    """Everything the database holds, as stored: the SQLite file's bytes (with its WAL), or
    every row of every table on PostgreSQL read as text (no column type decrypts it)."""
    if db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        con = sqlite3.connect(path)  # a checkpoint writes the WAL back into the file
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        data = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        return data.decode("utf-8", errors="replace")
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return "\n".join(row[0] for table in tables for row in conn.execute(
                text(f'SELECT t::text FROM "{table}" t')))
    finally:
        engine.dispose()


def test_no_sender_identity_is_stored_in_clear(ctx, db_url):
    deploy_processes(ctx)
    registered = _register(ctx)
    ctx.close()
    stored = _raw_text(db_url)
    assert "v1:" in stored and "Khiếu nại việc cấp giấy" in stored  # the dump holds the rows
    for value in CLEAR:
        assert value not in stored, value
    # Every reader still sees the clear values, through the column type.
    shown = registration.senders(ctx, registered["petition_id"], RECEPTION)[0]
    assert (shown["name"], shown["id_number"], shown["phone"], shown["ethnicity"]) == \
        (NAME, ID_NUMBER, PHONE, ETHNICITY)
    assert ADDRESS in shown["address"]


def test_exact_search_and_duplicates_go_through_the_keyed_hash(ctx):
    deploy_processes(ctx)
    first = _register(ctx)
    second = _register(ctx, summary="Đề nghị xem xét lại việc bồi thường giải phóng mặt bằng",
                       phone="+84987654321", petition_type="recommendation")
    other = _register(ctx, summary="Phản ánh tiếng ồn công trường ban đêm", id_number="001203009999",
                      phone="0912000111")
    ids = {first["petition_id"], second["petition_id"]}
    assert set(search.identity_matches(ctx, "id_number", ID_NUMBER)) == ids
    # "+84 987 654 321" and "0987654321" are the same phone.
    assert set(search.identity_matches(ctx, "phone", "+84 987 654 321")) == ids
    assert search.identity_matches(ctx, "id_number", "079188001122") == []
    found = search.identity_search(ctx, "id_number", ID_NUMBER, SUPERVISOR)
    assert {row["id"] for row in found["rows"]} <= ids | {other["petition_id"]}
    assert other["petition_id"] not in {row["id"] for row in found["rows"]}
    for kind, bad in (("id_number", "12ab"), ("phone", "12"), ("name", NAME)):
        with pytest.raises(InvalidInput):
            search.identity_matches(ctx, kind, bad)
    similar = duplicates.find_similar(ctx, "Phản ánh về đèn đường", [ID_NUMBER])
    assert {s["petition_id"] for s in similar if "Cùng số định danh" in s["reasons"]} == ids


def test_blind_index_normalises_and_depends_on_the_key():
    phone = identity_vault.blind_index("phone", "0987 654 321")
    assert phone == identity_vault.blind_index("phone", "+84987654321") == \
        identity_vault.blind_index("phone", "0084 987 654 321")
    assert identity_vault.blind_index("name", "  HOÀNG  thị xuyến ") == \
        identity_vault.blind_index("name", "Hoàng Thị Xuyến")
    assert len(phone) == 64 and PHONE not in phone
    identity_vault.install(Keyring.generate())
    assert identity_vault.blind_index("phone", PHONE) != phone


def test_wrong_key_gives_a_clear_error(ctx, tmp_path, db_url):
    deploy_processes(ctx)
    registered = _register(ctx)
    token = identity_vault.encrypt(NAME, "petition_senders.name")
    with pytest.raises(IdentityKeyError, match="không mở được"):  # same key, other column
        identity_vault.decrypt(token, "petition_senders.phone")
    identity_vault.install(Keyring.generate())  # another installation's key
    with pytest.raises(IdentityKeyError, match="Không có khóa"):
        registration.senders(ctx, registered["petition_id"], RECEPTION)
    # A process started with the wrong key file stops at once, saying why.
    settings = Settings(data_dir=tmp_path / "other", database_url=db_url)
    with pytest.raises(IdentityKeyError, match="IDENTITY_KEY_FILE"):
        build_context(settings)
    with pytest.raises(IdentityKeyError, match="IDENTITY_KEYS"):
        identity_vault.load_keyring(Settings(data_dir=tmp_path, identity_keys="k1-no-colon"))


def test_rotation_round_trip_resumes_and_retires_the_old_keys(ctx, tmp_path):
    deploy_processes(ctx)
    old = _file_keyring(tmp_path)
    registered = [_register(ctx, summary=f"Khiếu nại số {i} về đất đai") for i in range(3)]
    assert key_rotation.usage(ctx)[old.active_id]["petition_senders.name"] == 3

    # A rotation killed after its first batch: the next run finishes it, adding no third key.
    def killed(line):
        raise KeyboardInterrupt(line)
    grown = old.with_new_key().with_new_key(index=True)
    grown.save()
    identity_vault.install(grown)
    with pytest.raises(KeyboardInterrupt):
        key_rotation.reencrypt(ctx, batch_size=1, progress=killed)
    usage = key_rotation.usage(ctx)
    assert usage[grown.active_id]["petition_senders.name"] == 1
    assert usage[old.active_id]["petition_senders.name"] == 2
    lines: list[str] = []
    later = datetime.now(timezone.utc) + timedelta(minutes=1)
    result = key_rotation.rotate(ctx, index_key=True, batch_size=2, progress=lines.append, now=later)
    assert result["added"] == [] and result["rewritten"] == 2 and result["reindexed"] == 3
    assert sorted(result["retired"]) == sorted([old.active_id, old.index_id])
    assert any("đã mã hóa lại" in line for line in lines)

    on_disk = identity_vault.read_key_file(tmp_path / "keys" / "identity.keys")
    assert list(on_disk.keys) == [grown.active_id] and list(on_disk.index_keys) == [grown.index_id]
    usage = key_rotation.usage(ctx)
    assert list(usage) == [grown.active_id]  # nothing left under the retired keys
    assert {k: v for k, v in usage[grown.active_id].items() if k.startswith("petition_senders")} \
        == {f"petition_senders.{c}": 3 for c in ("name", "id_number", "phone", "ethnicity",
                                                 "address_detail")}
    # Every encrypted column of the metadata is covered, the protected originals too.
    assert "protected_texts.original" in usage[grown.active_id]
    assert registration.senders(ctx, registered[0]["petition_id"], RECEPTION)[0]["name"] == NAME
    assert len(search.identity_matches(ctx, "id_number", ID_NUMBER)) == 3  # new index key
    identity_vault.install(Keyring(old.keys, old.index_keys))  # a copy of the old key alone
    with pytest.raises(IdentityKeyError):
        registration.senders(ctx, registered[0]["petition_id"], RECEPTION)


def test_cli_keys_status_and_rotate(db_url, tmp_path, ctx):
    deploy_processes(ctx)
    env = {"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    first = json.loads(runner.invoke(cli, ["keys", "status", "--json"], env=env).stdout)
    _register(ctx)  # written with the key the CLI just made (the last installed)
    status = runner.invoke(cli, ["keys", "status", "--json"], env=env)
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["keys"] == [{**first["keys"][0], "values": 5}]
    rotated = runner.invoke(cli, ["keys", "rotate", "--json"], env=env)
    assert rotated.exit_code == 0, rotated.output
    result = json.loads(rotated.stdout)
    assert len(result["added"]) == 1 and result["rewritten"] == 1
    assert result["retry_later"] is True  # the old key stays until other processes reloaded
    after = json.loads(runner.invoke(cli, ["keys", "status", "--json"], env=env).stdout)
    assert {k["id"]: k["values"] for k in after["keys"]} == {first["keys"][0]["id"]: 0,
                                                             result["added"][0]: 5}


def test_legacy_clear_rows_are_encrypted_after_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0006")
    con = sqlite3.connect(tmp_path / "old.sqlite3")
    con.execute("INSERT INTO petitions (id, number, tracking_code, received_on, channel, "
                "forwarder_kind, petition_type, field, summary, priority_markers, signers, "
                "remote_area, identity_sealed, search_text, created_by, created_at) VALUES "
                "(1, '2025-000001', 'AAAAA-BBBBB', '2025-05-01', 'direct', 'none', 'complaint', "
                "'land_housing', ?, '[]', 1, 0, 0, ?, 'cu', '2025-05-01 00:00:00')",
                (f"Đơn của {NAME.upper()}", "don cua " + NAME))
    con.execute("INSERT INTO petition_senders (petition_id, position, name, id_number, phone, "
                "is_representative) VALUES (1, 0, ?, ?, ?, 0)", (NAME, ID_NUMBER, PHONE))
    con.commit()
    con.close()
    upgrade(url)  # migration 0007, then the clear rows are encrypted with the active key
    con = sqlite3.connect(tmp_path / "old.sqlite3")
    name, number, id_hash, phone_hash = con.execute(
        "SELECT name, id_number, id_number_hash, phone_hash FROM petition_senders").fetchone()
    con.close()
    assert name.startswith("v1:") and number.startswith("v1:")
    assert identity_vault.decrypt(name, "petition_senders.name") == NAME
    assert id_hash == identity_vault.blind_index("id_number", ID_NUMBER)
    assert phone_hash == identity_vault.blind_index("phone", PHONE)
    con = sqlite3.connect(tmp_path / "old.sqlite3")
    summary, search_text = con.execute("SELECT summary, search_text FROM petitions").fetchone()
    originals = con.execute("SELECT original FROM protected_texts").fetchall()
    con.close()
    # The old letter's texts are cut as a new letter's would be; the original kept encrypted.
    assert summary == "Đơn của [thông tin được bảo mật]"
    assert search_text == "don cua thong tin duoc bao mat"
    assert identity_vault.decrypt(originals[0][0], "protected_texts.original") == \
        f"Đơn của {NAME.upper()}"
    assert encrypt_legacy_identities(url) == 0  # idempotent


def test_supervisors_search_by_id_number_through_a_post(client, login, engine_ctx):
    from engine.accounts.users import actor_for
    registered = _register_as(engine_ctx, actor_for(engine_ctx, "tiepdan"))
    login("giamsat")
    page = client.get("/supervision/search")
    assert 'action="/supervision/search/identity"' in page.get_data(as_text=True)
    token = csrf(page)
    found = client.post("/supervision/search/identity",
                        data={"kind": "id_number", "value": ID_NUMBER, "csrf_token": token})
    assert found.status_code == 200 and found.headers["Cache-Control"] == "no-store"
    html = found.get_data(as_text=True)
    assert registered["number"] in html and ID_NUMBER not in html
    missed = client.post("/supervision/search/identity",
                         data={"kind": "phone", "value": "0911222333", "csrf_token": token})
    assert registered["number"] not in missed.get_data(as_text=True)
    bad = client.post("/supervision/search/identity",
                      data={"kind": "id_number", "value": "12ab", "csrf_token": token})
    assert bad.status_code == 400 and "12 chữ số" in bad.get_data(as_text=True)
    assert client.post("/supervision/search/identity",
                       data={"kind": "id_number", "value": ID_NUMBER}).status_code == 400  # no CSRF
    assert client.get(f"/supervision/search/identity?value={ID_NUMBER}").status_code == 405


def _register_as(ctx, officer) -> dict:
    return registration.register(ctx, officer, Registration(
        received_on=date(2026, 11, 20), channel="direct", petition_type="complaint",
        field="land_housing", summary="Khiếu nại việc cấp giấy chứng nhận quyền sử dụng đất",
        senders=[Sender(name=NAME, id_number=ID_NUMBER, phone=PHONE, province_code="1")]))
