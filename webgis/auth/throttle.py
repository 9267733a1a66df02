"""Login throttles kept in PostgreSQL, so that every gunicorn worker counts together.

- Per client IP: once LOGIN_RATE_LIMIT failed logins (default 10) came from an IP within
  LOGIN_RATE_WINDOW seconds (default 60), every login POST from it answers 429 until the
  window has passed — before any password is checked. Successful logins do not count: a
  town office behind one NAT address can still log its whole staff in at 8 o'clock.
- Per unknown username: the same lockout as for real accounts (5 failures → 15 minutes),
  so trying names teaches nothing and costs the same.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from webgis.auth.models import AuthThrottle
from webgis.auth.sessions import now
from webgis.extensions import db

MAX_FAILURES = 5
LOCK_MINUTES = 15


def lock_duration() -> timedelta:
    return timedelta(minutes=current_app.config.get("LOGIN_LOCK_MINUTES", LOCK_MINUTES))


def max_failures() -> int:
    return int(current_app.config.get("LOGIN_MAX_FAILURES", MAX_FAILURES))


def _rate_window() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("LOGIN_RATE_WINDOW", 60)))


def _ip_key(ip: str | None) -> str:
    return (ip or "unknown")[:64]


def ip_blocked(ip: str | None) -> bool:
    """Return True if `ip` used up its failed logins in the current window."""
    limit = int(current_app.config.get("LOGIN_RATE_LIMIT", 10))
    row = db.session.execute(select(AuthThrottle.count, AuthThrottle.window_start).where(
        AuthThrottle.scope == "ip", AuthThrottle.key == _ip_key(ip))).first()
    return bool(row and row.count >= limit and row.window_start >= now() - _rate_window())


def ip_failed(ip: str | None) -> None:
    """Count one failed login from `ip` (a fixed window, restarted when it has passed)."""
    t = now()
    expired = AuthThrottle.window_start < t - _rate_window()
    stmt = (pg_insert(AuthThrottle)
            .values(scope="ip", key=_ip_key(ip), window_start=t, count=1)
            .on_conflict_do_update(
                index_elements=["scope", "key"],
                set_={"count": case((expired, 1), else_=AuthThrottle.count + 1),
                      "window_start": case((expired, t), else_=AuthThrottle.window_start)}))
    db.session.execute(stmt)


def _username_key(username: str) -> str:
    return username.strip().lower()[:64]


def unknown_user_locked(username: str) -> bool:
    """Return True if this (non-existent) username is locked out."""
    row = db.session.get(AuthThrottle, ("username", _username_key(username)))
    return bool(row and row.locked_until and row.locked_until > now())


def unknown_user_failed(username: str) -> None:
    """Count a failure for a username that has no account; lock it like a real one."""
    t = now()
    key = _username_key(username)
    db.session.execute(pg_insert(AuthThrottle).values(scope="username", key=key, window_start=t, count=0)
                       .on_conflict_do_nothing())
    row = db.session.execute(select(AuthThrottle).where(AuthThrottle.scope == "username", AuthThrottle.key == key)
                             .with_for_update().execution_options(populate_existing=True)).scalar_one()
    if row.locked_until and row.locked_until > t:
        return
    row.count = (row.count or 0) + 1
    row.window_start = t
    if row.count >= max_failures():
        row.count = 0
        row.locked_until = t + lock_duration()


def purge(older_than: datetime | None = None) -> None:
    """Drop counters idle for a day (keeps the table small)."""
    cutoff = older_than or now() - timedelta(days=1)
    db.session.execute(delete(AuthThrottle).where(
        AuthThrottle.window_start < cutoff,
        (AuthThrottle.locked_until.is_(None)) | (AuthThrottle.locked_until < cutoff)))
