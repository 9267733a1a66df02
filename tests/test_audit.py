"""The audit log: append-only in the database, hash-chained and verifiable, written on
logins, failures, logouts, refusals, reveals, exports and changes, with nothing secret in it;
the town admin's page to browse it, which nobody else may see."""
import json
import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import PASSWORD, csrf_token, login
from webgis.audit import services as audit
from webgis.audit.models import AuditEntry
from webgis.extensions import db


def rows(db_session, **where) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return list(db_session.execute(stmt).scalars())


def verify(db_session):
    return db_session.execute(select(func.gc_audit_verify())).scalar()


# --- the table ------------------------------------------------------------------------

def test_trigger_sets_id_time_and_chain(db_session, small_town):
    a = audit.record("export", "person", 1, {"count": 3}, user=small_town["admin"])
    b = audit.record("export", "person", 2, {"count": 4}, user=small_town["admin"])
    db_session.refresh(a)
    db_session.refresh(b)
    assert b.id > a.id and b.at >= a.at
    assert len(a.hash) == len(b.hash) == 64
    assert b.prev_hash == a.hash
    assert verify(db_session) is None


def test_rows_cannot_be_updated_deleted_or_truncated(db_session, small_town):
    entry = audit.record("login", "user", small_town["admin"].id, user=small_town["admin"])
    for sql in ("UPDATE audit_log SET action = 'logout' WHERE id = :id",
                "DELETE FROM audit_log WHERE id = :id",
                "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only|permission denied"):
            with db_session.begin_nested():
                db_session.execute(text(sql), {"id": entry.id})
    assert db_session.get(AuditEntry, entry.id).action == "login"


def test_supplied_hashes_and_times_are_ignored(db_session):
    db_session.execute(text("INSERT INTO audit_log (id, at, action, prev_hash, hash) "
                            "VALUES (1, '2000-01-01', 'login', 'x', 'y')"))
    entry = db_session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert entry.hash != "y" and entry.prev_hash != "x" and entry.at.year > 2000 and entry.id != 1
    assert verify(db_session) is None


def test_tampering_by_the_owner_is_detected(db_session, small_town):
    audit.record("login", "user", 1, user=small_town["admin"])
    victim = audit.record("reveal", "person", 7, {"fields": ["id_number"]}, user=small_town["admin"])
    audit.record("logout", "user", 1, user=small_town["admin"])
    assert verify(db_session) is None
    # A superuser-like path: the table owner switches the guard off, rewrites, switches it on.
    db_session.execute(text("SET LOCAL ROLE NONE"))  # the table owner, past the app role
    db_session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
    db_session.execute(text("UPDATE audit_log SET object_id = '8' WHERE id = :id"), {"id": victim.id})
    db_session.execute(text("ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_change"))
    db_session.execute(text("SET LOCAL ROLE gridcheck_app"))
    assert verify(db_session) == victim.id


def test_deleting_a_row_breaks_the_chain(db_session, small_town):
    first = audit.record("login", "user", 1, user=small_town["admin"])
    gone = audit.record("reveal", "person", 7, {"fields": ["phone"]}, user=small_town["admin"])
    after = audit.record("logout", "user", 1, user=small_town["admin"])
    db_session.execute(text("SET LOCAL ROLE NONE"))  # the table owner, past the app role
    db_session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
    db_session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": gone.id})
    db_session.execute(text("ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_change"))
    db_session.execute(text("SET LOCAL ROLE gridcheck_app"))
    assert first.id < gone.id < after.id
    assert verify(db_session) == after.id


def test_concurrent_writers_take_turns(app):
    """A second writer waits for the first writer's transaction: the chain cannot fork."""
    with app.app_context():
        first, second = db.engine.connect(), db.engine.connect()
        t1, t2 = first.begin(), second.begin()
        try:
            first.execute(text("INSERT INTO audit_log (action) VALUES ('probe')"))
            second.execute(text("SET LOCAL lock_timeout = '300ms'"))
            with pytest.raises(DBAPIError, match="lock timeout"):
                second.execute(text("INSERT INTO audit_log (action) VALUES ('probe')"))
        finally:
            t1.rollback()
            t2.rollback()
            first.close()
            second.close()


# --- the service ----------------------------------------------------------------------

def test_record_masks_identifiers_and_drops_secrets(db_session, small_town):
    entry = audit.record("update", "person", 5, {
        "id_number": "11010519491231002X", "phone": "13812345678", "password": "Secret#123",
        "password_hash": "$argon2id$...", "totp_secret": "ABC", "note": "联系人13912345678，身份证320681198001010011",
        "nested": {"contact_phone": "13700001111"}}, user=small_town["admin"])
    detail = db_session.get(AuditEntry, entry.id).detail
    flat = json.dumps(detail, ensure_ascii=False)
    assert detail["id_number"] == "110105********002X"
    assert detail["phone"] == "138****5678"
    assert detail["nested"]["contact_phone"] == "137****1111"
    for secret in ("Secret#123", "argon2", "ABC", "13912345678", "320681198001010011", "password"):
        assert secret not in flat
    assert "139****5678" in flat and "320681********0011" in flat


def test_change_records_changed_fields_before_and_after(db_session, small_town):
    before = {"name": "王建国", "phone": "13812345678", "floors": 2, "password": "x"}
    after = {"name": "王建国", "phone": "13900001111", "floors": 3, "password": "y"}
    entry = audit.change("person", 9, before, after, grid_id=small_town["grids"][0].id)
    assert entry.action == "update"
    detail = db_session.get(AuditEntry, entry.id).detail
    assert detail == {"before": {"phone": "138****5678", "floors": 2},
                      "after": {"phone": "139****1111", "floors": 3}}
    assert audit.change("person", 9, after, dict(after)) is None
    created = audit.change("building", 3, None, {"floors": 2})
    assert created.action == "create" and created.detail["before"] is None


def test_denied_reveal_and_export_are_committed_at_once(client, small_town, db_session):
    with client.application.test_request_context("/api/people/5"):
        audit.denied("person", 5, grid_id=small_town["grids"][1].id, reason="out_of_scope")
        audit.reveal("person", 5, ["id_number"])
        audit.export("person", 120, {"grid": 1})
    db_session.rollback()  # what an error answer would do: the rows stay
    actions = [e.action for e in rows(db_session)[-3:]]
    assert actions == ["access_denied", "reveal", "export"]
    assert rows(db_session, action="access_denied")[-1].detail["path"] == "/api/people/5"


# --- what the app writes --------------------------------------------------------------

def test_login_failure_and_logout_are_recorded(client, small_town, db_session):
    admin = small_town["admin"]
    login(client, "t_admin", "Wrong#Pass2026")
    login(client, "nobody_here", "Typo#Pass2026")
    login(client, "t_admin")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/password")})
    failed = rows(db_session, action="login_failed")[-2:]
    assert [f.username for f in failed] == ["t_admin", "nobody_here"]
    assert failed[0].user_id is None and failed[0].object_id == str(admin.id)
    assert failed[0].detail == {"reason": "bad_password"} and failed[1].detail == {"reason": "unknown"}
    assert failed[0].ip == "127.0.0.1"
    for entry in failed:
        assert "Pass2026" not in json.dumps(entry.detail)
    ok = rows(db_session, action="login")[-1]
    out = rows(db_session, action="logout")[-1]
    assert ok.user_id == out.user_id == admin.id and ok.role == "town_admin" and ok.town_id == admin.town_id
    assert verify(db_session) is None


def test_password_change_is_recorded_without_the_password(client, small_town, db_session):
    login(client, "t_admin")
    client.post("/account/password", data={"csrf_token": csrf_token(client, "/account/password"),
                                           "current_password": PASSWORD, "new_password": "New#Pass2026x",
                                           "confirm": "New#Pass2026x"})
    entry = rows(db_session, action="password_change")[-1]
    assert entry.user_id == small_town["admin"].id and "New#Pass" not in json.dumps(entry.detail)


# --- the page -------------------------------------------------------------------------

def test_town_admin_browses_and_filters(client, small_town, db_session):
    login(client, "nobody_x", "Wrong#Pass2026")
    login(client, "t_admin")
    page = client.get("/admin/audit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "审计日志" in html and "哈希链校验通过" in html and "nobody_x" in html
    only_failed = client.get("/admin/audit?action=login_failed").get_data(as_text=True)
    assert "nobody_x" in only_failed and "<span class=\"badge\">登录</span>" not in only_failed
    by_user = client.get("/admin/audit?user=nobody_x").get_data(as_text=True)
    assert "nobody_x" in by_user and "t_admin" not in by_user.split("<tbody>")[1].split("</tbody>")[0]
    assert client.get("/admin/audit?date_from=2000-01-01&date_to=2000-01-02").get_data(as_text=True) \
        .count("没有符合条件的记录") == 1
    bad_date = client.get("/admin/audit?date_from=yesterday")
    assert bad_date.status_code == 200 and "日期格式应为" in bad_date.get_data(as_text=True)


def test_pages_are_newest_first_and_paginated(client, small_town, db_session):
    for i in range(55):
        audit.record("export", "grid", i, user=small_town["admin"])
    login(client, "t_admin")
    first = client.get("/admin/audit?action=export").get_data(as_text=True)
    assert "下一页" in first and "共 55 条" in first
    body = first.split("<tbody>")[1]
    ids = [int(x) for x in re.findall(r'<td class="adm-mono">(\d+)</td>', body)]
    assert ids == sorted(ids, reverse=True) and len(ids) == 50
    second = client.get("/admin/audit?action=export&page=2").get_data(as_text=True)
    assert "上一页" in second


def test_broken_chain_is_shown(client, small_town, db_session):
    victim = audit.record("export", "grid", 1, user=small_town["admin"])
    db_session.execute(text("SET LOCAL ROLE NONE"))  # the table owner, past the app role
    db_session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
    db_session.execute(text("UPDATE audit_log SET detail = '{}' WHERE id = :id"), {"id": victim.id})
    db_session.execute(text("ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_change"))
    db_session.execute(text("SET LOCAL ROLE gridcheck_app"))
    login(client, "t_admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "哈希链校验失败" in html and f"自第 {victim.id} 条" in html


@pytest.mark.parametrize("role", ["village_admin", "grid_leader", "police", "inspector", "liaison"])
def test_others_get_404_and_the_refusal_is_recorded(client, small_town, make, db_session, role):
    grid = small_town["grids"][0]
    kw = {"village_id": small_town["village"].id} if role == "village_admin" else {}
    user = make.user(small_town["town"], role=role, username=f"u_{role}", grids=[grid], **kw)
    login(client, f"u_{role}")
    resp = client.get("/admin/audit")
    assert resp.status_code == 404
    denied = rows(db_session, action="access_denied")[-1]
    assert denied.user_id == user.id and denied.object_id == "/admin/audit"
    assert denied.detail["reason"] == "role"


def test_anonymous_is_sent_to_login(client, small_town):
    resp = client.get("/admin/audit")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
