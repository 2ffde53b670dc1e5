"""Administrators' pages for units, users and supervision scopes (issue 15), SQLite and
PostgreSQL: administrators only, every change audited on the ``users`` chain, every refused
form changes nothing, a disabled user cannot log in, scopes change what a supervisor sees."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.accounts import delegations, directory, units, users
from engine.accounts.models import HeadDelegation, LoginSession, Unit, User
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.persistence.models import AuditEvent
from petitions.agencies.profiles import agency_for
from petitions.demo import DEMO_PASSWORD
from tests.integration.test_reports import Desk
from tests.web.conftest import csrf

STRONG = "ngựa-vằn-ăn-cỏ-lúc-bình-minh"
_KEY = re.compile(r'name="submission_key" value="([^"]+)"')
PROFILE = {"full_name": "Ủy ban nhân dân xã Bình Minh", "parent_body": "UBND huyện Demo",
           "address": "Số 1 đường Lê Lợi", "phone": "0243 999 888", "email": "xa@binhminh.vn",
           "head_position": "Chủ tịch", "head_name": "Trần Văn Bình"}


def _post(client, page_url: str, url: str, data: dict, *, key: str | None = None):
    page = client.get(page_url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    found = _KEY.search(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": csrf(page),
                                  "submission_key": key or found.group(1), **data})


def _events(engine_ctx, *types: str) -> list[tuple]:
    """The ``users`` chain's events of these types, after the demo seed's own."""
    with engine_ctx.uow(write=False) as uow:
        return [(e.event_type, e.actor, e.payload) for e in uow.session.scalars(
            select(AuditEvent).where(AuditEvent.chain == "users", AuditEvent.actor != "demo-seed",
                                     AuditEvent.event_type.in_(types)).order_by(AuditEvent.seq))]


def _text(response) -> str:
    return response.get_data(as_text=True)


PAGES = ["/people/units", "/people/units/new", "/people/units/ubnd-xa-demo", "/people/users",
         "/people/users/new", "/people/users/xuly"]
POSTS = ["/people/units/new", "/people/units/ubnd-xa-demo",
         "/people/units/ubnd-xa-demo/delegations", "/people/units/ubnd-xa-demo/delegations/revoke",
         "/people/users/new", "/people/users/xuly", "/people/users/xuly/active",
         "/people/users/xuly/password", "/people/users/giamsat/scopes",
         "/people/users/giamsat/scopes/remove"]


@pytest.mark.parametrize("username", ["tiepdan", "xuly", "truongdonvi", "giamsat"])
def test_other_roles_get_403_and_change_nothing(client, login, engine_ctx, username):
    login(username)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    token = csrf(client.get("/tasks/"))
    for url in POSTS:
        response = client.post(url, data={"csrf_token": token, "active": "no", "code": "x-1",
                                          "name": "X", "username": "moi", "roles": "supervisor",
                                          "password": STRONG, "password_again": STRONG,
                                          "unit": "ubnd-xa-demo"})
        assert response.status_code == 403, url
    assert client.get("/").status_code == 302
    with engine_ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(Unit.id).where(Unit.code == "x-1")) is None
        assert uow.session.scalar(select(User.active).where(User.username == "xuly")) is True


def test_anonymous_goes_to_login(client):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_administrator_creates_a_unit_with_its_profile_and_edits_it(client, login, engine_ctx):
    login("quantri")
    data = {"code": "xa-binh-minh", "name": "UBND xã Bình Minh", "parent": "ubnd-xa-demo",
            **PROFILE}
    # A refused profile field: neither the unit nor its profile is written.
    refused = _post(client, "/people/units/new", "/people/units/new",
                    {**data, "email": "khong phai thu"})
    assert refused.status_code == 400 and "Địa chỉ thư không hợp lệ" in _text(refused)
    assert 'value="UBND xã Bình Minh"' in _text(refused)  # what was typed stays
    with engine_ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(Unit.id).where(Unit.code == "xa-binh-minh")) is None

    created = _post(client, "/people/units/new", "/people/units/new", data)
    assert created.status_code == 303
    assert created.headers["Location"].endswith("/people/units/xa-binh-minh")
    with engine_ctx.uow(write=False) as uow:
        agency = agency_for(uow.session, "xa-binh-minh")
        tree = {n.code: (n.parent, n.depth) for n in units.tree(uow.session)}
    assert (agency.full_name, agency.address, agency.head_name, agency.email) == (
        PROFILE["full_name"], PROFILE["address"], PROFILE["head_name"], PROFILE["email"])
    assert tree["xa-binh-minh"] == ("ubnd-xa-demo", 1)
    assert _events(engine_ctx, "unit_created", "agency_profile_saved") == [
        ("unit_created", "quantri", {"unit": "xa-binh-minh", "name": "UBND xã Bình Minh",
                                     "parent": "ubnd-xa-demo"}),
        ("agency_profile_saved", "quantri", {"unit": "xa-binh-minh", "changed": PROFILE})]
    listing = _text(client.get("/people/units"))
    assert "UBND xã Bình Minh" in listing and "xa-binh-minh" in listing

    # Edit: the code stays whatever is sent; a cycle in the tree is refused.
    page = "/people/units/ubnd-xa-demo"
    cycle = _post(client, page, page, {"code": "doi-ma", "name": "UBND xã Demo",
                                       "parent": "xa-binh-minh", "full_name": "X"})
    assert cycle.status_code == 400 and "trực thuộc" in _text(cycle)
    page = "/people/units/xa-binh-minh"
    saved = _post(client, page, page, {"code": "doi-ma", "name": "UBND xã Bình Minh mới",
                                       "parent": "", **PROFILE, "head_name": "Lê Thị Hoa"})
    assert saved.status_code == 303
    with engine_ctx.uow(write=False) as uow:
        codes = set(uow.session.scalars(select(Unit.code)))
        assert agency_for(uow.session, "xa-binh-minh").head_name == "Lê Thị Hoa"
    assert "xa-binh-minh" in codes and "doi-ma" not in codes
    assert _events(engine_ctx, "unit_updated")[-1] == (
        "unit_updated", "quantri", {"unit": "xa-binh-minh", "changes": {
            "name": ["UBND xã Bình Minh", "UBND xã Bình Minh mới"],
            "parent": ["ubnd-xa-demo", None]}})
    assert _events(engine_ctx, "agency_profile_saved")[-1][2] == {
        "unit": "xa-binh-minh", "changed": {"head_name": "Lê Thị Hoa"}}
    assert client.get("/people/units/khong-co").status_code == 404


def test_a_double_click_creates_one_unit(client, login, engine_ctx):
    login("quantri")
    data = {"code": "xa-mot", "name": "UBND xã Một"}
    first = _post(client, "/people/units/new", "/people/units/new", data, key="k" * 24)
    again = _post(client, "/people/units/new", "/people/units/new", data, key="k" * 24)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(_events(engine_ctx, "unit_created")) == 1


def test_administrator_creates_and_edits_a_user(app, client, login, engine_ctx):
    login("quantri")
    data = {"username": "canbo_moi", "display_name": "Nguyễn Thị Mới", "email": "moi@xa.vn",
            "unit": "ubnd-xa-demo", "roles": ["handling_officer", "reception_officer"]}
    weak = _post(client, "/people/users/new", "/people/users/new", {**data, "password": "12345678"})
    assert weak.status_code == 400 and "Mật khẩu quá yếu" in _text(weak)
    bad_unit = _post(client, "/people/users/new", "/people/users/new",
                     {**data, "unit": "khong-co", "password": STRONG})
    assert bad_unit.status_code == 400 and "Không có đơn vị" in _text(bad_unit)
    bad_name = _post(client, "/people/users/new", "/people/users/new",
                     {**data, "username": "có dấu", "password": STRONG})
    assert bad_name.status_code == 400 and "Tên đăng nhập" in _text(bad_name)
    with engine_ctx.uow(write=False) as uow:
        assert set(uow.session.scalars(select(Unit.code))) == {"ubnd-xa-demo"}
    assert directory.list_users(engine_ctx, role="reception_officer")[0].username == "tiepdan"

    created = _post(client, "/people/users/new", "/people/users/new", {**data, "password": STRONG})
    assert created.status_code == 303 and created.headers["Location"].endswith("/users/canbo_moi")
    row = directory.get_user(engine_ctx, "canbo_moi")
    assert (row.display_name, row.email, row.unit, row.roles, row.active) == (
        "Nguyễn Thị Mới", "moi@xa.vn", "ubnd-xa-demo",
        ("handling_officer", "reception_officer"), True)
    other = app.test_client()
    page = other.get("/login")
    assert other.post("/login", data={"username": "canbo_moi", "password": STRONG,
                                      "csrf_token": csrf(page)}).status_code == 302

    page = "/people/users/canbo_moi"
    edited = _post(client, page, page, {"display_name": "Nguyễn Thị Mới Sửa", "email": "",
                                        "unit": "ubnd-xa-demo", "roles": ["supervisor"]})
    assert edited.status_code == 303
    assert _events(engine_ctx, "user_updated") == [("user_updated", "quantri", {
        "username": "canbo_moi", "changes": {
            "display_name": ["Nguyễn Thị Mới", "Nguyễn Thị Mới Sửa"], "email": ["moi@xa.vn", None],
            "roles": [["handling_officer", "reception_officer"], ["supervisor"]]}})]
    assert users.actor_for(engine_ctx, "canbo_moi").roles == {"supervisor"}
    no_role = _post(client, page, page, {"display_name": "X", "unit": "", "roles": []})
    assert no_role.status_code == 400 and "ít nhất một vai trò" in _text(no_role)
    assert directory.get_user(engine_ctx, "canbo_moi").display_name == "Nguyễn Thị Mới Sửa"

    listing = _text(client.get("/people/users?role=supervisor&active=yes&unit=ubnd-xa-demo"))
    assert 'data-user="canbo_moi"' in listing and 'data-user="giamsat"' in listing
    assert 'data-user="xuly"' not in listing
    assert client.get("/people/users/khong-co").status_code == 404


def test_a_disabled_user_cannot_log_in_and_loses_their_sessions(app, client, login, engine_ctx):
    xuly = app.test_client()
    page = xuly.get("/login")
    xuly.post("/login", data={"username": "xuly", "password": DEMO_PASSWORD,
                              "csrf_token": csrf(page)})
    assert xuly.get("/tasks/").status_code == 200
    login("quantri")
    page = "/people/users/xuly"
    assert _post(client, page, page + "/active", {"active": "no"}).status_code == 303
    response = xuly.get("/tasks/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page_ = xuly.get("/login")
    assert xuly.post("/login", data={"username": "xuly", "password": DEMO_PASSWORD,
                                     "csrf_token": csrf(page_)}).status_code == 401
    assert 'data-user="xuly"' in _text(client.get("/people/users?active=no"))
    # Never deleted: the user and their name are still there, and can be re-enabled.
    assert directory.get_user(engine_ctx, "xuly").active is False
    assert _post(client, page, page + "/active", {"active": "yes"}).status_code == 303
    assert directory.get_user(engine_ctx, "xuly").active is True
    assert [e[0] for e in _events(engine_ctx, "user_deactivated", "user_activated")] == [
        "user_deactivated", "user_activated"]


def test_an_administrator_cannot_lock_themselves_or_the_system_out(client, login, engine_ctx):
    login("quantri")
    page = "/people/users/quantri"
    own = _post(client, page, page + "/active", {"active": "no"})
    assert own.status_code == 400 and "Không thể tự vô hiệu hóa" in _text(own)
    own_role = _post(client, page, page, {"display_name": "Quản Trị", "unit": "ubnd-xa-demo",
                                          "roles": ["supervisor"]})
    assert own_role.status_code == 400 and "tự bỏ vai trò quản trị" in _text(own_role)
    # The last active administrator, whoever asks (the command line, another account).
    with pytest.raises(InvalidInput, match="quản trị viên cuối cùng"):
        users.set_active(engine_ctx, "quantri", False, actor="petitions-cli")
    with pytest.raises(InvalidInput, match="quản trị viên cuối cùng"):
        directory.update_user(engine_ctx, "quantri", display_name="Q", email=None,
                              unit="ubnd-xa-demo", roles=["supervisor"], actor="petitions-cli")
    assert users.actor_for(engine_ctx, "quantri").is_admin
    # With a second administrator, one may disable the other.
    users.add_user(engine_ctx, "quantri2", ["administrator"], actor="t", unit="ubnd-xa-demo",
                   password=STRONG)
    users.set_active(engine_ctx, "quantri", False, actor="quantri2")
    with pytest.raises(InvalidInput, match="quản trị viên cuối cùng"):
        users.set_active(engine_ctx, "quantri2", False, actor="petitions-cli")


def test_a_password_reset_ends_the_users_sessions(app, client, login, engine_ctx):
    xuly = app.test_client()
    page = xuly.get("/login")
    xuly.post("/login", data={"username": "xuly", "password": DEMO_PASSWORD,
                              "csrf_token": csrf(page)})
    login("quantri")
    page = "/people/users/xuly"
    mismatch = _post(client, page, page + "/password",
                     {"password": STRONG, "password_again": STRONG + "x"})
    assert mismatch.status_code == 400 and "không khớp" in _text(mismatch)
    weak = _post(client, page, page + "/password", {"password": "xuly2026",
                                                    "password_again": "xuly2026"})
    assert weak.status_code == 400 and "Mật khẩu quá yếu" in _text(weak)
    assert xuly.get("/tasks/").status_code == 200  # nothing changed yet
    done = _post(client, page, page + "/password", {"password": STRONG, "password_again": STRONG})
    assert done.status_code == 303
    assert STRONG not in _text(client.get(page))
    assert xuly.get("/tasks/").status_code == 302
    assert users.authenticate(engine_ctx, "xuly", STRONG).username == "xuly"
    assert users.authenticate(engine_ctx, "xuly", DEMO_PASSWORD) is None
    assert _events(engine_ctx, "password_set")[-1] == ("password_set", "quantri",
                                                       {"username": "xuly"})
    with engine_ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(LoginSession.revoked_reason).where(
            LoginSession.username == "xuly")) == "password_changed"


def test_administrator_records_and_revokes_an_acting_head(client, login, engine_ctx, clock):
    login("quantri")
    page = "/people/units/ubnd-xa-demo"
    today = (clock.now() + timedelta(hours=7)).date()
    data = {"head": "truongdonvi", "acting": "xuly", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=6)).isoformat(), "reason": "Quyết định 12/QĐ"}
    not_head = _post(client, page, page + "/delegations", {**data, "head": "xuly2"})
    assert not_head.status_code == 400 and "thủ trưởng" in _text(not_head)
    no_reason = _post(client, page, page + "/delegations", {**data, "reason": " "})
    assert no_reason.status_code == 400 and "lý do" in _text(no_reason)
    assert "head_of_unit" not in users.actor_for(engine_ctx, "xuly").roles
    assert _post(client, page, page + "/delegations", data).status_code == 303
    assert "head_of_unit" in users.actor_for(engine_ctx, "xuly").roles
    with engine_ctx.uow(write=False) as uow:
        row = uow.session.scalar(select(HeadDelegation))
    assert (row.head_username, row.acting_username, row.created_by) == (
        "truongdonvi", "xuly", "quantri")
    shown = _text(client.get(page))
    assert f'data-delegation="{row.id}"' in shown and "Quyết định 12/QĐ" in shown
    assert "Đang hiệu lực" in shown
    assert _post(client, page, page + "/delegations/revoke",
                 {"delegation_id": str(row.id)}).status_code == 303
    assert "head_of_unit" not in users.actor_for(engine_ctx, "xuly").roles
    again = _post(client, page, page + "/delegations/revoke", {"delegation_id": str(row.id)})
    assert again.status_code == 409 and "đã bị thu hồi" in _text(again)
    assert [(e[0], e[1]) for e in _events(engine_ctx, "head_delegated",
                                          "head_delegation_revoked")] == [
        ("head_delegated", "quantri"), ("head_delegation_revoked", "quantri")]


def test_a_scope_given_on_the_page_shows_the_units_cases_to_the_supervisor(
        app, client, login, engine_ctx, clock):
    desk = Desk(engine_ctx, clock)
    desk.at("2026-11-23")
    with engine_ctx.uow() as uow:
        units.create(uow.session, "xa-ngoai", "UBND xã Ngoài", None, actor="t",
                     now=clock.now(), lock=uow.dialect == "postgresql")
        uow.commit()
    case = desk.register("2026-11-20", unit="xa-ngoai", summary="Đơn về thu hồi đất ở thôn Cồn Ngoài")
    giamsat = app.test_client()
    page = giamsat.get("/login")
    giamsat.post("/login", data={"username": "giamsat", "password": DEMO_PASSWORD,
                                 "csrf_token": csrf(page)})
    history = f"/supervision/instances/{case['instance_id']}"
    assert giamsat.get(history).status_code == 404
    assert "thôn Cồn Ngoài" not in _text(giamsat.get("/supervision/search?q=thu+hoi"))

    login("quantri")
    page = "/people/users/giamsat"
    assert _post(client, page, page + "/scopes", {"unit": "xa-ngoai"}).status_code == 303
    assert 'data-scope="xa-ngoai"' in _text(client.get(page))
    assert giamsat.get(history).status_code == 200
    assert "thôn Cồn Ngoài" in _text(giamsat.get("/supervision/search?q=thu+hoi"))

    assert _post(client, page, page + "/scopes/remove", {"unit": "xa-ngoai"}).status_code == 303
    assert giamsat.get(history).status_code == 404
    assert "thôn Cồn Ngoài" not in _text(giamsat.get("/supervision/search?q=thu+hoi"))
    not_supervisor = _post(client, "/people/users/xuly", "/people/users/xuly/scopes",
                           {"unit": "xa-ngoai"})
    assert not_supervisor.status_code == 400 and "cán bộ giám sát" in _text(not_supervisor)


def test_only_administrators_record_for_a_head_and_only_the_unit_revokes(engine_ctx, clock):
    start, end = clock.now(), clock.now() + timedelta(days=3)
    officer = users.actor_for(engine_ctx, "xuly")
    with pytest.raises(Forbidden):
        delegations.delegate_for_head(engine_ctx, "ubnd-xa-demo", "truongdonvi", "xuly2", start,
                                      end, "Quyết định 1", actor=officer)
    made = delegations.delegate_for_head(engine_ctx, "ubnd-xa-demo", "truongdonvi", "xuly2",
                                         start, end, "Quyết định 1",
                                         actor=users.actor_for(engine_ctx, "quantri"))
    other_head = replace(users.actor_for(engine_ctx, "truongdonvi"), unit="xa-khac")
    with pytest.raises(Forbidden):
        delegations.revoke(engine_ctx, made["id"], "xa-khac", actor=officer)
    with pytest.raises(NotFound):  # the delegation is not of the unit named
        delegations.revoke(engine_ctx, made["id"], "xa-khac", actor=other_head)
    delegations.revoke(engine_ctx, made["id"], "ubnd-xa-demo",
                       actor=users.actor_for(engine_ctx, "truongdonvi"))
    assert "head_of_unit" not in users.actor_for(engine_ctx, "xuly2").roles
