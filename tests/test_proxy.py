"""Cookies behind a TLS proxy (issue 14 point 5): BEHIND_TLS_PROXY trusts the proxy's
X-Forwarded-Proto from the configured hops and makes the session cookie Secure; without
it no forwarded header is trusted. X-Forwarded-For stays untrusted unless configured."""
from tests.conftest import database_urls
from webgis import create_app

TLS = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}


def _app(**extra):
    app_url, owner_url = database_urls()
    return create_app({"SQLALCHEMY_DATABASE_URI": app_url, "OWNER_DATABASE_URI": owner_url, "TESTING": True,
                       "SECRET_KEY": "proxy-test", **extra})


def _session_cookie(app) -> tuple[str, object]:
    """GET the login page through the proxy headers; return its session cookie and the response."""
    with app.test_client() as c:
        resp = c.get("/login", environ_base=TLS)
        assert resp.status_code == 200
        cookies = [v for k, v in resp.headers.items() if k == "Set-Cookie" and v.startswith("session=")]
        assert cookies, "the login page sets the session cookie (its CSRF token)"
        return cookies[-1], resp


def test_behind_tls_proxy_cookie_is_secure_and_hsts_sent():
    cookie, resp = _session_cookie(_app(BEHIND_TLS_PROXY=1))
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert resp.headers.get("Strict-Transport-Security")


def test_without_setting_forwarded_headers_are_not_trusted():
    cookie, resp = _session_cookie(_app())
    assert "Secure" not in cookie
    assert "Strict-Transport-Security" not in resp.headers


def test_forwarded_for_untrusted_by_default_even_behind_proxy():
    seen = {}
    for extra in ({}, {"BEHIND_TLS_PROXY": 1}, {"BEHIND_TLS_PROXY": 1, "TRUSTED_FORWARDED_FOR": 1}):
        a = _app(**extra)

        @a.route("/_probe_ip")
        def probe():
            from flask import request
            return f"{request.remote_addr} {request.scheme}"

        with a.test_client() as c:
            seen[tuple(extra)] = c.get("/_probe_ip", environ_base=dict(TLS, REMOTE_ADDR="10.0.0.2")).get_data(
                as_text=True)
    assert seen[()] == "10.0.0.2 http"
    assert seen[("BEHIND_TLS_PROXY",)] == "10.0.0.2 https"
    assert seen[("BEHIND_TLS_PROXY", "TRUSTED_FORWARDED_FOR")] == "203.0.113.9 https"
