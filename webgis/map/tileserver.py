"""The vector-tile path: one SQL call per tile, in front of Flask.

`GET /tiles/<layer>/<z>/<x>/<y>.pbf` is answered by a small WSGI layer wrapped around the
Flask app, without Flask's request set-up, flask-login's user loading or the per-request
scope round trip. Per tile it reads the signed Flask session cookie (the token and the
flask-login user id), then makes ONE database call, gc_tile_request
(webgis/sql/0011_tile_server.sql), that validates the server-side session with the same
rule as every page request (gc_session_reason — a logout is refused at once, nothing is
cached per process), resolves the user's scope (gc_user_scope), computes the tile's ETag
from the per-grid change counters, and only when needed builds the tile under that scope.

- `If-None-Match` current → 304, the tile is not built.
- A bounded in-process cache keyed by ETag: the ETag hashes (layer, z, x, y, the scope, the
  counters of the grids the tile shows), so bytes cached for one scope are never served to
  another (a different scope is a different ETag) and a change in a grid retires them.
- gzip when the client accepts it (an MVT compresses ~3×); the gzip'd bytes are cached.

Anything else under /tiles/ (bad path, method) goes on to Flask and its JSON errors.
"""
import gzip
import hashlib
import json
import re
import threading
import time
import weakref
from collections import OrderedDict
from datetime import timedelta

import psycopg2
import psycopg2.extensions
from sqlalchemy.engine import make_url

from webgis.api import MESSAGES
from webgis.auth import sessions
from webgis.map import layers
from webgis.scope import role_sets

PATH = re.compile(r"^/tiles/([a-z_]+)/(\d{1,2})/(\d{1,8})/(\d{1,8})\.pbf$")
# The call, prepared once per connection: parsed and planned once, then only EXECUTE'd with the
# request's values. The session limits and the role sets are constants of the process and are
# written into the statement (webgis/permissions.py stays the only place the sets are spelt).
# The statement's name carries a digest of those constants, so two apps with different settings
# sharing a connection (tests) never run each other's statement.
PREPARED = "gc_tile_call"
PREPARE = ("PREPARE {name} (text, integer, integer, text, integer, integer, integer, text, text[]) AS "
           "SELECT status, etag, tile FROM gc_tile_request($1, $2, $3, $4, $5, $6, $7, $8, $9, "
           "%s::interval, %s::interval, %s::interval, %s::text[], %s::text[], %s::text[], %s::text[])")
EXECUTE = "EXECUTE {name} (%s, %s, %s, %s, %s, %s, %s, %s, %s::text[])"
# Database connections -> names of the statements PREPAREd on them. Process-wide, not per
# server: a prepared statement belongs to the connection, whichever app object uses it.
_PREPARED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_PREPARED_LOCK = threading.Lock()
MIME = "application/vnd.mapbox-vector-tile"
GZIP_MIN_BYTES = 256
# zlib level 1: 3.3x faster than 6 on a busy z14 tile (179 vs 589 µs) for 6-14% more bytes; set
# TILE_GZIP_LEVEL (1-9) to trade CPU for bytes.
GZIP_LEVEL = 1
# Signed cookies already verified, by cookie value: the HMAC and JSON decoding are done once per
# cookie, the age is checked on every request and the session itself in the database on every
# request (so a logout still takes effect at once: nothing here says a session is valid).
COOKIE_MEMO = 4096
# Tiles carry no personal data but change with every visit: cache privately, revalidate.
COMMON_HEADERS = [("Cache-Control", "private, no-cache"), ("Vary", "Cookie, Accept-Encoding"),
                  ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")]


class TileCache:
    """A bounded LRU of tiles by ETag (raw and gzip'd bytes), at most `max_bytes` in all."""

    PER_TILE = 8  # ETags kept per (layer, z, x, y): one per scope seen recently

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[tuple, bytes, bytes | None]] = OrderedDict()
        self._by_tile: dict[tuple, list[str]] = {}

    def etags(self, key: tuple) -> list[str]:
        with self._lock:
            return list(self._by_tile.get(key, ()))

    def get(self, etag: str) -> tuple[bytes, bytes | None] | None:
        with self._lock:
            item = self._items.get(etag)
            if item is None:
                return None
            self._items.move_to_end(etag)
            return item[1], item[2]

    def put(self, key: tuple, etag: str, raw: bytes, gz: bytes | None) -> None:
        cost = len(raw) + len(gz or b"") + 200
        if self.max_bytes <= 0 or cost > self.max_bytes // 4:
            return
        with self._lock:
            if etag in self._items:
                return
            self._items[etag] = (key, raw, gz)
            tags = self._by_tile.setdefault(key, [])
            tags.append(etag)
            self.size += cost
            if len(tags) > self.PER_TILE:
                self._drop(tags[0])
            while self.size > self.max_bytes and self._items:
                self._drop(next(iter(self._items)))

    def _drop(self, etag: str) -> None:
        key, raw, gz = self._items.pop(etag)
        self.size -= len(raw) + len(gz or b"") + 200
        tags = self._by_tile[key]
        tags.remove(etag)
        if not tags:
            del self._by_tile[key]


class TileServer:
    """WSGI middleware serving /tiles/ in one database call; everything else goes to Flask."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.cache = TileCache(app.config.get("TILE_CACHE_BYTES", 64 * 2**20))
        self._serializer = None
        self._local = threading.local()
        self._lock = threading.Lock()
        cfg = app.config
        roles = role_sets()
        self._prepare_params = (
            timedelta(minutes=cfg.get("SESSION_IDLE_MINUTES", 30)),
            timedelta(hours=cfg.get("SESSION_ABSOLUTE_HOURS", 12)), sessions.TOUCH_EVERY,
            roles["all_roles"], roles["village_roles"], roles["station_roles"], roles["area_roles"])
        digest = hashlib.sha1(repr(self._prepare_params).encode()).hexdigest()[:12]
        self.statement = f"{PREPARED}_{digest}"
        self._prepare_sql = PREPARE.format(name=self.statement)
        self._execute_sql = EXECUTE.format(name=self.statement)
        self._cookies: OrderedDict[str, tuple[dict, float]] = OrderedDict()
        self.gzip_level = app.config.get("TILE_GZIP_LEVEL", GZIP_LEVEL)

    # --- the parts of a request -------------------------------------------------------
    def _session(self, environ) -> dict | None:
        """The Flask session of the request's cookie (signature and age checked), or None."""
        raw = environ.get("HTTP_COOKIE")
        if not raw:
            return None
        name = self.app.config["SESSION_COOKIE_NAME"]
        value = None
        for part in raw.split(";"):
            key, sep, val = part.strip().partition("=")
            if sep and key == name:
                value = val.strip('"')
                break
        if not value:
            return None
        max_age = self.app.permanent_session_lifetime.total_seconds()
        with self._lock:
            memo = self._cookies.get(value)
            if memo is not None:
                self._cookies.move_to_end(value)
        if memo is not None:
            data, signed_at = memo
            return data if time.time() - signed_at <= max_age else None
        if self._serializer is None:
            self._serializer = self.app.session_interface.get_signing_serializer(self.app)
        try:
            data, signed_at = self._serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except Exception:  # bad signature, expired, not ours
            return None
        if not isinstance(data, dict):
            return None
        with self._lock:
            self._cookies[value] = (data, signed_at.timestamp())
            while len(self._cookies) > COOKIE_MEMO:
                self._cookies.popitem(last=False)
        return data

    def _connection(self):
        """(cursor, release) on an autocommit connection: the call is the whole transaction."""
        if self.app.config.get("TILE_SERVER_USE_SESSION"):
            # Tests: the app's session, so the tile sees the test's rolled-back rows.
            from webgis.extensions import db

            ctx = self.app.app_context()
            ctx.push()
            try:
                cur = db.session.connection().connection.cursor()
            except Exception:
                ctx.pop()
                raise
            return cur, lambda: (cur.close(), ctx.pop())
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            # One connection per server thread, kept for the thread's life: no pool to check
            # out from or reset, and the prepared call stays prepared on it.
            url = make_url(self.app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
            conn = psycopg2.connect(url.render_as_string(hide_password=False),
                                    application_name="gridcheck-tiles")
            conn.autocommit = True
            self._local.conn = conn
        cur = conn.cursor()

        def release():
            cur.close()
            if conn.closed or conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
                conn.close()  # a broken or stuck connection: the next request opens a new one
                self._local.conn = None
        return cur, release

    def _prepare(self, cur) -> None:
        """PREPARE the call on this database connection once (a prepared statement lives as
        long as the connection, whatever its transactions do)."""
        conn = cur.connection
        with _PREPARED_LOCK:
            if self.statement in _PREPARED.get(conn, ()):
                return
        cur.execute(self._prepare_sql, self._prepare_params)
        with _PREPARED_LOCK:
            _PREPARED.setdefault(conn, set()).add(self.statement)

    def fetch(self, token: str, user_key: str, layer: str, z: int, x: int, y: int,
              if_none_match: str | None) -> tuple[int, str | None, bytes | None]:
        """One call: (status, etag, tile bytes or None when 304 / already cached)."""
        try:
            uid, version = (int(v) for v in str(user_key).split(":"))
        except ValueError:
            return 401, None, None
        cached = self.cache.etags((layer, z, x, y))
        cur, release = self._connection()
        try:
            self._prepare(cur)
            cur.execute(self._execute_sql, (sessions.digest(token), uid, version, layer, z, x, y, if_none_match, cached))
            status, etag, tile = cur.fetchone()
        finally:
            release()
        return status, etag, (bytes(tile) if tile is not None else None)

    # --- WSGI -------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/tiles/") or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        m = PATH.match(path)
        if m is None:
            return self.wsgi_app(environ, start_response)
        layer, z, x, y = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
        try:
            layers.check_tile(layer, z, x, y)
        except layers.LayerParamError as exc:
            return _error(start_response, 400, "bad_tile", str(exc))
        data = self._session(environ)
        token = data and data.get(sessions.TOKEN_KEY)
        user_key = data and data.get("_user_id")
        if not isinstance(token, str) or not isinstance(user_key, str):
            return _error(start_response, 401, "unauthorized")

        gz_ok = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
        inm = environ.get("HTTP_IF_NONE_MATCH", "").strip()
        inm_gz = inm.endswith('-gz"') and gz_ok
        # Our ETags are '"<md5>"' (identity) and '"<md5>-gz"' (gzip): hand the database the base.
        if inm.endswith('-gz"') and gz_ok:
            inm = inm[:-4] + '"'
        elif inm.endswith('-gz"'):
            inm = None
        status, etag, tile = self.fetch(token, user_key, layer, z, x, y, inm or None)
        if status == 401:
            return _error(start_response, 401, "unauthorized")
        if status == 403:
            return _error(start_response, 403, "password_change_required", "请先修改初始密码")

        key = (layer, z, x, y)
        gz = None
        if status == 200 and tile is None:  # the database says: the cached bytes are current
            hit = self.cache.get(etag)
            if hit is None:  # dropped meanwhile: ask again for the bytes
                status, etag, tile = self.fetch(token, user_key, layer, z, x, y, None)
                if status != 200 or tile is None:
                    return _error(start_response, 503, "unavailable", "请稍后重试")
            else:
                tile, gz = hit
        if status == 200 and gz is None and len(tile) >= GZIP_MIN_BYTES:
            gz = gzip.compress(tile, compresslevel=self.gzip_level, mtime=0)
            self.cache.put(key, etag, tile, gz)
        elif status == 200:
            self.cache.put(key, etag, tile, gz)

        use_gz = inm_gz if status == 304 else (gz_ok and gz is not None)
        tag = etag[:-1] + '-gz"' if use_gz else etag
        headers = [("ETag", tag)] + COMMON_HEADERS
        if status == 304:
            start_response("304 Not Modified", headers)
            return []
        body = gz if use_gz else tile
        headers += [("Content-Type", MIME), ("Content-Length", str(len(body)))]
        if use_gz:
            headers.append(("Content-Encoding", "gzip"))
        start_response("200 OK", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def _error(start_response, status: int, code: str, message: str | None = None):
    """The one JSON error shape, without Flask."""
    body = json.dumps({"error": {"code": code, "message": message or MESSAGES.get(status, "错误"),
                                 "details": None}}, ensure_ascii=False).encode("utf-8")
    reason = {400: "BAD REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 503: "SERVICE UNAVAILABLE"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"),
                                          ("Content-Length", str(len(body)))] + COMMON_HEADERS)
    return [body]


def install(app) -> None:
    """Put the tile path in front of the Flask app."""
    app.wsgi_app = TileServer(app, app.wsgi_app)
