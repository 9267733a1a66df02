"""Login hardening: lockout, rate limit, server-side sessions (logout, timeouts, fixation,
password change), password policy, TOTP second step, CSRF and security headers."""
import re
from datetime import timedelta

import pyotp
import pytest
from flask import Blueprint, jsonify
from flask_login import login_required
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token, database_urls, login
from webgis.auth import sessions
from webgis.auth.models import AuthThrottle, UserSession
from webgis.auth.passwords import common_passwords, password_problems

FAILED = "用户名或密码错误，或账户已被临时锁定"


def api_path(town) -> str:
    return "/api/buildings/%d" % town["buildings"][0].id


def sid_of(client) -> str | None:
    with client.session_transaction() as s:
        return s.get(sessions.TOKEN_KEY)


def session_row(client, db_session) -> UserSession:
    return db_session.execute(select(UserSession).where(UserSession.id == sessions.digest(sid_of(client)))
                              .execution_options(populate_existing=True)).scalar_one()


def logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/account/password")})


# --- lockout and rate limit ---------------------------------------------------------

def test_five_failures_lock_the_account_even_for_the_right_password(client, small_town, db_session):
    admin = small_town["admin"]
    for _ in range(5):
        resp = login(client, "t_admin", "Wrong#Pass2026")
        assert resp.status_code == 401 and FAILED in resp.get_data(as_text=True)
    db_session.refresh(admin)
    assert admin.locked_until is not None and admin.locked_until > sessions.now() + timedelta(minutes=14)
    locked = login(client, "t_admin")  # the right password, sixth attempt
    assert locked.status_code == 401 and FAILED in locked.get_data(as_text=True)
    assert client.get(api_path(small_town)).status_code == 401


def test_lock_lapses_after_fifteen_minutes(client, small_town, db_session):
    admin = small_town["admin"]
    admin.locked_until = sessions.now() + timedelta(minutes=15)
    db_session.flush()
    assert login(client, "t_admin").status_code == 401
    admin.locked_until = sessions.now() - timedelta(seconds=1)  # 15 minutes later
    db_session.flush()
    assert login(client, "t_admin").status_code == 302
    db_session.refresh(admin)
    assert admin.failed_count == 0 and admin.locked_until is None


def test_success_resets_the_failure_count(client, small_town, db_session):
    for _ in range(4):
        login(client, "t_admin", "Wrong#Pass2026")
    assert login(client, "t_admin").status_code == 302
    db_session.refresh(small_town["admin"])
    assert small_town["admin"].failed_count == 0


def test_unknown_usernames_are_throttled_too(client, small_town, db_session):
    for _ in range(5):
        assert login(client, "ghost_user", PASSWORD).status_code == 401
    row = db_session.get(AuthThrottle, ("username", "ghost_user"))
    assert row.locked_until is not None and row.locked_until > sessions.now()


def test_failed_logins_per_ip_are_rate_limited(client, small_town, db_session):
    client.environ_base["REMOTE_ADDR"] = "10.20.30.40"  # an address no other test uses
    token = csrf_token(client)
    codes = [client.post("/login", data={"username": f"nobody{i}", "password": "x", "csrf_token": token}).status_code
             for i in range(11)]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429
    resp = client.post("/login", data={"username": "t_admin", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 429 and "登录尝试过于频繁" in resp.get_data(as_text=True)
    # A minute later the address may try again.
    row = db_session.get(AuthThrottle, ("ip", "10.20.30.40"))
    row.window_start = sessions.now() - timedelta(seconds=61)
    db_session.flush()
    assert login(client, "t_admin").status_code == 302


def test_successful_logins_do_not_count_against_the_address(app, client, small_town):
    client.environ_base["REMOTE_ADDR"] = "10.20.30.41"
    for _ in range(12):
        assert login(client, "t_admin").status_code == 302
        logout(client)


# --- server-side sessions -------------------------------------------------------------

def test_cookie_replayed_after_logout_is_refused(app, client, small_town):
    assert login(client, "t_admin").status_code == 302
    cookie = client.get_cookie("session").value
    assert client.get(api_path(small_town)).status_code == 200
    assert logout(client).status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", cookie)
    resp = replay.get(api_path(small_town))
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthorized"
    page = replay.get("/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_logout_ends_the_session_row(client, small_town, db_session):
    login(client, "t_admin")
    row = session_row(client, db_session)
    assert row.ended_at is None
    logout(client)
    db_session.refresh(row)
    assert row.ended_at is not None and row.end_reason == "logout"


def test_login_starts_a_new_session(client, small_town, db_session):
    with client.session_transaction() as s:  # what an attacker may have planted beforehand
        s["planted"] = "x"
        s[sessions.TOKEN_KEY] = "attacker-chosen-token"
    login(client, "t_admin")
    with client.session_transaction() as s:
        assert "planted" not in s
        first = s[sessions.TOKEN_KEY]
    assert first != "attacker-chosen-token" and len(first) >= 40
    assert session_row(client, db_session).user_id == small_town["admin"].id
    logout(client)
    login(client, "t_admin")
    assert sid_of(client) != first


def test_token_is_stored_hashed(client, small_town, db_session):
    login(client, "t_admin")
    token = sid_of(client)
    assert db_session.get(UserSession, token) is None
    assert db_session.get(UserSession, sessions.digest(token)) is not None


def test_idle_session_times_out(client, small_town, db_session):
    login(client, "t_admin")
    row = session_row(client, db_session)
    row.last_seen_at = sessions.now() - timedelta(minutes=31)
    db_session.flush()
    assert client.get(api_path(small_town)).status_code == 401
    db_session.refresh(row)
    assert row.ended_at is not None and row.end_reason == "idle"


def test_activity_keeps_the_session_alive(client, small_town, db_session):
    login(client, "t_admin")
    row = session_row(client, db_session)
    row.last_seen_at = sessions.now() - timedelta(minutes=29)
    db_session.flush()
    assert client.get(api_path(small_town)).status_code == 200
    db_session.refresh(row)
    assert sessions.now() - row.last_seen_at < timedelta(minutes=1)


def test_session_ends_after_twelve_hours_whatever_the_activity(client, small_town, db_session):
    login(client, "t_admin")
    row = session_row(client, db_session)
    row.created_at = sessions.now() - timedelta(hours=12, minutes=1)
    row.last_seen_at = sessions.now()
    db_session.flush()
    assert client.get(api_path(small_town)).status_code == 401
    db_session.refresh(row)
    assert row.end_reason == "absolute"


def test_disabled_user_loses_open_sessions(client, small_town, db_session):
    login(client, "t_admin")
    assert client.get(api_path(small_town)).status_code == 200
    small_town["admin"].active = False
    db_session.flush()
    assert client.get(api_path(small_town)).status_code == 401


# --- password policy and change ------------------------------------------------------

@pytest.mark.parametrize("password, message", [
    ("Ab1!xyz", "至少8位"),
    ("abcdefgh1", "至少3类"),
    ("ABCDEFGH!", "至少3类"),
    ("Admin@123", "过于常见"),
    ("Password1!", "过于常见"),
    ("woaini1314", "过于常见"),
    ("5201314", "过于常见"),
    ("Zhangsan#2026", "包含用户名"),
])
def test_password_policy_refuses(password, message):
    problems = password_problems(password, "zhangsan")
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize("password", ["Hl#grid-2026", "qidong huilong 7", "Test#Pass2026", "网格核查Ab12"])
def test_password_policy_accepts(password):
    assert password_problems(password, "zhangsan") == []


def test_common_list_has_hundreds_including_chinese_favourites():
    common = common_passwords()
    assert len(common) >= 300
    assert {"123456", "5201314", "woaini1314", "qwerty123", "password1!", "admin@123"} <= common


def test_change_password_checks_current_and_policy(client, small_town, db_session):
    login(client, "t_admin")
    token = csrf_token(client, "/account/password")
    wrong = client.post("/account/password", data={"csrf_token": token, "current_password": "nope",
                                                   "new_password": "New#Pass2026x", "confirm": "New#Pass2026x"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    weak = client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                  "new_password": "Admin@123", "confirm": "Admin@123"})
    assert weak.status_code == 400 and "过于常见" in weak.get_data(as_text=True)


def test_change_password_ends_other_sessions_only(app, client, small_town, db_session):
    other = app.test_client()
    login(other, "t_admin")
    login(client, "t_admin")
    token = csrf_token(client, "/account/password")
    resp = client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                  "new_password": "New#Pass2026x", "confirm": "New#Pass2026x"})
    assert resp.status_code == 302
    assert client.get(api_path(small_town)).status_code == 200
    assert other.get(api_path(small_town)).status_code == 401
    logout(client)
    assert login(client, "t_admin", PASSWORD).status_code == 401
    assert login(client, "t_admin", "New#Pass2026x").status_code == 302


def test_password_set_by_admin_must_be_changed_first(client, small_town, db_session):
    small_town["admin"].must_change_password = True
    db_session.flush()
    resp = login(client, "t_admin")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/password")
    assert client.get("/").headers["Location"].endswith("/account/password")
    api = client.get(api_path(small_town))
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "password_change_required"
    token = csrf_token(client, "/account/password")
    client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                           "new_password": "New#Pass2026x", "confirm": "New#Pass2026x"})
    assert client.get(api_path(small_town)).status_code == 200


# --- TOTP second factor ---------------------------------------------------------------

def enrol_totp(client) -> str:
    html = client.get("/account/totp").get_data(as_text=True)
    secret = re.search(r'class="secret"[^>]*>([A-Z2-7]+)<', html).group(1)
    assert "otpauth://totp/" in html
    resp = client.post("/account/totp", data={"csrf_token": csrf_token(client, "/account/totp"),
                                              "code": pyotp.TOTP(secret).now()})
    assert resp.status_code == 302
    return secret


def test_totp_adds_a_second_login_step(client, small_town, db_session):
    login(client, "t_admin")
    secret = enrol_totp(client)
    assert small_town["admin"].totp_secret == secret
    logout(client)

    first = login(client, "t_admin")
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/totp")
    assert client.get(api_path(small_town)).status_code == 401  # password alone is not a login
    token = csrf_token(client, "/login/totp")
    bad = client.post("/login/totp", data={"csrf_token": token, "code": "000000"})
    assert bad.status_code == 401
    totp = pyotp.TOTP(secret)
    step = small_town["admin"].totp_last_step
    ok = client.post("/login/totp", data={"csrf_token": token, "code": totp.at((step + 1) * 30)})
    assert ok.status_code == 302
    assert client.get(api_path(small_town)).status_code == 200

    logout(client)  # the same code cannot be used twice
    login(client, "t_admin")
    replay = client.post("/login/totp", data={"csrf_token": csrf_token(client, "/login/totp"),
                                              "code": totp.at((step + 1) * 30)})
    assert replay.status_code == 401


def test_totp_enrolment_is_for_admins_and_police_only(client, small_town, make):
    make.user(small_town["town"], role="grid_leader", username="gl_one", grids=[small_town["grids"][0]])
    login(client, "gl_one")
    assert client.get("/account/totp").status_code == 404


# --- CSRF -----------------------------------------------------------------------------

def test_form_post_without_csrf_token_is_400(client, small_town):
    login(client, "t_admin")
    resp = client.post("/logout")
    assert resp.status_code == 400 and "刷新页面" in resp.get_data(as_text=True)
    assert client.get(api_path(small_town)).status_code == 200  # still logged in


@pytest.fixture()
def json_client(db_session):
    """A second app with one state-changing JSON endpoint, to exercise CSRF on /api/."""
    from webgis import create_app

    app_url, owner_url = database_urls()
    app2 = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "OWNER_DATABASE_URI": owner_url, "TESTING": True,
                       "SECRET_KEY": "test-secret-key"})
    bp = Blueprint("csrf_probe", __name__)

    @bp.route("/api/_probe", methods=["POST"])
    @login_required
    def probe():
        return jsonify(ok=True)

    app2.register_blueprint(bp)
    return app2.test_client()


def test_json_post_needs_the_csrf_header(json_client, small_town):
    login(json_client, "t_admin")
    refused = json_client.post("/api/_probe", json={})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    assert refused.get_json()["error"]["message"]
    token = csrf_token(json_client, "/account/password")
    assert json_client.post("/api/_probe", json={}, headers={"X-CSRFToken": token}).status_code == 200


# --- security headers -----------------------------------------------------------------

def test_security_headers(client, small_town):
    resp = client.get("/login")
    h = resp.headers
    assert "default-src 'self'" in h["Content-Security-Policy"]
    assert "object-src 'none'" in h["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    assert h["X-Frame-Options"] == "DENY"
    assert "geolocation=(self)" in h["Permissions-Policy"]
    assert "no-store" in h["Cache-Control"]
    assert "Strict-Transport-Security" not in h  # plain http: no HSTS
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_hsts_only_over_https(client, small_town):
    resp = client.get("/login", base_url="https://localhost")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


def test_static_files_may_be_cached(client):
    resp = client.get("/static/img/logo.svg")
    assert resp.status_code == 200 and "no-store" not in resp.headers.get("Cache-Control", "")


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/"])
def test_login_does_not_redirect_off_site(client, small_town, target):
    token = csrf_token(client)
    resp = client.post("/login", query_string={"next": target},
                       data={"username": "t_admin", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_inline_scripts_need_this_responses_nonce(client, small_town):
    import re as _re

    assert login(client, "t_admin").status_code == 302
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    nonce = _re.search(r"'nonce-([^']+)'", script_src).group(1)
    html = resp.get_data(as_text=True)
    inline = _re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline), inline
    assert client.get("/").headers["Content-Security-Policy"] != csp  # a fresh nonce per response
