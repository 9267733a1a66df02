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
    # The tile path (webgis/map/tileserver.py): bytes of tiles kept per process (0: none) and
    # the size of its own autocommit connection pool per process.
    TILE_CACHE_BYTES = int(os.environ.get("TILE_CACHE_BYTES", 64 * 2**20))
    TILE_POOL_SIZE = int(os.environ.get("TILE_POOL_SIZE", 4))
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
