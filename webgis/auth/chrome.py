"""Context for the app chrome (templates/layout.html's top bar) of the account and admin pages."""
from flask_login import current_user

from webgis.auth.totp import may_enrol
from webgis.coverage.views import VIEW_ROLES
from webgis.extensions import db
from webgis.geo.models import Town


def chrome_context() -> dict:
    """Return the town's name and which account/admin links the user gets."""
    if not current_user.is_authenticated:
        return {}
    town = db.session.get(Town, current_user.town_id)
    return {"town_name": town.name if town else "",
            "is_town_admin": current_user.role == "town_admin",
            "may_see_targets": current_user.role in VIEW_ROLES,
            "may_enrol_totp": may_enrol(current_user)}
