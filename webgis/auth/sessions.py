"""Server-side login sessions (登录会话).

At login a random 32-byte token is made; the browser's (signed) Flask session carries only
the token, the `user_session` table only its SHA-256. Every request checks the row: not
ended, idle at most 30 minutes, at most 12 hours old — one rule, in SQL (gc_session_reason),
shared by the page requests and the one-call tile path (webgis/map/tileserver.py). Logout, disabling the user and a
password change end rows, so a cookie captured earlier is refused afterwards.
"""
import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select, update

from webgis.auth.models import UserSession
from webgis.extensions import db

TOKEN_KEY = "sid"  # key of the token in the Flask session
# last_seen_at is written at most this often, not on every tile request.
TOUCH_EVERY = timedelta(seconds=60)


def now() -> datetime:
    return datetime.now(timezone.utc)


def digest(token: str) -> str:
    """Return the stored form of a session token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config.get("SESSION_IDLE_MINUTES", 30))


def absolute_limit() -> timedelta:
    return timedelta(hours=current_app.config.get("SESSION_ABSOLUTE_HOURS", 12))


def start(user_id: int, ip: str | None, user_agent: str | None) -> str:
    """Open a new session for the user and return its token (for the Flask session only)."""
    token = secrets.token_urlsafe(32)
    t = now()
    db.session.add(UserSession(id=digest(token), user_id=user_id, created_at=t, last_seen_at=t,
                               ip=(ip or None) and ip[:45], user_agent=(user_agent or "")[:200] or None))
    db.session.flush()
    return token


def find(token: str | None) -> UserSession | None:
    """Return the session row of a token, fresh from the database, or None."""
    if not token or not isinstance(token, str):
        return None
    return db.session.execute(
        select(UserSession).where(UserSession.id == digest(token))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def reason_clause(token_hash, user_id, session_version):
    """SQL expression: why the session no longer admits its user ("unknown", "user", "ended",
    "absolute", "idle"), NULL when it does. The rule itself is gc_session_reason
    (webgis/sql/0011_tile_server.sql), the same function the one-call tile path uses."""
    return func.gc_session_reason(token_hash, user_id, session_version, idle_limit(), absolute_limit())


def touch(row: UserSession) -> bool:
    """Record activity on the session (at most once a minute); return True if written."""
    t = now()
    if t - row.last_seen_at < TOUCH_EVERY:
        return False
    row.last_seen_at = t
    return True


def end(row: UserSession, reason: str) -> None:
    """End one session (no-op if it has already ended)."""
    if row.ended_at is None:
        row.ended_at = now()
        row.end_reason = reason


def end_all(user_id: int, reason: str, keep: str | None = None) -> int:
    """End every open session of a user except the one with id `keep`; return how many."""
    stmt = (update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
            .values(ended_at=now(), end_reason=reason)
            .execution_options(synchronize_session="fetch"))
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep)
    return db.session.execute(stmt).rowcount


def open_sessions(user_id: int) -> list[UserSession]:
    """Return the user's sessions that have not ended, newest first."""
    return list(db.session.execute(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .order_by(UserSession.created_at.desc())).scalars())
