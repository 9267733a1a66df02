"""Password hashing (argon2id) and credential checks, callable without HTTP."""
import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from webgis.auth.models import User
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


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, else None (no hint which part was wrong)."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def load_user(user_id: str) -> User | None:
    """Load a user from the session id `<id>:<session_version>`; a stale version logs out."""
    try:
        uid, version = (int(x) for x in user_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, uid)
    if user is None or not user.active or user.session_version != version:
        return None
    return user
