"""Context for the app chrome (templates/layout.html's top bar) of the account and admin pages."""
from flask_login import current_user

from webgis.auth.totp import may_enrol
from webgis.extensions import db
from webgis.geo.models import Town
from webgis.permissions import (EXCHANGE_PAGE_ROLES, INSPECT_ROLES, OFFLINE_ROLES, QUALITY_ROLES, TARGET_VIEW_ROLES,
                                SYNC_REVIEW_ROLES, USER_ADMIN_ROLES, VERIFY_ROLES, may)


def chrome_context() -> dict:
    """Return the town's name and which account/admin links the user gets."""
    if not current_user.is_authenticated:
        return {}
    town = db.session.get(Town, current_user.town_id)
    return {"town_name": town.name if town else "",
            "is_town_admin": may(current_user.role, USER_ADMIN_ROLES),
            "may_see_targets": may(current_user.role, TARGET_VIEW_ROLES),
            "may_verify": may(current_user.role, VERIFY_ROLES),
            "may_inspect": may(current_user.role, INSPECT_ROLES),
            "may_exchange": may(current_user.role, EXCHANGE_PAGE_ROLES),
            "may_quality": may(current_user.role, QUALITY_ROLES),
            "may_work_offline": may(current_user.role, OFFLINE_ROLES),
            "may_review_sync": may(current_user.role, SYNC_REVIEW_ROLES),
            "may_enrol_totp": may_enrol(current_user)}
