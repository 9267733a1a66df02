"""Optional TOTP second factor (RFC 6238, 30-second steps, 6 digits) for town admins and police.

The enrolment page shows the secret as text and as an otpauth:// URI for any
authenticator app; no image or outside service is involved. A code is accepted once:
the last used time step is stored, so a code seen over someone's shoulder cannot be replayed.
"""
import hmac
import time

import pyotp

from webgis.auth.models import User
from webgis.permissions import TOTP_ROLES
ISSUER = "网格核查"


def may_enrol(user: User) -> bool:
    return user.role in TOTP_ROLES


def new_secret() -> str:
    """Return a new random base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """Return the otpauth:// URI an authenticator app can be given by hand."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, after_step: int | None = None, at: float | None = None) -> int | None:
    """Return the time step the code belongs to (now ±1 step, later than `after_step`), else None."""
    code = (code or "").replace(" ", "").strip()
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((at if at is not None else time.time()) // totp.interval)
    for step in (current - 1, current, current + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def verify(user: User, code: str) -> bool:
    """Check a code for the user's enrolled secret, consuming its time step."""
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True
