"""One error shape for the JSON API: {"error": {"code", "message", "details"}}.

Codes are English for programs, messages Chinese for users.
"""
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from webgis import errors

MESSAGES = {
    400: "请求参数有误",
    401: "请先登录",
    403: "无权访问",
    404: "未找到该记录",
    405: "不支持该请求方法",
    409: "记录已被他人修改，请刷新后重试",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误",
}
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 429: "too_many_requests", 500: "internal_error"}


class ApiError(Exception):
    """An error answered as JSON in the one error shape."""

    def __init__(self, status: int, message: str | None = None, code: str | None = None, details=None):
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message or MESSAGES.get(status, "错误")
        self.details = details


def error_response(status: int, message: str | None = None, code: str | None = None, details=None):
    """Build the JSON error response."""
    body = {"error": {"code": code or CODES.get(status, "error"),
                      "message": message or MESSAGES.get(status, "错误"),
                      "details": details}}
    return jsonify(body), status


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/tiles/"))


# The one mapping of domain errors (webgis/errors.py) to HTTP statuses.
DOMAIN_STATUS = {
    errors.ValidationFailed: 400,
    errors.StaleVersion: 409,
    errors.Conflict: 409,
    errors.NotFound: 404,
    errors.NotAllowed: 404,
}


def domain_status(exc: errors.DomainError) -> int:
    """Return the HTTP status of a domain error."""
    for kind, status in DOMAIN_STATUS.items():
        if isinstance(exc, kind):
            return status
    return 400


def register_error_handlers(app: Flask) -> None:
    """Answer API errors, domain errors and HTTP errors under /api and /tiles in the one shape."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.message, exc.code, exc.details)

    @app.errorhandler(errors.DomainError)
    def _domain_error(exc: errors.DomainError):
        from webgis.extensions import db

        db.session.rollback()  # all or nothing: a refused write leaves no partial rows
        if isinstance(exc, (errors.NotFound, errors.NotAllowed)):
            from webgis.audit import services as audit

            audit.denied(exc.kind, exc.object_id, reason=getattr(exc, "reason", "out of scope or unknown"))
        return error_response(domain_status(exc), exc.message, exc.code, exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if _wants_json():
            return error_response(exc.code or 500)
        return exc

