"""View guards by role. A refused page answers 404 (its existence is not confirmed to
people who may not see it) and the refusal is written to the audit log."""
from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

from webgis.api import ApiError
from webgis.permissions import USER_ADMIN_ROLES


def roles_required(*roles: str, object_type: str = "page"):
    """Let only users with one of `roles` through; others get an audited 404."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                from webgis.audit import services as audit

                audit.denied(object_type, request.path, reason="role")
                if request.path.startswith(("/api/", "/tiles/")):
                    raise ApiError(404)
                abort(404)
            return view(*args, **kwargs)

        return wrapper

    return decorator


town_admin_required = roles_required(*USER_ADMIN_ROLES)
