"""Write the audit log from any module.

- `record()` and `change()` add the row to the current transaction, so a change and its
  audit row commit, or roll back, together. The caller commits.
- `denied()`, `reveal()` and `export()` commit at once: they sit on read paths that write
  nothing else (a refusal then ends in an error, which would roll back), and data must not be
  disclosed unless the record of disclosing it is stored. Call them *before* answering.

Nothing secret reaches the log: keys naming a password, hash, secret or token are dropped,
ID numbers and phone numbers are masked (by key, and wherever they appear in text).
"""
import ipaddress
import logging
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

from flask import has_request_context, request
from geoalchemy2.elements import _SpatialElement
from geoalchemy2.shape import to_shape

from webgis.audit.models import AuditEntry
from webgis.extensions import db
from webgis.people.idcard import mask_id_number, mask_phone

log = logging.getLogger(__name__)

# Action codes and their labels on the audit page; other modules may use further codes.
ACTIONS = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "session_end": "会话终止",
    "access_denied": "拒绝访问",
    "reveal": "查看明文",
    "reveal_alert": "查看超限告警",
    "export": "导出",
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "status_change": "状态变更",
    "user_admin": "用户管理",
    "password_change": "修改密码",
    "totp_enable": "启用动态口令",
    "totp_disable": "停用动态口令",
}

_SECRET_KEY_RE = re.compile(r"password|passwd|(^|_)pwd($|_)|secret|token|(^|_)t?otp($|_)|(^|_)hash$|csrf",
                            re.I)
_ID_KEY_RE = re.compile(r"(^|_)id_?(number|no|card)($|_)|idcard|sfz", re.I)
_PHONE_KEY_RE = re.compile(r"phone|mobile|(^|_)tel($|_)", re.I)
# In free text: an 18-character ID number and an 11-digit mobile number.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
# Phones in any written form: +86 / 86 / 0086 prefixes, spaces, dashes, dots and parentheses,
# mobiles (1[3-9] + 9 digits) and landlines with area code (0513-83123456, (0513) 8312 3456).
_SEP = r"[\s\-.()（）]*"
_PHONE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:(?:\+|00)?86" + _SEP + r")?(?:"
    r"1[3-9](?:" + _SEP + r"[0-9]){9}"
    r"|\(?0[1-9][0-9]{1,2}\)?" + _SEP + r"[1-9](?:" + _SEP + r"[0-9]){6,7}"
    r")(?![0-9])")
_MAX_TEXT = 2000

_CURRENT = object()  # "the logged-in user of this request, if any"


def _is_secret(key) -> bool:
    return isinstance(key, str) and bool(_SECRET_KEY_RE.search(key))


def _jsonable(value):
    """Return `value` as something JSON can hold (dates ISO, geometry WKT, the rest str)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, _SpatialElement):
        wkt = to_shape(value).wkt
        return wkt if len(wkt) <= _MAX_TEXT else f"{wkt[:_MAX_TEXT]}…"
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return str(value)


def _ascii_digits(text: str) -> str:
    """Full-width and other Unicode decimal digits as ASCII (so no written form escapes the masks)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in text)


def _mask_phone_text(found: str) -> str:
    digits = re.sub(r"[^0-9]", "", found)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 10:
            digits = digits[len(prefix):]
            break
    return mask_phone(digits)


def _scrub_text(text: str) -> str:
    text = _ascii_digits(text)
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _PHONE_IN_TEXT.sub(lambda m: _mask_phone_text(m.group(0)), text)
    return text if len(text) <= _MAX_TEXT else f"{text[:_MAX_TEXT]}…"


def sanitize(value, key: str | None = None):
    """Return `value` fit for the log: secrets dropped, ID numbers and phones masked."""
    if isinstance(value, dict):
        return {str(k): sanitize(v, str(k)) for k, v in value.items() if not _is_secret(k)}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [sanitize(v, key) for v in value]
    value = _jsonable(value)
    if isinstance(value, str):
        if key and _ID_KEY_RE.search(key):
            return mask_id_number(value)
        if key and _PHONE_KEY_RE.search(key):
            return mask_phone(value)
        return _scrub_text(value)
    return value


def _client_ip() -> str | None:
    if not has_request_context():
        return None
    try:
        return str(ipaddress.ip_address(request.remote_addr or ""))
    except ValueError:
        return None


def _request_user():
    """Return the logged-in user of this request, or None."""
    if not has_request_context():
        return None
    from flask_login import current_user

    return current_user._get_current_object() if current_user.is_authenticated else None


def record(action: str, object_type: str | None = None, object_id=None, detail: dict | None = None,
           grid_id: int | None = None, user=_CURRENT, username: str | None = None,
           town_id: int | None = None) -> AuditEntry:
    """Add one audit row to the current transaction (the caller commits) and return it.

    `user` defaults to the logged-in user of the request; pass `user=None, username=...`
    for events without a user (a failed login records the username typed, never the password).
    """
    if user is _CURRENT:
        user = _request_user()
    entry = AuditEntry(
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:80],
        grid_id=grid_id,
        user_id=user.id if user is not None else None,
        username=(user.username if user is not None else (username or None) and username[:40]),
        role=user.role if user is not None else None,
        town_id=town_id if town_id is not None else (user.town_id if user is not None else None),
        ip=_client_ip(),
        detail=sanitize(detail) if detail else None,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def change(object_type: str, object_id, before: dict | None, after: dict | None,
           grid_id: int | None = None, action: str | None = None, **extra) -> AuditEntry | None:
    """Record a change of a record as {"before": {...}, "after": {...}} of the changed fields.

    `before=None` is a creation, `after=None` a deletion. Nothing is written when no field
    changed. Extra keyword arguments go into the detail (e.g. op="disable").
    """
    b = _jsonable(dict(before)) if before is not None else None
    a = _jsonable(dict(after)) if after is not None else None
    if b is not None and a is not None:
        keys = [k for k in {**b, **a} if b.get(k) != a.get(k)]
        if not keys and not extra:
            return None
        b = {k: b.get(k) for k in keys}
        a = {k: a.get(k) for k in keys}
    action = action or ("create" if before is None else "delete" if after is None else "update")
    detail = {**extra, "before": b, "after": a}
    return record(action, object_type, object_id, detail, grid_id)


def denied(object_type: str | None = None, object_id=None, grid_id: int | None = None,
           reason: str | None = None, **detail) -> None:
    """Record a refused access and commit; call it before answering 403/404."""
    info = dict(detail)
    if has_request_context():
        info.setdefault("method", request.method)
        info.setdefault("path", request.path)
    if reason:
        info["reason"] = reason
    record("access_denied", object_type, object_id, info, grid_id)
    db.session.commit()


def reveal(object_type: str, object_id, fields: list[str], grid_id: int | None = None, **detail) -> None:
    """Record a look at unmasked personal data (which fields) and commit; call it before answering."""
    record("reveal", object_type, object_id, {"fields": list(fields), **detail}, grid_id)
    db.session.commit()


def export(object_type: str, count: int, filters: dict | None = None, grid_id: int | None = None,
           **detail) -> None:
    """Record an export (what, how many rows, which filters) and commit; call it before sending."""
    record("export", object_type, None, {"count": count, "filters": filters or {}, **detail}, grid_id)
    db.session.commit()
