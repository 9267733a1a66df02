"""Bad input never gets a 5xx, and changes nothing (issue 14, point 1).

The property test enumerates the app's url_map, so a route added later is covered
without touching this file: every rule and method gets generated path values (ints far
beyond int4, text with NUL and slashes), query strings, JSON bodies of any shape and
form bodies, as a logged-in town admin with a valid CSRF token (so requests pass the
CSRF check and reach the views).
"""
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from tests.conftest import csrf_token, login
from webgis.audit.models import AuditEntry as AuditLog

BIG = ["2147483648", "99999999999999999999", "-1", "0", "1", "2147483647"]
TEXT = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs", "Cc"]),
               max_size=30) | st.sampled_from(["\x00", "a\x00b", "1e309", "NaN", "-0", "[]", "{}", "../", "%00",
                                                "2026-13-45", "  ", "9" * 25])
KEYS = st.sampled_from(["page", "bbox", "z", "x", "y", "grid", "grid_id", "village", "kind", "layer", "q", "user",
                        "action", "object_type", "object_id", "date_from", "date_to", "target", "status", "from",
                        "to", "day", "limit", "offset", "format", "reason"]) | TEXT
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
                    max_leaves=8)


def _rules(app):
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule, method))
    return sorted(out, key=lambda rm: (rm[0].rule, rm[1]))


def _path_value(converter):
    if isinstance(converter, IntegerConverter):
        return st.sampled_from(BIG) | st.integers(min_value=0, max_value=10 ** 22).map(str)
    return TEXT.filter(lambda s: s and "/" not in s and s not in (".", ".."))


@st.composite
def requests(draw, rules):
    rule, method = draw(st.sampled_from(rules))
    values = {name: draw(_path_value(conv)) for name, conv in rule._converters.items()}
    query = draw(st.dictionaries(KEYS, TEXT | st.sampled_from(BIG), max_size=4))
    kind = draw(st.sampled_from(["json", "form", "raw", "none"]))
    body = None
    if kind == "json":
        body = draw(JSON)
    elif kind == "form":
        body = draw(st.dictionaries(KEYS, TEXT, max_size=4))
    elif kind == "raw":
        body = draw(st.binary(max_size=40))
    return rule, method, values, query, kind, body


def _build(rule, values) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(values[m.group(1)], safe=""), rule.rule)


@pytest.fixture()
def admin_client(client, small_town):
    assert login(client, "t_admin").status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client, "/admin/users")
    return client


def test_routes_are_enumerated(app):
    rules = {r.rule for r, _ in _rules(app)}
    assert "/api/persons/<int:person_id>/reveal" in rules and "/admin/audit" in rules and len(rules) > 15


def test_never_5xx(app, admin_client, db_session):
    rules = _rules(app)
    token = admin_client.environ_base["HTTP_X_CSRFTOKEN"]

    @settings(max_examples=250, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(requests(rules))
    def check(req):
        rule, method, values, query, kind, body = req
        if rule.rule == "/logout":
            return  # would end the session the other examples run in
        path = _build(rule, values)
        kw = {"query_string": query}
        if kind == "json":
            kw["json"] = body
        elif kind == "form":
            kw["data"] = dict(body, csrf_token=token)
        elif kind == "raw":
            kw["data"] = body
            kw["content_type"] = "application/json"
        try:
            resp = admin_client.open(path, method=method, **kw)
        except Exception as exc:  # noqa: BLE001 - TESTING propagates what would be a 500
            raise AssertionError(f"{method} {path} {query!r} {kind} {body!r}: {exc!r}") from exc
        assert resp.status_code < 500, f"{method} {path} {query!r} {kind} {body!r}: {resp.status_code}"
        if resp.status_code >= 400 and resp.is_json:
            err = resp.get_json()["error"]
            assert set(err) == {"code", "message", "details"}

    check()


# --- the cases found by probing, one by one (issue 14 point 1) ----------------------

@pytest.mark.parametrize("body", [{"reason": 12345}, {"reason": ["查看原因"]}, {"reason": {"a": "b"}},
                                  ["reason"], "reason", 5, {"reason": "查看\x00原因"}])
def test_reveal_bad_bodies_are_400_and_write_nothing(admin_client, small_town, db_session, body):
    before = db_session.execute(select(func.count()).select_from(AuditLog)
                                .where(AuditLog.action == "reveal")).scalar()
    pid = small_town["persons"][0].id
    resp = admin_client.post(f"/api/persons/{pid}/reveal", json=body)
    assert resp.status_code == 400
    assert set(resp.get_json()["error"]) == {"code", "message", "details"}
    after = db_session.execute(select(func.count()).select_from(AuditLog)
                               .where(AuditLog.action == "reveal")).scalar()
    assert after == before


@pytest.mark.parametrize("path", ["/api/buildings/2147483648", "/api/buildings/99999999999999999999",
                                  "/api/persons/2147483648/reveal", "/api/persons/99999999999999999999/reveal",
                                  "/api/coverage/grids/99999999999999999999"])
def test_ids_beyond_int4_are_404_in_the_error_shape(admin_client, path):
    resp = admin_client.post(path, json={"reason": "核对户籍信息"}) if "reveal" in path else admin_client.get(path)
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


def test_audit_page_beyond_any_page_shows_the_first_page(admin_client):
    resp = admin_client.get("/admin/audit?page=99999999999999999999")
    assert resp.status_code == 200
    assert "第 1 / 1 页" in resp.get_data(as_text=True)


def test_nul_bytes_are_400(client, small_town, admin_client):
    assert admin_client.get("/admin/audit?user=a%00b").status_code == 400
    assert admin_client.get("/api/layers/labels?bbox=1%002").get_json()["error"]["code"] == "bad_character"


def test_nul_in_login_username_is_400_and_no_login(app, small_town):
    with app.test_client() as fresh:
        token = csrf_token(fresh)
        resp = fresh.post("/login", data={"username": "t_admin\x00", "password": "x", "csrf_token": token})
        assert resp.status_code == 400
        assert "不允许的字符" in resp.get_data(as_text=True)
