"""Security headers on every response; no-store on anything that may carry personal data;
a refused CSRF token answered in the app's own shapes."""
import re
import secrets

from flask import Flask, has_request_context, render_template, request
from markupsafe import Markup
from flask_wtf.csrf import CSRFError

from webgis.api import error_response

# Scripts: our own files plus inline blocks carrying this response's nonce (folium writes the
# map's set-up as inline script); no 'unsafe-inline', so injected markup cannot run script.
CSP = ("default-src 'self'; img-src 'self' data: blob: {tiles}; style-src 'self' 'unsafe-inline'; "
       "script-src 'self' 'nonce-{{nonce}}'; worker-src 'self' blob:; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
_SCRIPT_TAG = re.compile(r"<script(?=[\s>])")


def csp_nonce() -> str:
    """The nonce of this response's inline scripts (one per request)."""
    if not has_request_context():
        return ""
    # Kept in the request's environ, not in `g`: one nonce per response, whatever the app context.
    return request.environ.setdefault("gridcheck.csp_nonce", secrets.token_urlsafe(16))


def with_nonce(html: str) -> Markup:
    """Give every <script> tag of trusted, server-rendered HTML (folium's) this response's nonce."""
    return Markup(_SCRIPT_TAG.sub(f'<script nonce="{csp_nonce()}"', str(html)))
# Field work may locate the phone on the map; nothing else of the device is needed.
PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"
CSRF_MESSAGE = "页面已过期或请求来源无效，请刷新页面后重试"


def register_security_headers(app: Flask) -> None:
    """Add CSP (self only, plus the configured base-map host), nosniff, referrer policy."""
    basemap = app.config.get("BASEMAP_URL") or ""
    tiles_src = ""
    if basemap.startswith("http"):
        # Allow only the scheme+host of the configured base map.
        parts = basemap.split("/")
        tiles_src = "/".join(parts[:3]).replace("{s}", "*")
    csp = CSP.format(tiles=tiles_src).replace("  ", " ")
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("Content-Security-Policy", csp.replace("{nonce}", csp_nonce()))
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.is_secure:  # behind a TLS proxy, configure ProxyFix so this is known
            resp.headers.setdefault("Strict-Transport-Security", HSTS)
        if not request.path.startswith("/static/") and not request.path.startswith("/tiles/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp


def register_csrf_error_handler(app: Flask) -> None:
    """Answer a missing or bad CSRF token with 400: JSON error shape under /api and /tiles."""

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        if request.path.startswith(("/api/", "/tiles/")):
            return error_response(400, CSRF_MESSAGE, "csrf_failed")
        return render_template("auth/error.html", title="请求无效", message=CSRF_MESSAGE), 400
