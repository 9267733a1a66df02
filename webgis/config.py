"""Configuration read from the environment, in one place."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _local_url(name: str) -> str | None:
    """Return a URL of the project-local cluster if `webgis.devdb` wrote it (var/<name>)."""
    url_file = ROOT / "var" / name
    if url_file.exists():
        return url_file.read_text().strip() or None
    return None


def _hops(name: str) -> int:
    """A non-negative hop count from the environment (0 when unset or not a number)."""
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else 0


class Config:
    """Default configuration; every value can be overridden by an environment variable."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    # The web app connects as the application role (owns nothing, row-level security binds it);
    # migrations and bulk loads (demo, imports by the operator) use the owner role.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _local_url("database_url")
    OWNER_DATABASE_URI = (os.environ.get("OWNER_DATABASE_URL") or
                          (None if os.environ.get("DATABASE_URL") else _local_url("owner_database_url")))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 5}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Optional base map, e.g. an intranet XYZ server or Tianditu with a key:
    # BASEMAP_URL="http://tiles.intranet/{z}/{x}/{y}.png" BASEMAP_ATTRIBUTION="..."
    BASEMAP_URL = os.environ.get("BASEMAP_URL", "")
    BASEMAP_ATTRIBUTION = os.environ.get("BASEMAP_ATTRIBUTION", "")
    # Map centre: Huilong Town, Qidong (lon 121.66, lat 31.81).
    MAP_CENTER = (31.81, 121.66)
    MAP_ZOOM = 13
    # Buildings are drawn from this zoom on; below it grids with aggregates.
    BUILDING_MIN_ZOOM = 14
    MAX_BBOX_DEGREES = 0.05
    # The campaign's "today": decides which police verifications are overdue (more than 7 days
    # after the visit) and where the progress chart ends. An ISO date (the end of that day in
    # China Standard Time) or date-time; unset means the clock. The demo's records stop on
    # 2026-10-23, so `make run` and the benchmarks set CAMPAIGN_TODAY=2026-10-23.
    CAMPAIGN_TODAY = os.environ.get("CAMPAIGN_TODAY") or None
    # The stages of seed §三 in 2026 (上旬 days 1–10, 中旬 11–20, 下旬 21–end), for the chart.
    CAMPAIGN_STAGES = (
        ("全面部署", "2026-08-01", "2026-08-10"),
        ("采集录入", "2026-08-11", "2026-10-31"),
        ("检查验收", "2026-11-01", "2026-11-10"),
    )
    # Behind a TLS reverse proxy (nginx terminating HTTPS): BEHIND_TLS_PROXY=<number of
    # proxies in front of the app> (usually 1). The app then trusts X-Forwarded-Proto/Host/Port
    # from that many hops (werkzeug ProxyFix), so it knows the request was HTTPS: HSTS is sent,
    # URLs are https and the session cookie is Secure. X-Forwarded-For stays untrusted (the
    # audit log's IP is the peer's address) unless TRUSTED_FORWARDED_FOR=<hops> says the proxy
    # overwrites it. 0 / unset: no proxy header is trusted.
    BEHIND_TLS_PROXY = _hops("BEHIND_TLS_PROXY")
    TRUSTED_FORWARDED_FOR = _hops("TRUSTED_FORWARDED_FOR")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME") or ("https" if BEHIND_TLS_PROXY else "http")
    SESSION_COOKIE_SECURE = bool(BEHIND_TLS_PROXY) or PREFERRED_URL_SCHEME == "https"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Reveal budget per user (查看完整证件号码和电话): beyond it the reveal is refused and an
    # alert row goes to the audit log (the town office sees it on the audit page). The same
    # reason may serve at most REVEAL_SAME_REASON_PER_DAY reveals a day.
    REVEAL_PER_MINUTE = int(os.environ.get("REVEAL_PER_MINUTE") or 10)
    REVEAL_PER_DAY = int(os.environ.get("REVEAL_PER_DAY") or 60)
    REVEAL_SAME_REASON_PER_DAY = int(os.environ.get("REVEAL_SAME_REASON_PER_DAY") or 5)

    # The tile path (webgis/map/tileserver.py): bytes of tiles kept per process (0: none).
    TILE_CACHE_BYTES = int(os.environ.get("TILE_CACHE_BYTES", 64 * 2**20))
    TILE_GZIP_LEVEL = int(os.environ.get("TILE_GZIP_LEVEL", 1))  # zlib level of the tile path (1 = fastest)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    JSON_AS_ASCII = False


class TestConfig(Config):
    """Configuration for the test suite: its own PostGIS database."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL")
    OWNER_DATABASE_URI = os.environ.get("TEST_OWNER_DATABASE_URL")
    SECRET_KEY = "test-secret-key"
