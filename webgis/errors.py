"""Domain errors raised by the write services (and any service callable without HTTP).

Services know nothing of HTTP: they raise these, and `webgis.api` maps each kind to a
status and the one JSON error shape in a single handler:
ValidationFailed → 400 (per-field `details`), StaleVersion → 409 (both versions),
NotFound → 404 (out of scope looks exactly like unknown), NotAllowed → 404 as well
(a role that may not do something is not told that the thing exists),
Conflict → 409 (a rule between records, e.g. the ID lives in another room).
"""


class DomainError(Exception):
    """Base of every domain error: a Chinese message for the user, an English code for programs."""

    code = "domain_error"
    message = "操作未完成"

    def __init__(self, message: str | None = None, *, code: str | None = None, details=None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.details = details


class ValidationFailed(DomainError):
    """The input is not acceptable; `details` maps a field path ("members.0.id_number") to a message."""

    code = "validation_failed"
    message = "提交的内容有误，请按提示修改"

    def __init__(self, details: dict[str, str], message: str | None = None, *, code: str | None = None):
        super().__init__(message, code=code, details=dict(details))


class StaleVersion(DomainError):
    """The record changed since the user loaded it: nothing saved; both versions returned to merge."""

    code = "stale_version"
    message = "该记录已被他人修改，请对照最新内容后重新保存"

    def __init__(self, kind: str, object_id: int, current: dict, yours: dict, current_version: int,
                 your_version: int | None):
        super().__init__(details={"kind": kind, "id": object_id, "current_version": current_version,
                                  "your_version": your_version, "current": current, "yours": yours})


class NotFound(DomainError):
    """Unknown, or outside the user's scope (never told apart to the user)."""

    code = "not_found"
    message = "未找到该记录"

    def __init__(self, kind: str, object_id=None, message: str | None = None):
        super().__init__(message)
        self.kind, self.object_id = kind, object_id


class NotAllowed(DomainError):
    """The user's role may not do this (answered like NotFound, and audited)."""

    code = "not_found"
    message = "未找到该记录"

    def __init__(self, kind: str, object_id=None, reason: str = "role"):
        super().__init__()
        self.kind, self.object_id, self.reason = kind, object_id, reason


class Conflict(DomainError):
    """A rule between records forbids the change (details say which records)."""

    code = "conflict"
    message = "与已有记录冲突"
