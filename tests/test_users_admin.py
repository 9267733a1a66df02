"""User and scope management by the town grid office: create with a scope that fits the role,
change scope and role, disable (ending sessions), reset passwords, all or nothing, all audited;
nobody else can reach these pages."""
import json
from datetime import timedelta

import pytest
from geoalchemy2.shape import to_shape
from shapely.geometry import box
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token, login
from webgis.audit.models import AuditEntry
from webgis.auth.sessions import now
from webgis.auth.models import User
from webgis.users import services

NEW_PASSWORD = "Gl#Start2026"


@pytest.fixture()
def town(small_town, make):
    """small_town plus a second village with one grid, and a second police station."""
    t = small_town["town"]
    st2 = make.station(t, name="城西派出所")
    v2 = make.village(t, st2, bounds=(121.62, 31.80, 121.64, 31.82), name="东村")
    g3 = make.grid(v2, (121.62, 31.80, 121.64, 31.82), number=1)
    return {**small_town, "station2": st2, "village2": v2, "grid3": g3}


@pytest.fixture()
def admin_client(client, town):
    assert login(client, "t_admin").status_code == 302
    return client


def post(client, path, data, token_page="/admin/users"):
    return client.post(path, data={"csrf_token": csrf_token(client, token_page), **data})


def user_named(db_session, username) -> User | None:
    return db_session.execute(select(User).where(User.username == username)
                              .execution_options(populate_existing=True)).scalar_one_or_none()


def last_admin_entry(db_session) -> AuditEntry:
    return db_session.execute(select(AuditEntry).where(AuditEntry.action == "user_admin")
                              .order_by(AuditEntry.id.desc()).limit(1)).scalar_one()


def create_form(**kw):
    data = {"username": "gl_wang", "display_name": "王网格", "role": "grid_leader",
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    data.update(kw)
    return data


# --- listing ----------------------------------------------------------------------------

def test_list_and_filter(admin_client, town, make):
    make.user(town["town"], role="grid_leader", username="gl_a", grids=[town["grids"][0]])
    make.user(town["town"], role="police", username="pol_b", station_id=town["station"].id)
    make.user(town["town"], role="grid_leader", username="gl_east", grids=[town["grid3"]])
    html = admin_client.get("/admin/users").get_data(as_text=True)
    assert all(name in html for name in ("gl_a", "pol_b", "gl_east", "t_admin"))
    police = admin_client.get("/admin/users?role=police").get_data(as_text=True)
    assert "pol_b" in police and "gl_a" not in police
    east = admin_client.get(f"/admin/users?village={town['village2'].id}").get_data(as_text=True)
    assert "gl_east" in east and "gl_a" not in east and "东村第1网格" in east


def test_other_towns_users_are_not_listed_or_reachable(admin_client, town, make, db_session):
    other_town = make.town()
    stranger = make.user(other_town, role="town_admin", username="stranger")
    assert "stranger" not in admin_client.get("/admin/users").get_data(as_text=True)
    assert admin_client.get(f"/admin/users/{stranger.id}").status_code == 404
    refused = db_session.execute(select(AuditEntry).where(AuditEntry.action == "access_denied")
                                 .order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert refused.object_type == "user" and refused.object_id == str(stranger.id)


# --- creating ---------------------------------------------------------------------------

def test_create_grid_leader_with_grids(admin_client, town, db_session):
    g1, g2 = town["grids"]
    resp = post(admin_client, "/admin/users/new", create_form(grid_ids=[g1.id, g2.id]), "/admin/users/new")
    assert resp.status_code == 302
    user = user_named(db_session, "gl_wang")
    assert user.role == "grid_leader" and user.town_id == town["town"].id
    assert {g.id for g in user.grids} == {g1.id, g2.id}
    assert user.must_change_password and user.password_hash.startswith("$argon2id$")
    entry = last_admin_entry(db_session)
    assert entry.object_id == str(user.id) and entry.detail["op"] == "create"
    assert entry.detail["before"] is None and entry.detail["after"]["grids"] == sorted([g1.code, g2.code])
    assert NEW_PASSWORD not in json.dumps(entry.detail) and "argon2" not in json.dumps(entry.detail)


def test_new_user_must_change_the_initial_password(admin_client, app, town, db_session):
    post(admin_client, "/admin/users/new", create_form(grid_ids=[town["grids"][0].id]), "/admin/users/new")
    fresh = app.test_client()
    resp = login(fresh, "gl_wang", NEW_PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/password")


def test_create_village_admin_police_and_inspector(admin_client, town, db_session):
    v, v2 = town["village"], town["village2"]
    assert post(admin_client, "/admin/users/new", create_form(username="va_li", role="village_admin",
                village_id=v.id), "/admin/users/new").status_code == 302
    assert user_named(db_session, "va_li").village_id == v.id
    assert post(admin_client, "/admin/users/new", create_form(username="pol_zhou", role="police",
                station_id=town["station2"].id), "/admin/users/new").status_code == 302
    assert user_named(db_session, "pol_zhou").station_id == town["station2"].id
    resp = post(admin_client, "/admin/users/new", create_form(username="insp_qian", role="inspector",
                area_village_ids=[v.id, v2.id], grid_ids=[town["grid3"].id]), "/admin/users/new")
    assert resp.status_code == 302
    inspector = user_named(db_session, "insp_qian")
    area = to_shape(inspector.area)
    assert area.geom_type == "MultiPolygon"
    assert area.equals_exact(box(121.60, 31.80, 121.64, 31.82), 1e-9) or \
        area.symmetric_difference(box(121.60, 31.80, 121.64, 31.82)).area < 1e-12
    assert [g.id for g in inspector.grids] == [town["grid3"].id]
    assert services.area_village_ids(inspector) == sorted([v.id, v2.id])
    edit_page = admin_client.get(f"/admin/users/{inspector.id}").get_data(as_text=True)
    assert f'name="area_village_ids" value="{v2.id}" checked' in edit_page


@pytest.mark.parametrize("form, field_message", [
    (dict(password="Admin@123", confirm="Admin@123"), "过于常见"),
    (dict(password="short1A", confirm="short1A"), "至少8位"),
    (dict(password="Gl_wang#2026", confirm="Gl_wang#2026"), "包含用户名"),
    (dict(confirm="Other#Pass2026"), "两次输入的密码不一致"),
    (dict(role="grid_leader"), "至少选择一个网格"),
    (dict(role="village_admin"), "须选择所属村（居）"),
    (dict(role="police"), "须选择所属派出所"),
    (dict(role="inspector"), "须选择检查区域"),
    (dict(role="boss"), "请选择角色"),
    (dict(username="a b"), "用户名须为3-40位"),
    (dict(username="T_ADMIN", role="town_admin"), "已被使用"),
    (dict(display_name=""), "请输入姓名"),
    (dict(grid_ids=["999999"]), "不存在的网格"),
])
def test_create_refuses_with_a_clear_message_and_writes_nothing(admin_client, town, db_session, form, field_message):
    before = db_session.execute(select(User.id)).scalars().all()
    resp = post(admin_client, "/admin/users/new", create_form(**form), "/admin/users/new")
    assert resp.status_code == 400
    assert field_message in resp.get_data(as_text=True)
    assert db_session.execute(select(User.id)).scalars().all() == before


def test_grids_of_another_town_are_refused(admin_client, town, make, db_session):
    other = make.town()
    st = make.station(other)
    v = make.village(other, st, code="OTHER")
    foreign = make.grid(v, (121.0, 31.0, 121.1, 31.1))
    resp = post(admin_client, "/admin/users/new", create_form(grid_ids=[foreign.id]), "/admin/users/new")
    assert resp.status_code == 400 and user_named(db_session, "gl_wang") is None


# --- changing ---------------------------------------------------------------------------

def test_scope_change_follows_grid_assignment_and_is_audited(admin_client, town, make, db_session):
    g1, g2 = town["grids"]
    leader = make.user(town["town"], role="grid_leader", username="gl_zhao", grids=[g1])
    page = f"/admin/users/{leader.id}"
    resp = post(admin_client, page, {"display_name": "赵网格", "role": "grid_leader",
                                     "grid_ids": [g2.id, town["grid3"].id]}, page)
    assert resp.status_code == 302
    leader = user_named(db_session, "gl_zhao")
    assert {g.id for g in leader.grids} == {g2.id, town["grid3"].id}
    entry = last_admin_entry(db_session)
    assert entry.detail["op"] == "update"
    assert set(entry.detail["before"]) == {"display_name", "grids"}  # only what changed
    assert entry.detail["before"]["grids"] == [g1.code]
    assert entry.detail["after"]["grids"] == sorted([g2.code, town["grid3"].code])
    assert entry.detail["after"]["display_name"] == "赵网格"


def test_role_change_clears_the_old_scope_and_ends_sessions(admin_client, app, town, make, db_session):
    leader = make.user(town["town"], role="grid_leader", username="gl_sun", grids=list(town["grids"]))
    theirs = app.test_client()
    login(theirs, "gl_sun")
    page = f"/admin/users/{leader.id}"
    resp = post(admin_client, page, {"display_name": "孙", "role": "village_admin",
                                     "village_id": town["village"].id, "grid_ids": [town["grids"][0].id]}, page)
    assert resp.status_code == 302
    leader = user_named(db_session, "gl_sun")
    assert leader.role == "village_admin" and leader.village_id == town["village"].id and leader.grids == []
    assert theirs.get("/api/buildings/%d" % town["buildings"][0].id).status_code == 401


def test_disable_ends_sessions_and_enable_restores_login(admin_client, app, town, make, db_session):
    leader = make.user(town["town"], role="grid_leader", username="gl_qian", grids=[town["grids"][0]])
    theirs = app.test_client()
    login(theirs, "gl_qian")
    api = "/api/buildings/%d" % town["buildings"][0].id
    assert theirs.get(api).status_code == 200
    page = f"/admin/users/{leader.id}"
    assert post(admin_client, f"{page}/active", {"active": "0"}, page).status_code == 302
    assert theirs.get(api).status_code == 401
    assert login(theirs, "gl_qian").status_code == 401
    entry = last_admin_entry(db_session)
    assert entry.detail["op"] == "disable" and entry.detail["sessions_ended"] == 1
    assert entry.detail["before"] == {"active": True} and entry.detail["after"] == {"active": False}
    assert post(admin_client, f"{page}/active", {"active": "1"}, page).status_code == 302
    assert login(theirs, "gl_qian").status_code == 302


def test_admin_cannot_disable_or_demote_themselves(admin_client, town, db_session):
    admin = town["admin"]
    page = f"/admin/users/{admin.id}"
    resp = post(admin_client, f"{page}/active", {"active": "0"}, page)
    assert resp.status_code == 400 and "不能停用自己的账户" in resp.get_data(as_text=True)
    resp = post(admin_client, page, {"display_name": "管理员", "role": "grid_leader",
                                     "grid_ids": [town["grids"][0].id]}, page)
    assert resp.status_code == 400 and "不能修改自己的角色" in resp.get_data(as_text=True)
    assert user_named(db_session, "t_admin").role == "town_admin"


def test_reset_password_unlocks_and_ends_sessions(admin_client, app, town, make, db_session):
    leader = make.user(town["town"], role="grid_leader", username="gl_zhou", grids=[town["grids"][0]])
    theirs = app.test_client()
    login(theirs, "gl_zhou")
    leader.failed_count = 3
    db_session.flush()
    page = f"/admin/users/{leader.id}"
    weak = post(admin_client, f"{page}/password", {"password": "12345678", "confirm": "12345678"}, page)
    assert weak.status_code == 400 and "过于常见" in weak.get_data(as_text=True)
    resp = post(admin_client, f"{page}/password", {"password": "Reset#Pass2026", "confirm": "Reset#Pass2026"}, page)
    assert resp.status_code == 302
    assert theirs.get("/api/buildings/%d" % town["buildings"][0].id).status_code == 401
    leader = user_named(db_session, "gl_zhou")
    assert leader.must_change_password and leader.failed_count == 0
    assert login(theirs, "gl_zhou", PASSWORD).status_code == 401
    assert login(theirs, "gl_zhou", "Reset#Pass2026").status_code == 302
    entry = last_admin_entry(db_session)
    assert entry.detail["op"] == "reset_password" and "Reset#Pass" not in json.dumps(entry.detail)


def test_unlock(admin_client, town, make, db_session):
    leader = make.user(town["town"], role="grid_leader", username="gl_wu", grids=[town["grids"][0]])
    leader.locked_until = now() + timedelta(minutes=10)
    db_session.flush()
    page = f"/admin/users/{leader.id}"
    assert "解除锁定" in admin_client.get(page).get_data(as_text=True)
    assert post(admin_client, f"{page}/unlock", {}, page).status_code == 302
    assert user_named(db_session, "gl_wu").locked_until is None
    assert last_admin_entry(db_session).detail["op"] == "unlock"


# --- nobody else ------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["village_admin", "grid_leader", "police", "station_admin", "inspector",
                                  "liaison", "property"])
def test_non_admins_get_404_everywhere(client, town, make, db_session, role):
    kw = {"village_id": town["village"].id} if role == "village_admin" else {}
    make.user(town["town"], role=role, username=f"x_{role}", grids=[town["grids"][0]], **kw)
    login(client, f"x_{role}")
    admin_id = town["admin"].id
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{admin_id}"):
        assert client.get(path).status_code == 404
    token = csrf_token(client, "/account/password")
    assert client.post(f"/admin/users/{admin_id}/active", data={"csrf_token": token, "active": "0"}).status_code == 404
    assert user_named(db_session, "t_admin").active
    refusals = db_session.execute(select(AuditEntry).where(AuditEntry.action == "access_denied",
                                                           AuditEntry.username == f"x_{role}")).scalars().all()
    assert len(refusals) == 4
