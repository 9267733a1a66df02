"""Security headers on every response; no-store on anything that may carry personal data."""
from flask import Flask, request

CSP = ("default-src 'self'; img-src 'self' data: blob: {tiles}; style-src 'self' 'unsafe-inline'; "
       "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def register_security_headers(app: Flask) -> None:
    """Add CSP (self only, plus the configured base-map host), nosniff, referrer policy."""
    basemap = app.config.get("BASEMAP_URL") or ""
    tiles_src = ""
    if basemap.startswith("http"):
        # Allow only the scheme+host of the configured base map.
        parts = basemap.split("/")
        tiles_src = "/".join(parts[:3]).replace("{s}", "*")
    csp = CSP.format(tiles=tiles_src).replace("  ", " ")

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("Content-Security-Policy", csp)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        if not request.path.startswith("/static/") and not request.path.startswith("/tiles/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp
