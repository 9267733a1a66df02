"""Door to door: the registration form page and its API (pre-fill, save, history)."""
from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required

from webgis.inputs import json_object
from webgis.auth.guards import roles_required
from webgis.codes.data import CODE_LISTS
from webgis.extensions import db
from webgis.permissions import HISTORY_ROLES, REGISTER_ROLES, VERIFY_ROLES
from webgis.schemas import parse
from webgis.visits import history, services
from webgis.visits.schemas import RegistrationInput
from webgis.writes import Actor

bp = Blueprint("visits", __name__)
FORM_ROLES = tuple(REGISTER_ROLES | VERIFY_ROLES)
FORM_CODE_LISTS = ("gender", "ethnicity", "occupation", "relation", "marital", "person_category", "house_nature",
                   "visit_result", "person_status")


@bp.route("/households/<int:household_id>/register")
@roles_required(*FORM_ROLES)
def register_page(household_id: int):
    """登记/核对: the registration form (附件2) of one household, pre-filled."""
    services.registration_form(db.session, household_id, current_user.role)  # 404 if out of scope
    return render_template("visits/register.html", household_id=household_id,
                           police=current_user.role in VERIFY_ROLES)


@bp.route("/api/households/<int:household_id>/form")
@roles_required(*FORM_ROLES)
def form(household_id: int):
    """The pre-filled form as JSON, with the code lists it needs and the history mark it was read at
    (the base an offline submission of it is merged against, webgis/offline/services.py)."""
    from webgis.offline.services import history_mark

    mark = history_mark(db.session)
    data = services.registration_form(db.session, household_id, current_user.role)
    data["base_mark"] = mark
    data["codes"] = {name: CODE_LISTS[name]["items"] for name in FORM_CODE_LISTS}
    data["police"] = current_user.role in VERIFY_ROLES
    return jsonify(data)


@bp.route("/api/households/<int:household_id>/registration", methods=["POST"])
@roles_required(*FORM_ROLES)
def save(household_id: int):
    """Save one submission of the form (one visit); a retried submission is applied once."""
    data = parse(RegistrationInput, json_object())
    result = services.save_registration(db.session, Actor.of(current_user), household_id, data)
    return jsonify(result), 201 if result["applied"] else 200


@bp.route("/api/households/<int:household_id>/history")
@roles_required(*HISTORY_ROLES)
def household_history(household_id: int):
    """变更记录 of the household (masked like the records)."""
    services.registration_form(db.session, household_id, current_user.role)  # 404 if out of scope
    return jsonify({"household_id": household_id, "changes": history.household_history(db.session, household_id)})

