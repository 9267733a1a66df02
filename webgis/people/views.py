"""Person API: reveal one person's full ID number and phone, with a reason (audited)."""
from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from webgis.api import ApiError
from webgis.extensions import db
from webgis.inputs import json_object
from webgis.people import services
from webgis.people.schemas import MovePersonInput
from webgis.schemas import parse
from webgis.writes import Actor

bp = Blueprint("people", __name__)


@bp.route("/api/persons/<int:person_id>/reveal", methods=["POST"])
@login_required
def reveal(person_id: int):
    """查看完整证件号码和电话: needs a reason; every reveal is written to the audit log."""
    body = json_object()
    try:
        data = services.reveal(person_id, current_user.role, body.get("reason"), user_id=current_user.id)
    except services.RevealRefused as exc:
        raise ApiError(exc.status, exc.message) from None
    return jsonify(data)


@bp.route("/api/persons/<int:person_id>/move", methods=["POST"])
@login_required
def move(person_id: int):
    """迁移: the person moves to another room (one person record, the old link kept as history)."""
    data = parse(MovePersonInput, json_object())
    return jsonify(services.move_person(db.session, Actor.of(current_user), person_id, data))
