"""Login with argon2id hashes; wrong credentials get one message with no hint."""
from tests.conftest import PASSWORD, csrf_token, login


def test_password_is_stored_as_argon2id(small_town):
    assert small_town["admin"].password_hash.startswith("$argon2id$")


def test_login_and_logout(client, small_town):
    resp = login(client, "t_admin")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/")
    assert client.get("/api/buildings/%d" % small_town["buildings"][0].id).status_code == 200
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/buildings/%d" % small_town["buildings"][0].id).status_code == 401


def test_wrong_password_and_unknown_user_look_the_same(client, small_town):
    wrong_pw = login(client, "t_admin", "Wrong#Pass2026")
    no_user = login(client, "nobody", PASSWORD)
    assert wrong_pw.status_code == no_user.status_code == 401
    for resp in (wrong_pw, no_user):
        assert "用户名或密码错误" in resp.get_data(as_text=True)


def test_login_page_is_chinese_and_needs_csrf(client, small_town):
    html = client.get("/login").get_data(as_text=True)
    assert "登录" in html and "用户名" in html and "密码" in html
    resp = client.post("/login", data={"username": "t_admin", "password": PASSWORD})
    assert resp.status_code in (400, 401)
    assert client.get("/api/buildings/1").status_code == 401


def test_disabled_user_cannot_log_in(client, small_town, db_session):
    small_town["admin"].active = False
    db_session.flush()
    assert login(client, "t_admin").status_code == 401


def test_map_page_requires_login(client, small_town):
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
