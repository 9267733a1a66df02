"""Credentials, lockout and the session-checking user loader, callable without HTTP.

Passwords are hashed with argon2id. Five consecutive failures lock an account for
15 minutes; while locked even the right password is refused, with the same message as any
other failure. The user loader accepts a user only with an open server-side session.
"""
import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import g, session
from sqlalchemy import select

from webgis.auth import sessions, throttle
from webgis.auth.models import User, UserSession
from webgis.auth.passwords import password_problems
from webgis.extensions import db

log = logging.getLogger(__name__)

# argon2id with the library's RFC 9106 "low memory" profile defaults.
_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("gridcheck-dummy-password")


def hash_password(password: str) -> str:
    """Return an argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return True if `password` matches `password_hash`."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def find_user(username: str) -> User | None:
    """Return the user with this username (exact match), or None."""
    return db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def is_locked(user: User) -> bool:
    """Return True while the account is locked after too many failures."""
    return user.locked_until is not None and user.locked_until > sessions.now()


def register_failure(user: User) -> None:
    """Count a failed password or TOTP code; lock the account at the fifth in a row."""
    # Row lock: parallel guesses from several workers must not lose increments.
    db.session.flush()
    db.session.refresh(user, with_for_update=True)
    if is_locked(user):
        return
    user.failed_count = (user.failed_count or 0) + 1
    if user.failed_count >= throttle.max_failures():
        user.failed_count = 0
        user.locked_until = sessions.now() + throttle.lock_duration()
        log.warning("account %s locked after repeated login failures", user.id)


def clear_failures(user: User) -> None:
    """Reset the failure count and any lock (successful login, admin unlock)."""
    user.failed_count = 0
    user.locked_until = None


def check_password(username: str, password: str) -> tuple[User | None, str]:
    """Check a login's first step; return (user, "ok") or (None, reason).

    Reasons (for the audit log only, never shown): unknown, locked, bad_password, disabled.
    The hash is verified in every case so that timing says nothing.
    """
    user = find_user(username)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        if throttle.unknown_user_locked(username):
            return None, "locked"
        throttle.unknown_user_failed(username)
        return None, "unknown"
    ok = verify_password(user.password_hash, password)
    if is_locked(user):
        return None, "locked"
    if not ok:
        register_failure(user)
        return None, "bad_password"
    if not user.active:
        return None, "disabled"
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user, "ok"


def set_password(user: User, new_password: str, must_change: bool = False) -> None:
    """Store a new password (already checked against the policy) and clear any lock."""
    user.password_hash = hash_password(new_password)
    user.password_changed_at = sessions.now()
    user.must_change_password = must_change
    clear_failures(user)


def change_password(user: User, current: str, new: str, confirm: str) -> dict[str, list[str]]:
    """Change the user's own password; return form errors by field (empty when done)."""
    errors: dict[str, list[str]] = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = ["当前密码不正确"]
    problems = password_problems(new, user.username)
    if not problems and verify_password(user.password_hash, new):
        problems.append("新密码不能与当前密码相同")
    if problems:
        errors["new_password"] = problems
    if new != confirm:
        errors["confirm"] = ["两次输入的新密码不一致"]
    if not errors:
        set_password(user, new)
    return errors


def load_user(user_id: str) -> User | None:
    """Load the user of the session `<id>:<session_version>` if its server-side session is open."""
    try:
        uid, version = (int(x) for x in user_id.split(":"))
    except (ValueError, AttributeError):
        return None
    token = session.get(sessions.TOKEN_KEY)
    if not token or not isinstance(token, str):
        return None
    # One round trip for the user, the server-side session record and the verdict on it.
    digest = sessions.digest(token)
    found = db.session.execute(
        select(User, UserSession, sessions.reason_clause(digest, uid, version))
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == uid, UserSession.id == digest)
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        return None
    user, row, reason = found
    if reason == "user" or not user.active or user.session_version != version:
        return None
    if reason is not None:
        if reason != "ended":
            from webgis.audit import services as audit

            sessions.end(row, reason)
            audit.record("session_end", "user", user.id, {"reason": reason}, user=user)
            db.session.commit()
        return None
    if sessions.touch(row):
        db.session.commit()
    g.gc_session_id = row.id
    return user
